import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvent } from "../../../platform/outbox.ts";
import { type Actor, findMembership, findTeam } from "../../tenancy/index.ts";
import {
  type CaseRow,
  type CaseStatus,
  findWorkableCase,
  insertCaseEvent,
  type Priority,
  q,
  refreshCaseSearch,
} from "../repository.ts";
import { mergeCustomFields, resolveCustomStatus } from "./case-settings.ts";
import { assertChecklistsComplete } from "./checklists.ts";

export type CasePatch = {
  status?: CaseStatus | undefined;
  priority?: Priority | undefined;
  assigneeId?: string | null | undefined;
  teamId?: string | null | undefined;
  tags?: string[] | undefined;
  /** A workspace's custom status: sets `status` to its type (a plain `status` clears it). */
  customStatusId?: string | null | undefined;
  /** Custom field values by key (null removes one), checked against the workspace's field definitions. */
  customFields?: Record<string, unknown> | undefined;
};

/** Who changes a case or writes in it: a member, an API token, the system (routing) or a bot (automation). */
export type CaseActor = Pick<Actor, "workspaceId"> & {
  type: Actor["type"] | "system" | "bot";
  id: string | null;
  /** A member's or token's role (approval rules look at it); absent for the system and bots. */
  role?: Actor["role"] | undefined;
};

/**
 * Changes a case's status, priority, assignee, team or tags; each change is recorded in the case history,
 * with `why` (e.g. routing's explanation) when given.
 */
export async function updateCase(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  patch: CasePatch,
  why?: string[],
): Promise<CaseRow> {
  const ws = actor.workspaceId;
  const current = await findWorkableCase(tx, ws, caseId, "it can no longer change.");
  const custom = await resolveCustomStatus(tx, ws, patch.status, patch.customStatusId);
  const status = custom.status;
  if (current.status === "closed" && status !== undefined && status !== "closed") {
    throw new AppError(
      "conflict",
      "case_closed",
      "A closed case cannot be reopened; the customer's next message starts a new case.",
      { field: "status" },
    );
  }
  if (patch.assigneeId) {
    const member = await findMembership(tx, ws, patch.assigneeId);
    if (!member) {
      throw new AppError("conflict", "assignee_not_member", "The assignee is not a member of this workspace.", {
        field: "assigneeId",
      });
    }
    if (member.role === "analyst") {
      throw new AppError("conflict", "assignee_cannot_work_cases", "Analysts cannot be assigned cases.", {
        field: "assigneeId",
      });
    }
  }
  if (patch.teamId && !(await findTeam(tx, ws, patch.teamId))) {
    throw new AppError("conflict", "team_not_found", "No such team in this workspace.", { field: "teamId" });
  }

  const customFields = patch.customFields
    ? await mergeCustomFields(tx, ws, current.custom_fields, patch.customFields)
    : undefined;

  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const set: Partial<Record<keyof CaseRow, unknown>> = {};
  const note = (key: keyof CasePatch, column: keyof CaseRow, to: unknown) => {
    const from = current[column];
    if (to === undefined || JSON.stringify(from) === JSON.stringify(to)) return;
    changes[key] = { from, to };
    set[column] = to;
  };
  note("status", "status", status);
  note("priority", "priority", patch.priority);
  note("assigneeId", "assignee_id", patch.assigneeId);
  note("teamId", "team_id", patch.teamId);
  const tags = patch.tags
    ? [...new Set(patch.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort()
    : undefined;
  note("tags", "tags", tags);
  note("customStatusId", "custom_status_id", custom.customStatusId);
  note("customFields", "custom_fields", customFields);
  if (Object.keys(changes).length === 0) return current;
  const finishing = status === "solved" || (status === "closed" && current.status !== "solved");
  if (changes.status && finishing) await assertChecklistsComplete(tx, ws, caseId, tags ?? current.tags);

  if (set.custom_fields) set.custom_fields = JSON.stringify(set.custom_fields);
  const now = new Date();
  if (changes.status) {
    if (status === "solved") set.solved_at = now;
    else if (status !== "closed") set.solved_at = null;
    if ((current.status === "solved" || current.status === "closed") && status !== "closed") set.reopened_at = now;
  }
  const updated = await q(tx)
    .updateTable("cases")
    .set({ ...(set as Record<string, never>), updated_at: now })
    .where("workspace_id", "=", ws)
    .where("id", "=", caseId)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (changes.tags) await refreshCaseSearch(tx, ws, caseId);
  await insertCaseEvent(tx, {
    workspace_id: ws,
    id: uuidv7(),
    case_id: caseId,
    actor_type: actor.type,
    actor_id: actor.id,
    action: "case.updated",
    details: { changes, ...(why?.length ? { why } : {}) },
  });
  await emitEvent(tx, {
    workspaceId: ws,
    type: "case.updated",
    payload: {
      caseId,
      changed: Object.keys(changes),
      // Who now holds the case and who decided, so a console can tell "assigned to me" without a refetch.
      ...(changes.assigneeId ? { assigneeId: updated.assignee_id, actorType: actor.type, actorId: actor.id } : {}),
    },
  });
  return updated;
}
