import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { type CaseLinkKind, caseNotFound, findCases, q, recordCaseEvent } from "../repository.ts";
import { type CaseActor, causeOf } from "./update-case.ts";

const INVERSE: Record<CaseLinkKind, CaseLinkKind> = {
  related: "related",
  duplicate: "duplicate",
  parent: "child",
  child: "parent",
};

async function bothCases(tx: Executor, ws: string, caseId: string, otherId: string) {
  const rows = await findCases(tx, ws, [caseId, otherId]);
  const one = rows.find((r) => r.id === caseId);
  const other = rows.find((r) => r.id === otherId);
  if (!one) throw caseNotFound();
  if (!other) throw caseNotFound("linked case");
  return [one, other] as const;
}

async function recordLinkChange(
  tx: Executor,
  actor: CaseActor,
  action: "case.linked" | "case.unlinked",
  pairs: [string, string, CaseLinkKind][],
) {
  for (const [caseId, otherCaseId, kind] of pairs) {
    await recordCaseEvent(tx, actor, caseId, action, { otherCaseId, kind });
  }

  await emitEvents(
    tx,
    pairs.map(([caseId]) => ({
      workspaceId: actor.workspaceId,
      type: "case.updated",
      payload: { caseId, changed: ["links"], actor: causeOf(actor) },
    })),
  );
}

/**
 * Links two cases of a workspace, in both directions: `kind` reads from this case (`parent`: the other case
 * is this one's parent). A case has at most one parent; a pair has one link.
 */
export async function linkCases(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  input: { caseId: string; kind: CaseLinkKind },
): Promise<void> {
  const ws = actor.workspaceId;
  if (caseId === input.caseId) {
    throw new AppError("conflict", "case_link_self", "A case cannot be linked to itself.", { field: "caseId" });
  }
  const [one, other] = await bothCases(tx, ws, caseId, input.caseId);
  const existing = await q(tx)
    .selectFrom("case_links")
    .select(["case_id", "other_case_id", "kind"])
    .where("workspace_id", "=", ws)
    .where((eb) =>
      eb.or([
        eb("case_id", "=", one.id).and("other_case_id", "=", other.id),
        eb("case_id", "in", [one.id, other.id]).and("kind", "=", "parent"),
      ]),
    )
    .execute();
  const same = existing.find((l) => l.case_id === one.id && l.other_case_id === other.id);
  if (same) {
    throw new AppError(
      "conflict",
      "case_link_exists",
      `These cases are already linked (${same.kind}); unlink them first.`,
      {
        field: "caseId",
        kind: same.kind,
      },
    );
  }
  const child = input.kind === "parent" ? one.id : input.kind === "child" ? other.id : undefined;
  if (child && existing.some((l) => l.case_id === child && l.kind === "parent")) {
    throw new AppError("conflict", "case_has_parent", "That case already has a parent case; unlink it first.", {
      field: "kind",
      caseId: child,
    });
  }
  const row = { workspace_id: ws, actor_type: actor.type, actor_id: actor.id };
  const inserted = await q(tx)
    .insertInto("case_links")
    .values([
      { ...row, case_id: one.id, other_case_id: other.id, kind: input.kind },
      { ...row, case_id: other.id, other_case_id: one.id, kind: INVERSE[input.kind] },
    ])
    .onConflict((oc) => oc.doNothing())
    .returning("case_id")
    .execute();
  if (inserted.length < 2) {
    // A concurrent request linked the same pair first.
    throw new AppError("conflict", "case_link_exists", "These cases were just linked; refresh to see the link.", {
      field: "caseId",
    });
  }
  await recordLinkChange(tx, actor, "case.linked", [
    [one.id, other.id, input.kind],
    [other.id, one.id, INVERSE[input.kind]],
  ]);
}

/** Removes the link between two cases (both directions); 404 when they are not linked. */
export async function unlinkCases(tx: Executor, actor: CaseActor, caseId: string, otherId: string): Promise<void> {
  const ws = actor.workspaceId;
  await bothCases(tx, ws, caseId, otherId);
  const removed = await q(tx)
    .deleteFrom("case_links")
    .where("workspace_id", "=", ws)
    .where((eb) =>
      eb.or([
        eb("case_id", "=", caseId).and("other_case_id", "=", otherId),
        eb("case_id", "=", otherId).and("other_case_id", "=", caseId),
      ]),
    )
    .returning(["case_id", "other_case_id", "kind"])
    .execute();
  const mine = removed.find((l) => l.case_id === caseId);
  if (!mine) throw new AppError("not_found", "case_link_not_found", "These cases are not linked.", { field: "caseId" });
  await recordLinkChange(
    tx,
    actor,
    "case.unlinked",
    removed.map((l) => [l.case_id, l.other_case_id, l.kind]),
  );
}

/** The cases linked to a case, with their number, subject and status. */
export function listCaseLinks(tx: Executor, ws: string, caseId: string) {
  return q(tx)
    .selectFrom("case_links as l")
    .innerJoin("cases as c", (j) =>
      j.onRef("c.workspace_id", "=", "l.workspace_id").onRef("c.id", "=", "l.other_case_id"),
    )
    .select(["l.other_case_id", "l.kind", "l.created_at", "c.number", "c.subject", "c.status"])
    .where("l.workspace_id", "=", ws)
    .where("l.case_id", "=", caseId)
    .orderBy("l.created_at")
    .limit(500)
    .execute();
}
