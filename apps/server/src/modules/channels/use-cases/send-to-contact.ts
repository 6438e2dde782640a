/**
 * Writing to a contact when there is no case to reply in: a welcome to a new follower, the answer to a menu
 * click before any conversation. The message goes to the contact's address on a channel that can carry it
 * (an adapter with `contactAddress`, e.g. a WeChat OpenID of that account), is recorded in `contact_messages`
 * (queued → sent | failed, once per dedupe key) and is delivered by a job through the channel's reply gate: on
 * WeChat it spends a reply of the window the follow, scan or click opened.
 */
import type { Selectable } from "kysely";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { capabilitiesOf, plainText } from "../../conversations/index.ts";
import { contactIdentities } from "../../profiles/index.ts";
import { ADAPTERS, adapterOf } from "../adapters.ts";
import { ChannelSendError } from "../contract.ts";
import { q as channelsQ, findChannel } from "../repository.ts";

export const CONTACT_SEND_JOB = "channels.contact-send";
export const ContactSendJobData = z.strictObject({ workspaceId: z.uuid(), id: z.uuid() });
/** A window that is not open yet may be one the triggering event is still opening (its commit follows the event's). */
const WINDOW_GRACE_MS = 30_000;

type ContactMessagesTables = {
  contact_messages: {
    workspace_id: string;
    id: string;
    channel_id: string;
    contact_id: string;
    external_id: string;
    author_type: "bot" | "system" | "user" | "token";
    author_id: string | null;
    type: string;
    text: string;
    content: unknown;
    status: "queued" | "sent" | "failed";
    error: string | null;
    dedupe_key: string;
    created_at: Date;
    sent_at: Date | null;
  };
};
export type ContactMessageRow = Selectable<ContactMessagesTables["contact_messages"]>;
const q = (db: Executor) => db.withTables<ContactMessagesTables>();

export type ContactMessageInput = {
  contactId: string;
  /** Only channels of this type (the channel the event came from). */
  channelType?: string | undefined;
  author: { type: "bot" | "system" | "user" | "token"; id: string | null };
  content: { type: string; [key: string]: unknown };
  /** The same key records and sends once (e.g. rule + event + action). */
  dedupeKey: string;
};

/**
 * Queues a message to a contact who has no case to reply in, in the caller's transaction; answers the recorded
 * message (the first one when the dedupe key was seen). Refuses with `no_channel_address` when none of the
 * contact's identities belongs to a channel that can be written to outside a case, and `content_not_supported`
 * when that channel cannot carry the content.
 */
