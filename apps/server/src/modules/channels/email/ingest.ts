/**
 * The inbound pipeline of an email channel, shared by the IMAP loop and the forwarding webhook: parse
 * (outside the transaction), then in one transaction keep the raw message, place it in its thread, resolve
 * the sender's contact (identity kind `email`), store attachments and the message (deduped on Message-ID)
 * with its conversation, case and outbox events. Bounces mark our failed message instead of opening a case;
 * our own messages are kept and go no further; automatic mail is stored flagged, never to be answered.
 */
import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import {
  type InboundDraft,
  receiveMessagesOf,
  retryOnDuplicateRace,
  setMessageStatus,
} from "../../conversations/index.ts";
import { resolveContacts } from "../../profiles/index.ts";
import type { ChannelRow } from "../repository.ts";
import { EmailPublicConfig } from "./config.ts";
import { type ParsedEmail, parseEmail } from "./parse.ts";
import { eq, findEmailMessages } from "./repository.ts";
import { sanitizeEmailHtml } from "./sanitize.ts";
import { type EmailThread, threadOf } from "./threading.ts";

export type EmailIngestStatus = "stored" | "duplicate" | "own" | "bounce";

export type EmailIngestResult = {
  messageId: string;
  status: EmailIngestStatus;
  threadId: string | null;
  /** The Rapport message stored for it (a customer message), or the outbound message a bounce failed. */
  rapportMessageId: string | null;
  caseId: string | null;
  automated: string | null;
};

/** Our outbound Message-IDs: `<rapport.{message uuid}@{mailbox domain}>`. */
export const OWN_MESSAGE_ID = /^<rapport\.([0-9a-f-]{36})@[^<>\s]+>$/i;

/** Where an inline attachment is served for the sanitised HTML. */
export const attachmentUrl = (id: string) => `/api/v1/email/attachments/${id}`;

/** A customer's sent date, unless it is absurd (clock skew beyond a day in the future). */
const sentAtOf = (date: Date | null) => (date && date.getTime() < Date.now() + 86_400_000 ? date : undefined);

/**
 * Ingests one raw RFC 822 message into a channel. `inTransaction` runs inside the same transaction after
 * the message is stored.
 */
export async function ingestEmail(
  ctx: AppContext,
  channel: ChannelRow,
  raw: Buffer,
  inTransaction?: (tx: Executor) => Promise<void>,
): Promise<EmailIngestResult> {
  const [result] = await ingestEmails(ctx, channel, [raw], inTransaction);
  if (!result) throw new Error("email: the ingest of one message returned no result");
  return result;
}

/**
 * Ingests raw messages in their order in one transaction (the IMAP loop's fetch batches: one commit for the
 * batch instead of one per email). All are parsed first, outside the transaction; `inTransaction` runs after
 * the last is stored. A message repeated within the batch is stored once (the second finds the first).
 */
export async function ingestEmails(
  ctx: AppContext,
  channel: ChannelRow,
  raws: Buffer[],
  inTransaction?: (tx: Executor) => Promise<void>,
): Promise<EmailIngestResult[]> {
  const parsed: { email: ParsedEmail; raw: Buffer }[] = [];
  for (const raw of raws) parsed.push({ email: await parseEmail(raw), raw });
  return retryOnDuplicateRace(() =>
    runTransaction(ctx.database, async (tx) => {
      const results = await storeAll(tx, channel, parsed);
      await inTransaction?.(tx);
      return results;
    }),
  );
}

type Scope = { workspaceId: string; channelId: string };

/** The email_messages row of an inbound email. */
function emailRow(
  s: Scope,
  p: ParsedEmail,
  raw: Buffer,
  threadId: string,
  flags: string[],
  rapportMessageId: string | null,
) {
  return {
    workspace_id: s.workspaceId,
    channel_id: s.channelId,
    message_id: p.messageId,
    direction: "inbound" as const,
    thread_id: threadId,
    rapport_message_id: rapportMessageId,
    from_address: p.from?.address ?? null,
    reply_to: p.replyTo?.address ?? null,
    subject: p.subject || null,
    refs: [...p.references, ...p.inReplyTo.filter((id) => !p.references.includes(id))].slice(-50),
    flags,
    parse_error: p.parseError,
    raw,
  };
}

