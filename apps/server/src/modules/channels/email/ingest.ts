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
import { receiveMessage, retryOnDuplicateRace, setMessageStatus } from "../../conversations/index.ts";
import { resolveContact } from "../../profiles/index.ts";
import type { ChannelRow } from "../repository.ts";
import { EmailPublicConfig } from "./config.ts";
import { type ParsedEmail, parseEmail } from "./parse.ts";
import { eq, findEmailMessage } from "./repository.ts";
import { sanitizeEmailHtml } from "./sanitize.ts";
import { threadOf } from "./threading.ts";

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
  const parsed = await parseEmail(raw);
  const run = () =>
    runTransaction(ctx.database, async (tx) => {
      const result = await store(tx, channel, parsed, raw);
      await inTransaction?.(tx);
      return result;
    });
  return retryOnDuplicateRace(run);
}

async function store(tx: Executor, channel: ChannelRow, p: ParsedEmail, raw: Buffer): Promise<EmailIngestResult> {
  const s = { workspaceId: channel.workspace_id, channelId: channel.id };
  const config = EmailPublicConfig.parse(channel.config);
  const result = (status: EmailIngestStatus, extra: Partial<EmailIngestResult> = {}): EmailIngestResult => ({
    messageId: p.messageId,
    status,
    threadId: null,
    rapportMessageId: null,
    caseId: null,
    automated: p.automated,
    ...extra,
  });
  const seen = await findEmailMessage(tx, s, p.messageId);
  if (seen) {
    return result("duplicate", { threadId: seen.thread_id, rapportMessageId: seen.rapport_message_id });
  }
  const row = (threadId: string, flags: string[], rapportMessageId: string | null) => ({
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
  });

  if (p.bounce) {
    const original = p.bounce.originalMessageId ? await findEmailMessage(tx, s, p.bounce.originalMessageId) : undefined;
    const failed = original?.direction === "outbound" ? original.rapport_message_id : null;
    if (failed) await setMessageStatus(tx, s.workspaceId, failed, { status: "failed", error: p.bounce.reason });
    await eq(tx)
      .insertInto("email_messages")
      .values(row(original?.thread_id ?? p.messageId, [failed ? "bounce" : "bounce-unmatched"], null))
      .execute();
    return result("bounce", { threadId: original?.thread_id ?? null, rapportMessageId: failed });
  }

  const isOwn = OWN_MESSAGE_ID.test(p.messageId) || p.from?.address === config.fromAddress.toLowerCase();
  const thread = await threadOf(tx, s, p);
  if (isOwn) {
    // A copy of our own reply (Bcc, a Sent folder, a loop): kept, never a customer message.
    await eq(tx)
      .insertInto("email_messages")
      .values(row(thread.threadId, ["own"], null))
      .execute();
    return result("own", { threadId: thread.threadId });
  }

  const sender = p.from?.address ?? "unknown-sender@rapport.invalid";
  const { contactId } = await resolveContact(
    tx,
    { workspaceId: s.workspaceId },
    { kind: "email", externalId: sender },
    { displayName: p.from?.name || undefined, email: p.from ? sender : undefined, source: `channel:${channel.id}` },
  );

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
  const received = await receiveMessage(tx, {
    workspaceId: s.workspaceId,
    channel: { id: channel.id, type: channel.type },
    contactId,
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
  });
  if (received.duplicate) {
    return result("duplicate", {
      threadId: thread.threadId,
      rapportMessageId: received.messageId,
      caseId: received.caseId,
    });
  }
  await eq(tx)
    .insertInto("email_messages")
    .values(row(thread.threadId, flags, received.messageId))
    .execute();
  for (const a of attachments) {
    await eq(tx)
      .insertInto("email_attachments")
      .values({
        workspace_id: s.workspaceId,
        id: a.id,
        channel_id: s.channelId,
        message_id: p.messageId,
        filename: a.filename,
        content_type: a.contentType,
        content_id: a.contentId,
        inline: a.inline,
        size: a.content.length,
        content: a.content,
      })
      .execute();
  }
  return result("stored", {
    threadId: thread.threadId,
    rapportMessageId: received.messageId,
    caseId: received.caseId,
  });
}
