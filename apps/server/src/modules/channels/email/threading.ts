/**
 * Which conversation an email belongs to. A conversation of an email channel is one email thread, keyed by
 * the Message-ID of the thread's first message (the conversation's external thread id). A reply is placed
 * by the ids it names (In-Reply-To, then References, newest first), then by the reference token our
 * replies carry in their subject ("[#K7QX3M]"); anything else starts a thread, and so a case.
 */
import { randomInt } from "node:crypto";
import type { Executor } from "../../../platform/db.ts";
import { eq, findThread, findThreadsByMessageIds } from "./repository.ts";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const TOKEN = /\[#([A-HJ-NP-Z2-9]{6})\]/;

/** A new thread reference token: six letters and digits without look-alikes. */
export function newThreadToken(): string {
  return Array.from({ length: 6 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
}

/** The reference token in a subject, if any. */
export function tokenInSubject(subject: string): string | undefined {
  return TOKEN.exec(subject)?.[1];
}

/** A reply subject: `Re: ` once, the customer's subject, the thread's token once. */
export function replySubject(subject: string, token: string): string {
  const base = subject
    .replace(TOKEN, "")
    .replace(/^\s*((re|aw|sv|fw|fwd|tr|回复|答复)\s*[:：]\s*)+/i, "")
    .replace(/\s+/g, " ")
    .trim();
  return `Re: ${base || "(no subject)"} [#${token}]`;
}

type Scope = { workspaceId: string; channelId: string };

export type EmailThread = { threadId: string; token: string; created: boolean };

/**
 * The thread an inbound email continues, or a new one started by it (with its token). `earlier` holds the
 * threads of the emails stored before it in the same batch (Message-ID → thread), not yet in email_messages.
 */
export async function threadOf(
  tx: Executor,
  s: Scope,
  email: { messageId: string; inReplyTo: string[]; references: string[]; subject: string },
  earlier: ReadonlyMap<string, EmailThread> = new Map(),
): Promise<EmailThread> {
  const named = [...email.inReplyTo, ...[...email.references].reverse()]
    .filter((id) => id !== email.messageId)
    .slice(0, 20);
  // Most specific first: a reply to a forwarded message lands where the reply points.
  const known = new Map(
    (
      await findThreadsByMessageIds(
        tx,
        s,
        named.filter((id) => !earlier.has(id)),
      )
    ).map((r) => [r.message_id, { threadId: r.thread_id, token: r.token }]),
  );
  for (const id of named) {
    const thread = earlier.get(id) ?? known.get(id);
    if (thread) return { threadId: thread.threadId, token: thread.token, created: false };
  }
  const token = tokenInSubject(email.subject);
  if (token) {
    const thread = await findThread(tx, s, token, "token");
    if (thread) return { threadId: thread.thread_id, token: thread.token, created: false };
  }
  // A thread this email started before (a redelivery) makes the insert a no-op, found just below.
  for (let attempt = 0; ; attempt++) {
    const fresh = newThreadToken();
    const inserted = await eq(tx)
      .insertInto("email_threads")
      .values({
        workspace_id: s.workspaceId,
        channel_id: s.channelId,
        thread_id: email.messageId,
        token: fresh,
        subject: email.subject.slice(0, 500) || null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("token")
      .executeTakeFirst();
    if (inserted) return { threadId: email.messageId, token: inserted.token, created: true };
    const raced = await findThread(tx, s, email.messageId);
    if (raced) return { threadId: raced.thread_id, token: raced.token, created: false };
    if (attempt > 5) throw new Error("Could not allocate an email thread token.");
  }
}
