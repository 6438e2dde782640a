import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import {
  type CaseOperationRow,
  type CaseRow,
  type CaseStatus,
  caseNotFound,
  lockCases,
  nextCaseNumber,
  q,
  recomputeCaseActivity,
  recordCaseEvent,
  refreshCaseSearch,
} from "../repository.ts";
import { subjectOf } from "./receive-message.ts";
import type { CaseActor } from "./update-case.ts";

/** What an operation moved and what it changed, exactly, so that its undo restores it. */
export type Moved = {
  messageIds: string[];
  conversationIds: string[];
  /** The attachments that moved with the messages (absent in operations recorded before they did). */
  attachmentIds?: string[];
  /** Merge: the merged case's status and solved time before, and the tags the merge added to the target. */
  before?: {
    status: CaseStatus;
    customStatusId?: string | null;
    solvedAt: string | null;
    addedTags: string[];
  };
};

const MAX_SPLIT = 500;

const conflict = (reason: string, message: string, details?: Record<string, unknown>) =>
  new AppError("conflict", reason, message, details);

/** Locks both cases of an operation; 404 (naming which) when one is absent or in another workspace. */
async function lockPair(tx: Executor, ws: string, caseId: string, otherId: string, otherName: string) {
  const rows = await lockCases(tx, ws, [caseId, otherId]);
  const one = rows.find((r) => r.id === caseId);
  const other = rows.find((r) => r.id === otherId);
  if (!one) throw caseNotFound();
  if (!other) throw caseNotFound(otherName);
  return [one, other] as const;
}

