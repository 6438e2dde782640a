import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvent } from "../../../platform/outbox.ts";
import {
  type ChecklistRow,
  findInWorkspace,
  findWorkableCase,
  pageOfWorkspace,
  q,
  recordCaseEvent,
} from "../repository.ts";
import type { CaseActor } from "./update-case.ts";

export type ChecklistItem = { id: string; label: string; required: boolean };
export type ChecklistInput = {
  name: string;
  tag?: string | null | undefined;
  items: { id?: string | undefined; label: string; required?: boolean | undefined }[];
};

const notFound = () => new AppError("not_found", "checklist_not_found", "No such checklist in your workspace.");
const itemsOf = (row: ChecklistRow) => row.items as ChecklistItem[];

/** Items keep their id when the input names one (so ticks survive edits); new items get one. */
function normaliseItems(items: ChecklistInput["items"]): ChecklistItem[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const id = item.id ?? uuidv7();
    if (seen.has(id)) {
      throw new AppError("invalid", "checklist_item_duplicate", "Two items have the same id.", {
        field: `items[${i}].id`,
      });
    }
    seen.add(id);
    return { id, label: item.label, required: item.required ?? true };
  });
}

/** A checklist of the workspace, or 404. */
export const findChecklist = (db: Executor, ws: string, id: string): Promise<ChecklistRow> =>
  findInWorkspace(db, "case_checklists", ws, id, notFound);

export function createChecklist(tx: Executor, ws: string, input: ChecklistInput): Promise<ChecklistRow> {
  return q(tx)
    .insertInto("case_checklists")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      name: input.name,
      tag: input.tag?.trim().toLowerCase() || null,
      items: JSON.stringify(normaliseItems(input.items)),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateChecklist(tx: Executor, ws: string, id: string, patch: Partial<ChecklistInput>) {
  await findChecklist(tx, ws, id);
  return q(tx)
    .updateTable("case_checklists")
    .set({
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.tag !== undefined ? { tag: patch.tag?.trim().toLowerCase() || null } : {}),
      ...(patch.items ? { items: JSON.stringify(normaliseItems(patch.items)) } : {}),
      updated_at: new Date(),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteChecklist(tx: Executor, ws: string, id: string): Promise<void> {
  await findChecklist(tx, ws, id);
  await q(tx).deleteFrom("case_checklists").where("workspace_id", "=", ws).where("id", "=", id).execute();
  await q(tx)
    .deleteFrom("case_checklist_ticks")
    .where("workspace_id", "=", ws)
    .where("checklist_id", "=", id)
    .execute();
}

/** A page of the workspace's checklists, oldest first. */
export const listChecklists = (db: Executor, ws: string, after: string | undefined, limit: number) =>
  pageOfWorkspace(db, "case_checklists", ws, after, limit);

/** The checklists that apply to a case with these tags (untagged checklists apply to every case), with its ticks. */
export async function caseChecklists(db: Executor, ws: string, caseId: string, tags: string[]) {
  const [lists, ticks] = await Promise.all([
    q(db)
      .selectFrom("case_checklists")
      .selectAll()
      .where("workspace_id", "=", ws)
      .where((eb) => eb.or([eb("tag", "is", null), eb(sql<boolean>`tag = any(${tags}::text[])`, "=", true)]))
      .orderBy("id")
      .limit(100)
      .execute(),
    q(db)
      .selectFrom("case_checklist_ticks")
      .selectAll()
      .where("workspace_id", "=", ws)
      .where("case_id", "=", caseId)
      .execute(),
  ]);
  const ticked = new Map(ticks.map((t) => [`${t.checklist_id}|${t.item_id}`, t]));
  return lists.map((list) => ({
    id: list.id,
    name: list.name,
    tag: list.tag,
    items: itemsOf(list).map((item) => {
      const tick = ticked.get(`${list.id}|${item.id}`);
      return {
        ...item,
        ticked: !!tick,
        tickedBy: tick?.ticked_by ?? null,
        tickedAt: tick?.ticked_at.toISOString() ?? null,
      };
    }),
  }));
}

/**
 * Refuses (409 `checklist_incomplete`, naming them) to solve a case while required items of a checklist
 * that applies to it are unticked.
 */
export async function assertChecklistsComplete(
  db: Executor,
  ws: string,
  caseId: string,
  tags: string[],
): Promise<void> {
  const lists = await caseChecklists(db, ws, caseId, tags);
  const missing = lists.flatMap((l) =>
    l.items
      .filter((i) => i.required && !i.ticked)
      .map((i) => ({ checklistId: l.id, checklist: l.name, itemId: i.id, label: i.label })),
  );
  if (missing.length) {
    throw new AppError(
      "conflict",
      "checklist_incomplete",
      `Tick these checklist items before solving: ${missing.map((m) => `${m.checklist}: ${m.label}`).join("; ")}.`,
      { field: "status", items: missing },
    );
  }
}

/** Ticks or unticks one item of a checklist that applies to the case, recorded in the case history. */
export async function tickChecklistItem(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  checklistId: string,
  itemId: string,
  ticked: boolean,
) {
  const ws = actor.workspaceId;
  const theCase = await findWorkableCase(tx, ws, caseId, "tick the surviving case's checklist.");
  const list = await findChecklist(tx, ws, checklistId);
  if (list.tag && !theCase.tags.includes(list.tag)) {
    throw new AppError("conflict", "checklist_not_applicable", `This checklist is for cases tagged "${list.tag}".`, {
      tag: list.tag,
    });
  }
  const item = itemsOf(list).find((i) => i.id === itemId);
  if (!item) throw new AppError("not_found", "checklist_item_not_found", "No such item in this checklist.");
  if (ticked) {
    await q(tx)
      .insertInto("case_checklist_ticks")
      .values({ workspace_id: ws, case_id: caseId, checklist_id: checklistId, item_id: itemId, ticked_by: actor.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
  } else {
    await q(tx)
      .deleteFrom("case_checklist_ticks")
      .where("workspace_id", "=", ws)
      .where("case_id", "=", caseId)
      .where("checklist_id", "=", checklistId)
      .where("item_id", "=", itemId)
      .execute();
  }
  await recordCaseEvent(tx, actor, caseId, ticked ? "checklist.ticked" : "checklist.unticked", {
    checklistId,
    checklist: list.name,
    itemId,
    label: item.label,
  });
  await emitEvent(tx, { workspaceId: ws, type: "case.updated", payload: { caseId, changed: ["checklists"] } });
  return caseChecklists(tx, ws, caseId, theCase.tags);
}
