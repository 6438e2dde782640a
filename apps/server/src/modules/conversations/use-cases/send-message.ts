import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { capabilitiesOf } from "../capabilities.ts";
import { indexMessages } from "../message-search.ts";
import {
  type CaseRow,
  type CaseStatus,
  type ConversationRow,
  findWorkableCase,
  insertCaseEvent,
  type MessageRow,
  q,
} from "../repository.ts";
import { plainText } from "../text.ts";
import { needsApproval } from "./approvals.ts";
import { assertAttachmentOfCase } from "./attachments.ts";
import { parseMentionHandles, recordMentions } from "./mentions.ts";
import type { CaseActor } from "./update-case.ts";

export type ReplyInput = {
  text?: string | undefined;
  content?: { type: string; [key: string]: unknown } | undefined;
  private?: boolean | undefined;
  channelId?: string | undefined;
};

/**
 * Writes an agent's reply as `queued` (delivered later by the channel's send job, woken by the
 * `message.queued` event) or a private note, in the caller's transaction; a reply by someone whose replies
 * need approval is stored `pending_approval` instead (and emits `approval.requested`). Refuses, with the
 * reason, a reply the channel cannot carry or one outside the channel's reply window.
 */
export async function sendReply(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  input: ReplyInput,
): Promise<MessageRow> {
  const ws = actor.workspaceId;
  const found = await findWorkableCase(tx, ws, caseId, "reply there.");
  const type = input.content?.type ?? "text";
  const content: Record<string, unknown> = input.content ? { ...input.content } : { text: input.text ?? "" };
  delete content.type;
  const text = input.text ?? plainText(type, content);
  if (!text.trim() && type === "text") {
    throw new AppError("invalid", "message_empty", "Write something to send.", { field: "text" });
  }

  if (input.content && "attachmentId" in input.content) {
    await assertAttachmentOfCase(tx, ws, caseId, input.content.attachmentId);
  }

  let conversation: ConversationRow | undefined;
  const pending = !input.private && (await needsApproval(tx, actor));
  if (!input.private) {
    conversation = await pickConversation(tx, actor, found, input.channelId);
    const capabilities = capabilitiesOf(conversation.channel_type);
    if (!capabilities.contentTypes.includes(type)) {
      throw new AppError(
        "unprocessable",
        "content_not_supported",
        `A ${conversation.channel_type} channel cannot carry "${type}" messages; it allows: ${capabilities.contentTypes.join(", ")}.`,
        { field: "content.type", allowed: capabilities.contentTypes },
      );
    }
    // A reply awaiting approval spends no window quota yet: approveReply opens the window when it queues it.
    if (!pending) await openReplyWindow(tx, conversation);
    else if (!capabilities.replyGate) assertWindowOpen(conversation);
  }

  const now = new Date();
  const message = await q(tx)
    .insertInto("messages")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      case_id: caseId,
      conversation_id: conversation?.id ?? null,
      channel_id: conversation?.channel_id ?? null,
      direction: "outbound",
      author_type: actor.type,
      author_id: actor.id,
      type,
      text,
      content: JSON.stringify(content),
      private: input.private === true,
      platform_message_id: null,
      status: input.private ? "sent" : pending ? "pending_approval" : "queued",
      error: null,
      sent_at: input.private ? now : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await indexMessages(tx, ws, [message]);

  await q(tx)
    .updateTable("cases")
    .set({
      last_message_at: now,
      updated_at: now,
      ...(!input.private && !pending && !found.first_response_at ? { first_response_at: now } : {}),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", caseId)
    .execute();
  if (input.private) {
    const mentions = parseMentionHandles(text);
    const mentionedUserIds = await recordMentions(tx, actor, message);
    await insertCaseEvent(tx, {
      workspace_id: ws,
      id: uuidv7(),
      case_id: caseId,
      actor_type: actor.type,
      actor_id: actor.id,
      action: "note.added",
      details: {
        messageId: message.id,
        ...(mentions.length ? { mentions } : {}),
        ...(mentionedUserIds.length ? { mentionedUserIds } : {}),
      },
    });
  }
  const payload = { caseId, messageId: message.id, direction: "outbound" };
  await emitEvents(tx, [
    { workspaceId: ws, type: "message.created", payload },
    ...(input.private
      ? []
      : pending
        ? [{ workspaceId: ws, type: "approval.requested", payload: { ...payload, authorId: actor.id } }]
        : [{ workspaceId: ws, type: "message.queued", payload: { ...payload, channelId: message.channel_id } }]),
  ]);
  return message;
}

/**
 * Checks the conversation's reply window and spends one reply of its quota (the channel's own gate where it
 * declares one): right before a reply is queued.
 */
export async function openReplyWindow(tx: Executor, conversation: ConversationRow): Promise<void> {
  const capabilities = capabilitiesOf(conversation.channel_type);
  if (capabilities.replyGate) {
    await capabilities.replyGate(tx, {
      workspaceId: conversation.workspace_id,
      channelId: conversation.channel_id,
      channelType: conversation.channel_type,
      externalThreadId: conversation.external_thread_id,
    });
  } else {
    assertWindowOpen(conversation);
  }
  await q(tx)
    .updateTable("conversations")
    .set({ window_messages_sent: sql<number>`window_messages_sent + 1` })
    .where("workspace_id", "=", conversation.workspace_id)
    .where("id", "=", conversation.id)
    .execute();
}

/**
 * Where a reply goes: the case's conversation on the channel asked for (else the one the customer wrote on
 * last), or, on a channel the case has none on, the contact's latest thread there, moved into this case.
 */
async function pickConversation(tx: Executor, actor: CaseActor, found: CaseRow, channelId: string | undefined) {
  let query = q(tx)
    .selectFrom("conversations")
    .selectAll()
    .where("workspace_id", "=", found.workspace_id)
    .where("case_id", "=", found.id)
    .orderBy("last_inbound_at", (o) => o.desc().nullsLast())
    .limit(1);
  if (channelId) query = query.where("channel_id", "=", channelId);
  const conversation =
    (await query.executeTakeFirst()) ?? (channelId && (await attachThread(tx, actor, found, channelId)));
  if (!conversation) {
    throw new AppError(
      "conflict",
      channelId ? "channel_not_in_case" : "case_has_no_channel",
      channelId
        ? "The customer has never written on that channel; pick one of the channels they use."
        : "This case has no channel to reply on; add a private note instead.",
      { field: "channelId" },
    );
  }
  return conversation;
}

/**
 * Moves the contact's latest thread on a channel into this case, so the reply goes there and the customer's
 * answer comes back to this case; refused while that thread belongs to another case still being worked on.
 * Recorded in the case history as `conversation.attached`.
 */
async function attachThread(
  tx: Executor,
  actor: CaseActor,
  found: CaseRow,
  channelId: string,
): Promise<ConversationRow | undefined> {
  const ws = found.workspace_id;
  const { rows } = await sql<ConversationRow & { case_number: number; case_status: CaseStatus }>`
    select v.*, c.number as case_number, c.status as case_status
    from conversations v join cases c on c.workspace_id = v.workspace_id and c.id = v.case_id
    where v.workspace_id = ${ws}::uuid and v.contact_id = ${found.contact_id}::uuid and v.channel_id = ${channelId}::uuid
    order by v.last_inbound_at desc nulls last
    limit 1
    for update of v
  `.execute(tx);
  const thread = rows[0];
  if (!thread) return undefined;
  if (thread.case_status !== "solved" && thread.case_status !== "closed") {
    throw new AppError(
      "conflict",
      "conversation_in_open_case",
      `The customer's ${thread.channel_type} thread belongs to case #${thread.case_number}, which is still ${thread.case_status}; reply there, or merge the two cases.`,
      { field: "channelId", caseId: thread.case_id, caseNumber: Number(thread.case_number) },
    );
  }
  const moved = await q(tx)
    .updateTable("conversations")
    .set({ case_id: found.id })
    .where("workspace_id", "=", ws)
    .where("id", "=", thread.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await sql`
    update cases set channel_ids = channel_ids || ${channelId}::uuid
    where workspace_id = ${ws}::uuid and id = ${found.id}::uuid and not (${channelId}::uuid = any(channel_ids))
  `.execute(tx);
  await insertCaseEvent(tx, {
    workspace_id: ws,
    id: uuidv7(),
    case_id: found.id,
    actor_type: actor.type,
    actor_id: actor.id,
    action: "conversation.attached",
    details: {
      conversationId: thread.id,
      channelId,
      channelType: thread.channel_type,
      fromCaseId: thread.case_id,
      fromCaseNumber: Number(thread.case_number),
    },
  });
  return moved;
}

function assertWindowOpen(c: ConversationRow): void {
  if (c.reply_window_hours === null) return;
  const window = capabilitiesOf(c.channel_type).replyWindow;
  const closedAt = c.last_inbound_at ? new Date(c.last_inbound_at.getTime() + c.reply_window_hours * 3600_000) : null;
  if (!closedAt || closedAt.getTime() <= Date.now()) {
    throw new AppError(
      "conflict",
      "reply_window_closed",
      `The ${c.channel_type} reply window (${c.reply_window_hours} h after the customer's last message) closed${closedAt ? ` at ${closedAt.toISOString()}` : ""}.${window?.afterClose ? ` ${window.afterClose}` : ""}`,
      { closedAt: closedAt?.toISOString() ?? null },
    );
  }
  if (c.reply_window_max_messages !== null && c.window_messages_sent >= c.reply_window_max_messages) {
    throw new AppError(
      "conflict",
      "reply_window_quota_reached",
      `The ${c.channel_type} channel allows ${c.reply_window_max_messages} replies per customer message window; wait for the customer to write again.`,
      { limit: c.reply_window_max_messages, closesAt: closedAt.toISOString() },
    );
  }
}