export async function sendToContact(
  ctx: AppContext,
  tx: Executor,
  workspaceId: string,
  input: ContactMessageInput,
): Promise<ContactMessageRow> {
  const seen = await q(tx)
    .selectFrom("contact_messages")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("dedupe_key", "=", input.dedupeKey)
    .executeTakeFirst();
  if (seen) return seen;
  const target = await addressOf(tx, workspaceId, input.contactId, input.channelType);
  if (!target) {
    throw new AppError(
      "unprocessable",
      "no_channel_address",
      `The contact has no identity on a${input.channelType ? ` ${input.channelType}` : ""} channel that can be written to without a case.`,
      { contactId: input.contactId },
    );
  }
  const { type, ...content } = input.content;
  const allowed = capabilitiesOf(target.channel.type).contentTypes;
  if (!allowed.includes(type)) {
    throw new AppError(
      "unprocessable",
      "content_not_supported",
      `A ${target.channel.type} channel cannot carry "${type}" messages; it allows: ${allowed.join(", ")}.`,
      { field: "content.type", allowed },
    );
  }
  const text = typeof content.text === "string" ? content.text : plainText(type, content);
  const row = await q(tx)
    .insertInto("contact_messages")
    .values({
      workspace_id: workspaceId,
      id: uuidv7(),
      channel_id: target.channel.id,
      contact_id: input.contactId,
      external_id: target.externalId,
      author_type: input.author.type,
      author_id: input.author.id,
      type,
      text,
      content: JSON.stringify(content),
      status: "queued",
      error: null,
      dedupe_key: input.dedupeKey,
      created_at: new Date(),
      sent_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.jobs.send(CONTACT_SEND_JOB, { workspaceId, id: row.id }, { tx, id: row.id });
  return row;
}

/** The channel and address to reach a contact: their identity seen last that a capable, enabled channel claims. */
async function addressOf(db: Executor, ws: string, contactId: string, channelType: string | undefined) {
  const types = [...ADAPTERS.values()]
    .filter((a) => a.contactAddress && a.sendToContact && (!channelType || a.type === channelType))
    .map((a) => a.type);
  if (types.length === 0) return undefined;
  const channels = await channelsQ(db)
    .selectFrom("channels")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("type", "in", types)
    .where("disabled_at", "is", null)
    .execute();
  if (channels.length === 0) return undefined;
  const identities = (await contactIdentities(db, ws, contactId)).sort(
    (a, b) => new Date(b.last_seen_at).getTime() - new Date(a.last_seen_at).getTime(),
  );
  for (const identity of identities) {
    for (const channel of channels) {
      const externalId = adapterOf(channel.type).contactAddress?.(channel, identity);
      if (externalId) return { channel, externalId };
    }
  }
  return undefined;
}

/** A contact's messages written without a case, newest first. */
export function listContactMessages(db: Executor, ws: string, contactId: string, limit = 50) {
  return q(db)
    .selectFrom("contact_messages")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("contact_id", "=", contactId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

/** Erasure: a person's messages written without a case. */
export async function eraseContactMessages(tx: Executor, ws: string, contactIds: readonly string[]) {
  if (contactIds.length === 0) return 0;
  const r = await q(tx)
    .deleteFrom("contact_messages")
    .where("workspace_id", "=", ws)
    .where("contact_id", "in", [...contactIds])
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * The job: passes the channel's reply gate (spending one reply of an open window) and delivers. A window not
 * open yet within WINDOW_GRACE_MS of queueing is retried (the event that opens it may still be committing);
 * any other refusal, a permanent send error or the last attempt marks the message failed with the reason.
 */
export async function deliverContactMessage(
  ctx: AppContext,
  data: z.infer<typeof ContactSendJobData>,
  job: { attempt: number; retryLimit: number },
): Promise<void> {
  const { db } = ctx.database;
  const ws = data.workspaceId;
  const message = await q(db)
    .selectFrom("contact_messages")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", data.id)
    .executeTakeFirst();
  if (message?.status !== "queued") return;
  const setStatus = (status: "sent" | "failed", error: string | null) =>
    q(db)
      .updateTable("contact_messages")
      .set({ status, error: error?.slice(0, 1000) ?? null, ...(status === "sent" ? { sent_at: new Date() } : {}) })
      .where("workspace_id", "=", ws)
      .where("id", "=", message.id)
      .where("status", "=", "queued")
      .execute();
  const channel = await findChannel(db, ws, message.channel_id);
  const adapter = channel && !channel.disabled_at ? adapterOf(channel.type) : undefined;
  if (!channel || !adapter?.sendToContact) {
    await setStatus("failed", "The channel was removed or disabled.");
    return;
  }
  const last = job.attempt > job.retryLimit;
  const gate = capabilitiesOf(channel.type).replyGate;
  if (gate) {
    try {
      await runTransaction(ctx.database, (tx) =>
        gate(tx, {
          workspaceId: ws,
          channelId: channel.id,
          channelType: channel.type,
          externalThreadId: message.external_id,
        }),
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const young = Date.now() - message.created_at.getTime() < WINDOW_GRACE_MS;
      if (err.reason === "reply_window_closed" && young && !last) throw err;
      await setStatus("failed", `${err.reason}: ${err.message}`);
      return;
    }
  }
  try {
    await adapter.sendToContact(ctx, channel, message, { externalId: message.external_id });
    await setStatus("sent", null);
  } catch (err) {
    const permanent = err instanceof ChannelSendError && err.permanent;
    if (permanent || last) {
      await setStatus("failed", err instanceof Error ? err.message : String(err));
      if (permanent) return;
    }
    throw err;
  }
}