/** A customer's email placed in its thread, waiting for its contact and message. */
type Pending = {
  index: number;
  email: ParsedEmail;
  raw: Buffer;
  thread: EmailThread;
  attachments: (ParsedEmail["attachments"][number] & { id: string })[];
  flags: string[];
  input: InboundDraft;
};

/**
 * Stores a batch of parsed emails in order: duplicates (already stored, or earlier in the batch), bounces and
 * our own copies one by one (they are rare), then the customers' emails together: their contacts in one
 * `resolveContacts`, their messages in one `receiveMessagesOf`, their email rows and attachments in one insert
 * each. Results follow the input order.
 */
async function storeAll(
  tx: Executor,
  channel: ChannelRow,
  emails: readonly { email: ParsedEmail; raw: Buffer }[],
): Promise<EmailIngestResult[]> {
  const s = { workspaceId: channel.workspace_id, channelId: channel.id };
  const config = EmailPublicConfig.parse(channel.config);
  const results: EmailIngestResult[] = [];
  const result = (p: ParsedEmail, status: EmailIngestStatus, extra: Partial<EmailIngestResult> = {}) => ({
    messageId: p.messageId,
    status,
    threadId: null,
    rapportMessageId: null,
    caseId: null,
    automated: p.automated,
    ...extra,
  });
  const seen = new Map(
    (await findEmailMessages(tx, s, [...new Set(emails.map((e) => e.email.messageId))])).map((m) => [m.message_id, m]),
  );
  const threads = new Map<string, EmailThread>();
  const done = new Set<string>();
  const pending: Pending[] = [];
  for (const [index, { email: p, raw }] of emails.entries()) {
    const stored = seen.get(p.messageId);
    if (stored) {
      results[index] = result(p, "duplicate", {
        threadId: stored.thread_id,
        rapportMessageId: stored.rapport_message_id,
      });
      continue;
    }
    if (done.has(p.messageId)) {
      results[index] = result(p, "duplicate", { threadId: threads.get(p.messageId)?.threadId ?? null });
      continue;
    }
    done.add(p.messageId);
    if (p.bounce) {
      // A bounce marks our failed message instead of opening a case.
      const original = p.bounce.originalMessageId
        ? (await findEmailMessages(tx, s, [p.bounce.originalMessageId]))[0]
        : undefined;
      const failed = original?.direction === "outbound" ? original.rapport_message_id : null;
      if (failed) await setMessageStatus(tx, s.workspaceId, failed, { status: "failed", error: p.bounce.reason });
      await eq(tx)
        .insertInto("email_messages")
        .values(emailRow(s, p, raw, original?.thread_id ?? p.messageId, [failed ? "bounce" : "bounce-unmatched"], null))
        .execute();
      results[index] = result(p, "bounce", { threadId: original?.thread_id ?? null, rapportMessageId: failed });
      continue;
    }
    const thread = await threadOf(tx, s, p, threads);
    threads.set(p.messageId, thread);
    if (OWN_MESSAGE_ID.test(p.messageId) || p.from?.address === config.fromAddress.toLowerCase()) {
      // A copy of our own reply (Bcc, a Sent folder, a loop): kept, never a customer message.
      await eq(tx)
        .insertInto("email_messages")
        .values(emailRow(s, p, raw, thread.threadId, ["own"], null))
        .execute();
      results[index] = result(p, "own", { threadId: thread.threadId });
      continue;
    }
    pending.push(customerEmail(channel, index, p, raw, thread));
  }
  if (pending.length === 0) return results;

  const contacts = resolveContacts(
    tx,
    { workspaceId: s.workspaceId },
    pending.map(({ email: p }) => {
      const sender = p.from?.address ?? UNKNOWN_SENDER;
      return {
        identity: { kind: "email" as const, externalId: sender },
        hints: {
          displayName: p.from?.name || undefined,
          email: p.from ? sender : undefined,
          source: `channel:${channel.id}`,
        },
      };
    }),
  );
  const received = await receiveMessagesOf(
    tx,
    pending.map((m) => m.input),
    contacts.then((resolved) => pending.map((_, i) => contactOf(resolved[i]))),
  );
  const rows: ReturnType<typeof emailRow>[] = [];
  const files: (Pending["attachments"][number] & { messageId: string })[] = [];
  for (const [i, m] of pending.entries()) {
    const r = received[i];
    if (!r) throw new Error("email: a message of the batch was not received");
    const extra = { threadId: m.thread.threadId, rapportMessageId: r.messageId, caseId: r.caseId };
    if (r.duplicate) {
      results[m.index] = result(m.email, "duplicate", extra);
      continue;
    }
    rows.push(emailRow(s, m.email, m.raw, m.thread.threadId, m.flags, r.messageId));
    files.push(...m.attachments.map((a) => ({ ...a, messageId: m.email.messageId })));
    results[m.index] = result(m.email, "stored", extra);
  }
  if (rows.length > 0) await eq(tx).insertInto("email_messages").values(rows).execute();
  if (files.length > 0) {
    await eq(tx)
      .insertInto("email_attachments")
      .values(
        files.map((a) => ({
          workspace_id: s.workspaceId,
          id: a.id,
          channel_id: s.channelId,
          message_id: a.messageId,
          filename: a.filename,
          content_type: a.contentType,
          content_id: a.contentId,
          inline: a.inline,
          size: a.content.length,
          content: a.content,
        })),
      )
      .execute();
  }
  return results;
}

