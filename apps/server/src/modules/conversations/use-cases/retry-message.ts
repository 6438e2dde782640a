import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { findConversation, findMessage, findWorkableCase, insertCaseEvent, type MessageRow, q } from "../repository.ts";
import { openReplyWindow } from "./send-message.ts";
import type { CaseActor } from "./update-case.ts";

const notFound = () => new AppError("not_found", "message_not_found", "No such message in this case.");

/**
 * Queues a failed outbound reply again (the channel's send job delivers it as if new, with fresh retries):
 * only a failed reply of a case that can still be answered, inside the channel's reply window (which it spends
 * again, like a new reply). Records `message.retried` in the case history.
 */
export async function retryMessage(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  messageId: string,
): Promise<MessageRow> {
  const ws = actor.workspaceId;
  await findWorkableCase(tx, ws, caseId, "retry the reply there.");
  const message = await findMessage(tx, ws, messageId);
  if (!message || message.case_id !== caseId) throw notFound();
  if (message.direction !== "outbound" || message.private || message.status !== "failed") {
    throw new AppError(
      "conflict",
      "message_not_failed",
      `Only a failed reply can be sent again; this message is ${message.private ? "an internal note" : message.status}.`,
      { status: message.status },
    );
  }
  const conversation = message.conversation_id ? await findConversation(tx, ws, message.conversation_id) : undefined;
  if (!conversation) {
    throw new AppError(
      "conflict",
      "case_has_no_channel",
      "The conversation of this reply is gone; write a new reply on another channel.",
    );
  }
  await openReplyWindow(tx, conversation);
  const retried = await q(tx)
    .updateTable("messages")
    .set({ status: "queued", error: null })
    .where("workspace_id", "=", ws)
    .where("id", "=", messageId)
    .where("status", "=", "failed")
    .returningAll()
    .executeTakeFirst();
  if (!retried) {
    throw new AppError("conflict", "message_not_failed", "The reply is being sent already; refresh to see its status.");
  }
  await insertCaseEvent(tx, {
    workspace_id: ws,
    id: uuidv7(),
    case_id: caseId,
    actor_type: actor.type,
    actor_id: actor.id,
    action: "message.retried",
    details: { messageId, previousError: message.error },
  });
  const payload = { caseId, messageId, direction: "outbound" };
  await emitEvents(tx, [
    { workspaceId: ws, type: "message.status", payload: { ...payload, status: "queued" } },
    // `retry` tells the channels' send-job handler to enqueue a new job (the first one, keyed by the message id, is done).
    { workspaceId: ws, type: "message.queued", payload: { ...payload, channelId: retried.channel_id, retry: true } },
  ]);
  return retried;
}
