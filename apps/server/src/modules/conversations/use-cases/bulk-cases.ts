import { sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { presentCase } from "../presenter.ts";
import { type CaseRow, type CaseStatus, findCases, type Priority } from "../repository.ts";
import { mergeCases } from "./case-operations.ts";
import { type CaseActor, type CasePatch, updateCase } from "./update-case.ts";

/** One change applied to every selected case; tags are added to and removed from each case's own tags. */
export type BulkPatch = {
  status?: CaseStatus | undefined;
  priority?: Priority | undefined;
  assigneeId?: string | null | undefined;
  teamId?: string | null | undefined;
  addTags?: string[] | undefined;
  removeTags?: string[] | undefined;
};

type ItemError = { kind: string; reason: string; message: string; details?: unknown };
export type BulkResult =
  | {
      caseId: string;
      ok: true;
      /** The fields as they were, so the change can be undone. */
      before?: {
        status: CaseStatus;
        priority: Priority;
        assigneeId: string | null;
        teamId: string | null;
        tags: string[];
      };
      case?: ReturnType<typeof presentCase>;
      /** A merge's operation (undo it with `POST /api/v1/case-operations/{id}/undo`). */
      operationId?: string;
    }
  | { caseId: string; ok: false; error: ItemError };

/**
 * Runs `work` for each case inside the caller's transaction, each behind a savepoint: a refused case (an
 * AppError below 500) is rolled back alone and reported; anything else fails the whole request.
 */
async function eachCase(
  tx: Executor,
  caseIds: string[],
  work: (caseId: string) => Promise<BulkResult>,
): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const caseId of caseIds) {
    await sql`savepoint bulk_item`.execute(tx);
    try {
      results.push(await work(caseId));
      await sql`release savepoint bulk_item`.execute(tx);
    } catch (error) {
      await sql`rollback to savepoint bulk_item`.execute(tx);
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const { kind, reason, message, details } = error;
      results.push({ caseId, ok: false, error: { kind, reason, message, ...(details ? { details } : {}) } });
    }
  }
  return results;
}

const normalizeTag = (tag: string) => tag.trim().toLowerCase();

/** Applies one patch to many cases in one transaction (each through updateCase); refusals are reported per case. */
export async function bulkUpdateCases(
  tx: Executor,
  actor: CaseActor,
  caseIds: string[],
  patch: BulkPatch,
): Promise<BulkResult[]> {
  const current = new Map((await findCases(tx, actor.workspaceId, caseIds)).map((c): [string, CaseRow] => [c.id, c]));
  const { addTags, removeTags, ...fields } = patch;
  const removing = new Set((removeTags ?? []).map(normalizeTag));
  return eachCase(tx, caseIds, async (caseId) => {
    const before = current.get(caseId);
    const casePatch: CasePatch = { ...fields };
    if (before && (addTags?.length || removing.size)) {
      casePatch.tags = [...before.tags, ...(addTags ?? []).map(normalizeTag)].filter((t) => !removing.has(t));
    }
    const updated = await updateCase(tx, actor, caseId, casePatch, ["bulk action"]);
    return {
      caseId,
      ok: true,
      ...(before
        ? {
            before: {
              status: before.status,
              priority: before.priority,
              assigneeId: before.assignee_id,
              teamId: before.team_id,
              tags: before.tags,
            },
          }
        : {}),
      case: presentCase(updated),
    };
  });
}

/** Merges many cases into one target in one transaction; each merge can be undone on its own. */
export function bulkMergeCases(
  tx: Executor,
  actor: CaseActor,
  caseIds: string[],
  input: { targetCaseId: string; reason?: string | undefined },
): Promise<BulkResult[]> {
  return eachCase(
    tx,
    caseIds.filter((id) => id !== input.targetCaseId),
    async (caseId) => {
      const operation = await mergeCases(tx, actor, caseId, input);
      return { caseId, ok: true, operationId: operation.id };
    },
  );
}