const UNKNOWN_SENDER = "unknown-sender@rapport.invalid";

const contactOf = (resolution: { contactId: string } | undefined): string => {
  if (!resolution) throw new Error("email: a sender of the batch was not resolved");
  return resolution.contactId;
};

/** A customer's email as the message it becomes: sanitised HTML (inline images served by id), flags, text. */
function customerEmail(channel: ChannelRow, index: number, p: ParsedEmail, raw: Buffer, thread: EmailThread): Pending {
  const attachments = p.attachments.map((a) => ({ id: uuidv7(), ...a }));
  const byCid = new Map(attachments.filter((a) => a.contentId).map((a) => [a.contentId as string, a.id]));
  const sanitized = p.html
    ? sanitizeEmailHtml(p.html, (cid) => {
        const id = byCid.get(cid);
        return id ? attachmentUrl(id) : undefined;
      })
    : null;
  const flags = [
    ...(p.automated ? ["automated"] : []),
    ...(p.parseError ? ["unparseable"] : []),
    ...(sanitized?.remoteImagesBlocked ? ["remote-images-blocked"] : []),
  ];
  const body = p.parseError
    ? `[This email could not be read (${p.parseError}); its raw source is kept and shown below.]\n\n${p.text}`
    : p.text || (attachments.length ? "" : "(empty message)");
  return {
    index,
    email: p,
    raw,
    thread,
    attachments,
    flags,
    input: {
      workspaceId: channel.workspace_id,
      channel: { id: channel.id, type: channel.type },
      externalThreadId: thread.threadId,
      platformMessageId: p.messageId,
      subject: p.subject,
      type: "text",
      text: body || `[${attachments.length} attachment${attachments.length === 1 ? "" : "s"}]`,
      content: {
        text: body,
        email: {
          messageId: p.messageId,
          subject: p.subject,
          from: p.from,
          replyTo: p.replyTo,
          to: p.to,
          cc: p.cc,
          date: p.date?.toISOString() ?? null,
          html: sanitized?.html ?? null,
          fullText: p.fullText === p.text ? undefined : p.fullText,
          attachments: attachments.map((a) => ({
            id: a.id,
            filename: a.filename,
            contentType: a.contentType,
            size: a.content.length,
            inline: a.inline,
          })),
          /** Set when a machine wrote it: automation must not answer (loop protection). */
          automated: p.automated,
          noAutoReply: p.automated !== null,
          remoteImagesBlocked: sanitized?.remoteImagesBlocked ?? 0,
          parseError: p.parseError,
          threadToken: thread.token,
        },
      },
      sentAt: sentAtOf(p.date),
    },
  };
}
