import { sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { type Actor, findMembership, type Role } from "../../tenancy/index.ts";
import { findConversation, type MessageRow, q, recordCaseEvent } from "../repository.ts";
import { openReplyWindow } from "./send-message.ts";
import type { CaseActor } from "./update-case.ts";

export type ApprovalSettings = { roles: Role[]; userIds: string[] };

/** Whose replies need a supervisor's approval in a workspace (nobody's by default). */
export async function approvalSettings(db: Executor, ws: string): Promise<ApprovalSettings> {
  const row = await q(db)
    .selectFrom("reply_approval_settings")
    .select(["roles", "user_ids"])
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return { roles: (row?.roles ?? []) as Role[], userIds: row?.user_ids ?? [] };
}

/** Sets whose replies need approval; every user must be a member of the workspace. */
export async function setApprovalSettings(
  tx: Executor,
  actor: Actor,
  input: ApprovalSettings,
): Promise<ApprovalSettings> {
  const ws = actor.workspaceId;
  const userIds = [...new Set(input.userIds)];
  for (const [i, id] of userIds.entries()) {
    if (!(await findMembership(tx, ws, id))) {
      throw new AppError("invalid", "user_not_member", "This user is not a member of the workspace.", {
        field: `userIds[${i}]`,
      });
    }
  }
  const roles = [...new Set(input.roles)];
  await q(tx)
    .insertInto("reply_approval_settings")
    .values({ workspace_id: ws, roles, user_ids: userIds })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ roles, user_ids: userIds, updated_at: new Date() }))
    .execute();
  return { roles, userIds };
}

/** True when this actor's replies wait for approval: a member listed by id, or a member or token of a listed role. */
export async function needsApproval(db: Executor, actor: CaseActor): Promise<boolean> {
  if (!actor.role) return false;
  const settings = await approvalSettings(db, actor.workspaceId);
  return settings.roles.includes(actor.role) || (actor.type === "user" && settings.userIds.includes(actor.id ?? ""));
}

/** A reply awaiting approval, locked for the decision; 404 when absent, 409 when already decided or not one. */
async function pendingReply(tx: Executor, ws: string, messageId: string): Promise<MessageRow> {
  const message = await q(tx)
    .selectFrom("messages")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", messageId)
    .forUpdate()
    .executeTakeFirst();
  if (!message) throw new AppError("not_found", "message_not_found", "No such message in your workspace.");
  if (message.status !== "pending_approval") {
    throw new AppError("conflict", "message_not_pending", `This message is ${message.status}, not awaiting approval.`, {
      status: message.status,
    });
  }
  return message;
}

async function decide(
  tx: Executor,
  actor: Actor,
  message: MessageRow,
  decision: { status: "queued" | "rejected"; note: string | null },
): Promise<MessageRow> {
  const ws = actor.workspaceId;
  const now = new Date();
  const updated = await q(tx)
    .updateTable("messages")
    .set({ status: decision.status, reviewed_by: actor.id, reviewed_at: now, review_note: decision.note })
    .where("workspace_id", "=", ws)
    .where("id", "=", message.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const approved = decision.status === "queued";
  await recordCaseEvent(tx, actor, message.case_id, approved ? "reply.approved" : "reply.rejected", {
    messageId: message.id,
    authorId: message.author_id,
    ...(decision.note ? { reason: decision.note } : {}),
  });
  const ids = { caseId: message.case_id, messageId: message.id };
  await emitEvents(tx, [
    { workspaceId: ws, type: "message.status", payload: { ...ids, status: decision.status } },
    {
      workspaceId: ws,
      type: approved ? "reply.approved" : "reply.rejected",
      payload: { ...ids, authorId: message.author_id, ...(decision.note ? { reason: decision.note } : {}) },
    },
    ...(approved
      ? [
          {
            workspaceId: ws,
            type: "message.queued",
            payload: { ...ids, direction: "outbound", channelId: message.channel_id },
          },
        ]
      : []),
  ]);
  return updated;
}

/**
 * Approves a reply: the channel's reply window is checked (and its quota spent) now, the reply becomes
 * `queued` and the usual send job delivers it. 409 `reply_window_closed` when the window closed meanwhile.
 */
export async function approveReply(tx: Executor, actor: Actor, messageId: string): Promise<MessageRow> {
  const message = await pendingReply(tx, actor.workspaceId, messageId);
  const conversation = message.conversation_id
    ? await findConversation(tx, actor.workspaceId, message.conversation_id)
    : undefined;
  if (!conversation) {
    throw new AppError("conflict", "case_has_no_channel", "This reply has no conversation to go out on; reject it.");
  }
  await openReplyWindow(tx, conversation);
  await q(tx)
    .updateTable("cases")
    .set({ first_response_at: sql`coalesce(first_response_at, now())` })
    .where("workspace_id", "=", actor.workspaceId)
    .where("id", "=", message.case_id)
    .execute();
  return decide(tx, actor, message, { status: "queued", note: null });
}

/** Rejects a reply with a reason the agent sees on the message (`review.note`) and in the case history. */
export async function rejectReply(tx: Executor, actor: Actor, messageId: string, reason: string): Promise<MessageRow> {
  const message = await pendingReply(tx, actor.workspaceId, messageId);
  return decide(tx, actor, message, { status: "rejected", note: reason });
}

/** A page of the workspace's replies awaiting approval, oldest first, with their case's number and subject. */
export function listPendingReplies(db: Executor, ws: string, after: string | undefined, limit: number) {
  let query = q(db)
    .selectFrom("messages as m")
    .innerJoin("cases as c", (j) => j.onRef("c.workspace_id", "=", "m.workspace_id").onRef("c.id", "=", "m.case_id"))
    .selectAll("m")
    .select(["c.number as case_number", "c.subject as case_subject"])
    .where("m.workspace_id", "=", ws)
    .where("m.status", "=", "pending_approval");
  if (after) query = query.where("m.id", ">", after);
  return query
    .orderBy("m.id")
    .limit(limit + 1)
    .execute();
}