function recordOperation(
  tx: Executor,
  actor: CaseActor,
  kind: "merge" | "split",
  caseId: string,
  targetId: string,
  moved: Moved,
  reason: string | null,
) {
  return q(tx)
    .insertInto("case_operations")
    .values({
      workspace_id: actor.workspaceId,
      id: uuidv7(),
      kind,
      case_id: caseId,
      target_case_id: targetId,
      actor_type: actor.type,
      actor_id: actor.id,
      reason,
      moved: JSON.stringify(moved),
      undone_at: null,
      undone_by_type: null,
      undone_by_id: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Moves messages, conversations and attachments (by id, only those still on `from`) from one case to another. */
async function move(
  tx: Executor,
  ws: string,
  from: string,
  to: string,
  moved: Pick<Moved, "messageIds" | "conversationIds" | "attachmentIds">,
) {
  if (moved.attachmentIds?.length) {
    await sql`
      update attachments set case_id = ${to}::uuid
      where workspace_id = ${ws}::uuid and case_id = ${from}::uuid and id = any(${moved.attachmentIds}::uuid[])
    `.execute(tx);
  }
  if (moved.messageIds.length) {
    await q(tx)
      .updateTable("messages")
      .set({ case_id: to })
      .where("workspace_id", "=", ws)
      .where("case_id", "=", from)
      .where(sql<boolean>`id = any(${moved.messageIds}::uuid[])`)
      .execute();
  }
  if (moved.conversationIds.length) {
    await q(tx)
      .updateTable("conversations")
      .set({ case_id: to })
      .where("workspace_id", "=", ws)
      .where("case_id", "=", from)
      .where(sql<boolean>`id = any(${moved.conversationIds}::uuid[])`)
      .execute();
  }
}

/**
 * Merges a case into another: its messages and conversations move to the target (the customer's next
 * message on those threads lands there), its tags are added to the target, and it is closed with
 * `merged_into` set. Exactly what moved is recorded so `undoCaseOperation` restores both cases.
 */
export async function mergeCases(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  input: { targetCaseId: string; reason?: string | undefined },
): Promise<CaseOperationRow> {
  const ws = actor.workspaceId;
  if (caseId === input.targetCaseId) {
    throw conflict("case_merge_self", "A case cannot be merged into itself; pick another target case.", {
      field: "targetCaseId",
    });
  }
  const [source, target] = await lockPair(tx, ws, caseId, input.targetCaseId, "target case");
  if (source.merged_into) {
    throw conflict("case_already_merged", "This case was already merged into another; undo that merge first.", {
      mergedInto: source.merged_into,
    });
  }
  if (target.merged_into) {
    throw conflict("target_case_merged", "The target case was merged into another; merge into that one instead.", {
      field: "targetCaseId",
      mergedInto: target.merged_into,
    });
  }
  if (target.status === "closed") {
    throw conflict("target_case_closed", "A closed case cannot receive a merge; pick an open target case.", {
      field: "targetCaseId",
    });
  }

  const messages = await q(tx)
    .updateTable("messages")
    .set({ case_id: target.id })
    .where("workspace_id", "=", ws)
    .where("case_id", "=", source.id)
    .returning("id")
    .execute();
  const conversations = await q(tx)
    .updateTable("conversations")
    .set({ case_id: target.id })
    .where("workspace_id", "=", ws)
    .where("case_id", "=", source.id)
    .returning("id")
    .execute();
  // Files go with the messages (a reply's content.attachmentId, a received file's content.media.attachmentId),
  // and files uploaded but not sent yet go too: the merged case is closed.
  const attachments = await sql<{ id: string }>`
    update attachments set case_id = ${target.id}::uuid
    where workspace_id = ${ws}::uuid and case_id = ${source.id}::uuid returning id
  `.execute(tx);
  const addedTags = source.tags.filter((t) => !target.tags.includes(t));
  const moved: Moved = {
    messageIds: messages.map((m) => m.id),
    conversationIds: conversations.map((c) => c.id),
    attachmentIds: attachments.rows.map((a) => a.id),
    before: {
      status: source.status,
      customStatusId: source.custom_status_id,
      solvedAt: source.solved_at?.toISOString() ?? null,
      addedTags,
    },
  };
  const now = new Date();
  await q(tx)
    .updateTable("cases")
    .set({ merged_into: target.id, status: "closed", custom_status_id: null, updated_at: now })
    .where("workspace_id", "=", ws)
    .where("id", "=", source.id)
    .execute();
  if (addedTags.length) {
    await q(tx)
      .updateTable("cases")
      .set({ tags: [...target.tags, ...addedTags].sort() })
      .where("workspace_id", "=", ws)
      .where("id", "=", target.id)
      .execute();
    await refreshCaseSearch(tx, ws, target.id);
  }
  await recomputeCaseActivity(tx, ws, target.id);
  const reason = input.reason?.trim() || null;
  const op = await recordOperation(tx, actor, "merge", source.id, target.id, moved, reason);
  const counts = { messages: moved.messageIds.length, conversations: moved.conversationIds.length };
  await recordCaseEvent(tx, actor, source.id, "case.merged", {
    operationId: op.id,
    into: target.id,
    intoNumber: target.number,
    ...counts,
    ...(reason ? { reason } : {}),
  });
  await recordCaseEvent(tx, actor, target.id, "case.merged-in", {
    operationId: op.id,
    from: source.id,
    fromNumber: source.number,
    ...counts,
    ...(addedTags.length ? { addedTags } : {}),
    ...(reason ? { reason } : {}),
  });
  await emitEvents(tx, [
    { workspaceId: ws, type: "case.merged", payload: { caseId: source.id, intoCaseId: target.id, operationId: op.id } },
    { workspaceId: ws, type: "case.updated", payload: { caseId: source.id, changed: ["status", "mergedInto"] } },
    { workspaceId: ws, type: "case.updated", payload: { caseId: target.id, changed: ["messages", "tags"] } },
  ]);
  return op;
}

/**
 * Splits messages of a case into a new case (same contact, priority, team, assignee, tags and custom fields). A conversation
 * moves with them when the split takes its latest message: the thread then continues in the new case.
 */
export async function splitCase(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  input: { messageIds: string[]; subject?: string | undefined; reason?: string | undefined },
): Promise<{ operation: CaseOperationRow; newCase: CaseRow }> {
  const ws = actor.workspaceId;
  const ids = [...new Set(input.messageIds)];
  if (ids.length === 0 || ids.length > MAX_SPLIT) {
    throw new AppError("invalid", "split_messages_invalid", `Choose between 1 and ${MAX_SPLIT} messages to split.`, {
      field: "messageIds",
    });
  }
  const [source] = await lockCases(tx, ws, [caseId]);
  if (!source) throw caseNotFound();
  if (source.merged_into) {
    throw conflict("case_merged", "This case was merged into another; split the surviving case instead.", {
      mergedInto: source.merged_into,
    });
  }
  const all = await q(tx)
    .selectFrom("messages")
    .select(["id", "conversation_id", "text", "private"])
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .orderBy("id")
    .execute();
  const chosen = new Set(ids);
  const known = new Set(all.map((m) => m.id));
  const foreign = ids.filter((id) => !known.has(id));
  if (foreign.length) {
    throw new AppError(
      "invalid",
      "message_not_in_case",
      `${foreign.length} of the chosen messages are not in this case; pick messages from its thread.`,
      { field: "messageIds", messageIds: foreign.slice(0, 20) },
    );
  }
  if (ids.length === all.length) {
    throw conflict(
      "split_takes_all",
      "A split must leave at least one message in the case; to move them all, merge instead.",
      {
        field: "messageIds",
      },
    );
  }
  // The latest message of each conversation in this case decides where that thread continues.
  const latest = new Map<string, string>();
  for (const m of all) if (m.conversation_id) latest.set(m.conversation_id, m.id);
  const conversationIds = [...latest].filter(([, last]) => chosen.has(last)).map(([conversation]) => conversation);
  const movedConversations = conversationIds.length
    ? await q(tx)
        .selectFrom("conversations")
        .select(["id", "contact_id"])
        .where("workspace_id", "=", ws)
        .where("case_id", "=", caseId)
        .where(sql<boolean>`id = any(${conversationIds}::uuid[])`)
        .execute()
    : [];
  const first = all.find((m) => chosen.has(m.id) && !m.private && m.text.trim());
  const subject = subjectOf(input.subject?.trim() || first?.text || source.subject);
  const newCase = await q(tx)
    .insertInto("cases")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      number: await nextCaseNumber(tx, ws),
      subject,
      priority: source.priority,
      contact_id: movedConversations[0]?.contact_id ?? source.contact_id,
      assignee_id: source.assignee_id,
      team_id: source.team_id,
      tags: source.tags,
      custom_fields: JSON.stringify(source.custom_fields),
      reply_window_closes_at: null,
      last_inbound_at: null,
      first_response_at: null,
      solved_at: null,
      reopened_at: null,
      merged_into: null,
      search: sql`to_tsvector('simple', ${subject} || ' ' || array_to_string(${source.tags}::text[], ' '))`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  // The files of the moved messages go with them.
  const attachments = await sql<{ id: string }>`
    select a.id from attachments a
    where a.workspace_id = ${ws}::uuid and a.case_id = ${caseId}::uuid and a.id::text in (
      select coalesce(m.content ->> 'attachmentId', m.content -> 'media' ->> 'attachmentId') from messages m
      where m.workspace_id = ${ws}::uuid and m.id = any(${ids}::uuid[]))
  `.execute(tx);
  const moved: Moved = {
    messageIds: ids,
    conversationIds: movedConversations.map((c) => c.id),
    attachmentIds: attachments.rows.map((a) => a.id),
  };
  await move(tx, ws, caseId, newCase.id, moved);
  await recomputeCaseActivity(tx, ws, caseId);
  await recomputeCaseActivity(tx, ws, newCase.id);
  const reason = input.reason?.trim() || null;
  const op = await recordOperation(tx, actor, "split", caseId, newCase.id, moved, reason);
  const counts = { messages: ids.length, conversations: moved.conversationIds.length };
  await recordCaseEvent(tx, actor, caseId, "case.split", {
    operationId: op.id,
    newCaseId: newCase.id,
    newCaseNumber: newCase.number,
    ...counts,
    ...(reason ? { reason } : {}),
  });
  await recordCaseEvent(tx, actor, newCase.id, "case.created", {
    operationId: op.id,
    splitFrom: caseId,
    splitFromNumber: source.number,
    ...counts,
  });
  await emitEvents(tx, [
    { workspaceId: ws, type: "case.created", payload: { caseId: newCase.id, splitFrom: caseId } },
    { workspaceId: ws, type: "case.updated", payload: { caseId, changed: ["messages"] } },
  ]);
  const fresh = await q(tx)
    .selectFrom("cases")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", newCase.id)
    .executeTakeFirstOrThrow();
  return { operation: op, newCase: fresh };
}

/**
 * Undoes a merge or a split exactly: the recorded messages and conversations go back (after a merge, with what
 * was written on those threads since), a merged case gets its status back, a split's new case is closed into the
 * original. Refused (409) when already undone, or when a
 * later merge or split moved what this one moved (undo that one first).
 */
export async function undoCaseOperation(
  tx: Executor,
  actor: CaseActor,
  operationId: string,
): Promise<CaseOperationRow> {
  const ws = actor.workspaceId;
  const op = await q(tx)
    .selectFrom("case_operations")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", operationId)
    .forUpdate()
    .executeTakeFirst();
  if (!op) throw new AppError("not_found", "operation_not_found", "No such case operation in your workspace.");
  if (op.undone_at) {
    throw conflict("operation_already_undone", `This ${op.kind} was already undone at ${op.undone_at.toISOString()}.`, {
      undoneAt: op.undone_at.toISOString(),
    });
  }
  const moved = op.moved as Moved;
  const [origin, target] = await lockPair(tx, ws, op.case_id, op.target_case_id, "target case");
  if (target.merged_into) {
    throw conflict("case_merged", `Case ${target.number} was merged into another since; undo that merge first.`, {
      caseId: target.id,
      mergedInto: target.merged_into,
    });
  }
  if (op.kind === "merge" ? origin.merged_into !== target.id : origin.merged_into !== null) {
    throw conflict(
      "operation_superseded",
      `Case ${origin.number} changed since this ${op.kind}; undo the later operation first.`,
      {
        caseId: origin.id,
      },
    );
  }
  const present = await q(tx)
    .selectFrom("messages")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("workspace_id", "=", ws)
    .where("case_id", "=", target.id)
    .where(sql<boolean>`id = any(${moved.messageIds}::uuid[])`)
    .executeTakeFirstOrThrow();
  if (present.n !== moved.messageIds.length) {
    throw conflict(
      "operation_superseded",
      `${moved.messageIds.length - present.n} of the messages this ${op.kind} moved were moved again since; undo that split first.`,
      { caseId: target.id },
    );
  }
  if (op.kind === "split") {
    const extra = await q(tx)
      .selectFrom("messages")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("workspace_id", "=", ws)
      .where("case_id", "=", target.id)
      .executeTakeFirstOrThrow();
    if (extra.n > moved.messageIds.length) {
      throw conflict(
        "split_case_has_new_messages",
        `Case ${target.number} has ${extra.n - moved.messageIds.length} new messages since the split; merge it into case ${origin.number} instead.`,
        { caseId: target.id },
      );
    }
  }

  await move(tx, ws, target.id, origin.id, moved);
  if (op.kind === "merge" && moved.conversationIds.length) {
    // Threads go back whole: what was written on them after the merge follows them back.
    await q(tx)
      .updateTable("messages")
      .set({ case_id: origin.id })
      .where("workspace_id", "=", ws)
      .where("case_id", "=", target.id)
      .where("id", ">", op.id)
      .where(sql<boolean>`conversation_id = any(${moved.conversationIds}::uuid[])`)
      .execute();
  }
  const now = new Date();
  if (op.kind === "merge") {
    const before = moved.before;
    await q(tx)
      .updateTable("cases")
      .set({
        merged_into: null,
        status: before?.status ?? "open",
        custom_status_id: before?.customStatusId ?? null,
        solved_at: before?.solvedAt ? new Date(before.solvedAt) : null,
        updated_at: now,
      })
      .where("workspace_id", "=", ws)
      .where("id", "=", origin.id)
      .execute();
    const added = new Set(before?.addedTags ?? []);
    if (added.size) {
      await q(tx)
        .updateTable("cases")
        .set({ tags: target.tags.filter((t) => !added.has(t)) })
        .where("workspace_id", "=", ws)
        .where("id", "=", target.id)
        .execute();
      await refreshCaseSearch(tx, ws, target.id);
    }
  } else {
    // The split's case is empty again: closed into the original, so anything pointing at it forwards there.
    await q(tx)
      .updateTable("cases")
      .set({ merged_into: origin.id, status: "closed", custom_status_id: null, updated_at: now })
      .where("workspace_id", "=", ws)
      .where("id", "=", target.id)
      .execute();
  }
  await recomputeCaseActivity(tx, ws, origin.id);
  await recomputeCaseActivity(tx, ws, target.id);
  const undone = await q(tx)
    .updateTable("case_operations")
    .set({ undone_at: now, undone_by_type: actor.type, undone_by_id: actor.id })
    .where("workspace_id", "=", ws)
    .where("id", "=", op.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const details = {
    operationId: op.id,
    messages: moved.messageIds.length,
    conversations: moved.conversationIds.length,
  };
  const action = op.kind === "merge" ? "case.unmerged" : "case.unsplit";
  await recordCaseEvent(tx, actor, origin.id, action, { ...details, otherCaseId: target.id });
  await recordCaseEvent(tx, actor, target.id, action, { ...details, otherCaseId: origin.id });
  await emitEvents(tx, [
    { workspaceId: ws, type: "case.updated", payload: { caseId: origin.id, changed: ["messages", "status"] } },
    { workspaceId: ws, type: "case.updated", payload: { caseId: target.id, changed: ["messages", "status"] } },
  ]);
  return undone;
}

/** The merges and splits a case took part in, newest first. */
export function listCaseOperations(tx: Executor, ws: string, caseId: string) {
  return q(tx)
    .selectFrom("case_operations")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where((eb) => eb.or([eb("case_id", "=", caseId), eb("target_case_id", "=", caseId)]))
    .orderBy("id", "desc")
    .limit(200)
    .execute();
}
