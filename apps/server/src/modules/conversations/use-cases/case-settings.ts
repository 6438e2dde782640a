import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvent } from "../../../platform/outbox.ts";
import { findMembership } from "../../tenancy/index.ts";
import {
  type CaseFieldRow,
  type CaseFieldType,
  type CaseStatus,
  type CaseStatusRow,
  findWorkableCase,
  q,
  recordCaseEvent,
} from "../repository.ts";
import type { CaseActor } from "./update-case.ts";

// ---- custom statuses -------------------------------------------------------------------------------------

const statusNotFound = () =>
  new AppError("not_found", "case_status_not_found", "No such case status in your workspace.");

export function listCaseStatuses(db: Executor, ws: string) {
  return q(db)
    .selectFrom("case_statuses")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("type")
    .orderBy("position")
    .orderBy("id")
    .limit(500)
    .execute();
}

async function assertStatusNameFree(db: Executor, ws: string, name: string, exceptId?: string) {
  const same = await q(db)
    .selectFrom("case_statuses")
    .select("id")
    .where("workspace_id", "=", ws)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
    .executeTakeFirst();
  if (same && same.id !== exceptId) {
    throw new AppError("conflict", "case_status_name_taken", `A status named "${name}" already exists.`, {
      field: "name",
    });
  }
}

export async function createCaseStatus(
  tx: Executor,
  ws: string,
  input: { name: string; type: CaseStatus; position?: number | undefined },
): Promise<CaseStatusRow> {
  await assertStatusNameFree(tx, ws, input.name);
  return q(tx)
    .insertInto("case_statuses")
    .values({ workspace_id: ws, id: uuidv7(), name: input.name, type: input.type, position: input.position ?? 0 })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Renames or reorders a custom status (its type is fixed: cases carrying it keep a consistent status). */
export async function updateCaseStatus(
  tx: Executor,
  ws: string,
  id: string,
  patch: { name?: string | undefined; position?: number | undefined },
) {
  if (patch.name) await assertStatusNameFree(tx, ws, patch.name, id);
  const row = await q(tx)
    .updateTable("case_statuses")
    .set({
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.position !== undefined ? { position: patch.position } : {}),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw statusNotFound();
  return row;
}

/** Deletes a custom status; cases carrying it keep its type. */
export async function deleteCaseStatus(tx: Executor, ws: string, id: string): Promise<void> {
  const removed = await q(tx)
    .deleteFrom("case_statuses")
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!removed.numDeletedRows) throw statusNotFound();
  await q(tx)
    .updateTable("cases")
    .set({ custom_status_id: null })
    .where("workspace_id", "=", ws)
    .where("custom_status_id", "=", id)
    .execute();
}

/**
 * The status type and custom status a case patch asks for: a custom status sets its type; a plain status
 * clears the custom one.
 */
export async function resolveCustomStatus(
  db: Executor,
  ws: string,
  status: CaseStatus | undefined,
  customStatusId: string | null | undefined,
): Promise<{ status: CaseStatus | undefined; customStatusId: string | null | undefined }> {
  if (!customStatusId) return { status, customStatusId: status !== undefined ? null : customStatusId };
  const row = await q(db)
    .selectFrom("case_statuses")
    .select(["type", "name"])
    .where("workspace_id", "=", ws)
    .where("id", "=", customStatusId)
    .executeTakeFirst();
  if (!row)
    throw new AppError("invalid", "case_status_not_found", "No such case status in this workspace.", {
      field: "customStatusId",
    });
  if (status !== undefined && status !== row.type) {
    throw new AppError(
      "invalid",
      "case_status_mismatch",
      `The status "${row.name}" is of type ${row.type}, not ${status}; send one of them.`,
      {
        field: "status",
      },
    );
  }
  return { status: row.type, customStatusId };
}

// ---- custom fields ---------------------------------------------------------------------------------------

const fieldNotFound = () => new AppError("not_found", "case_field_not_found", "No such case field in your workspace.");

export function listCaseFields(db: Executor, ws: string) {
  return q(db).selectFrom("case_fields").selectAll().where("workspace_id", "=", ws).orderBy("key").limit(500).execute();
}

export async function createCaseField(
  tx: Executor,
  ws: string,
  input: { key: string; label: string; type: CaseFieldType; options?: string[] | undefined },
): Promise<CaseFieldRow> {
  if (input.type === "select" && !input.options?.length) {
    throw new AppError("invalid", "case_field_options_required", "A select field needs its options.", {
      field: "options",
    });
  }
  if (input.type !== "select" && input.options?.length) {
    throw new AppError("invalid", "case_field_options_not_allowed", "Only select fields have options.", {
      field: "options",
    });
  }
  const taken = await q(tx)
    .selectFrom("case_fields")
    .select("id")
    .where("workspace_id", "=", ws)
    .where("key", "=", input.key)
    .executeTakeFirst();
  if (taken)
    throw new AppError("conflict", "case_field_key_taken", `A field "${input.key}" already exists.`, { field: "key" });
  return q(tx)
    .insertInto("case_fields")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      key: input.key,
      label: input.label,
      type: input.type,
      options: input.options ?? [],
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Renames a field or changes a select field's options (its key and type are fixed: values stay valid). */
export async function updateCaseField(
  tx: Executor,
  ws: string,
  id: string,
  patch: { label?: string | undefined; options?: string[] | undefined },
) {
  const current = await q(tx)
    .selectFrom("case_fields")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!current) throw fieldNotFound();
  if (patch.options && current.type !== "select") {
    throw new AppError("invalid", "case_field_options_not_allowed", "Only select fields have options.", {
      field: "options",
    });
  }
  return q(tx)
    .updateTable("case_fields")
    .set({
      ...(patch.label ? { label: patch.label } : {}),
      ...(patch.options?.length ? { options: patch.options } : {}),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteCaseField(tx: Executor, ws: string, id: string): Promise<void> {
  const removed = await q(tx)
    .deleteFrom("case_fields")
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!removed.numDeletedRows) throw fieldNotFound();
}

function checkValue(field: CaseFieldRow, value: unknown): unknown {
  const bad = (expected: string) =>
    new AppError("invalid", "case_field_invalid", `The field "${field.key}" takes ${expected}.`, {
      field: `customFields.${field.key}`,
      ...(field.type === "select" ? { allowed: field.options } : {}),
    });
  switch (field.type) {
    case "text":
      if (typeof value !== "string" || value.length > 2000) throw bad("a text of at most 2,000 characters");
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad("a number");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw bad("true or false");
      return value;
    case "date":
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
        throw bad("a date as YYYY-MM-DD");
      }
      return value;
    case "select":
      if (typeof value !== "string" || !field.options.includes(value)) throw bad(`one of: ${field.options.join(", ")}`);
      return value;
  }
}

/** A case's custom fields after a patch (null removes a value), each value checked against its field's type. */
export async function mergeCustomFields(
  db: Executor,
  ws: string,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const fields = new Map((await listCaseFields(db, ws)).map((f) => [f.key, f]));
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const field = fields.get(key);
    if (!field) {
      throw new AppError(
        "invalid",
        "case_field_unknown",
        `No case field "${key}" in this workspace; an admin defines fields first.`,
        {
          field: `customFields.${key}`,
        },
      );
    }
    if (value === null) delete next[key];
    else next[key] = checkValue(field, value);
  }
  return Object.fromEntries(Object.entries(next).sort(([x], [y]) => x.localeCompare(y)));
}

// ---- followers -------------------------------------------------------------------------------------------

export function listFollowers(db: Executor, ws: string, caseId: string) {
  return q(db)
    .selectFrom("case_followers")
    .select(["user_id", "created_at"])
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .orderBy("created_at")
    .limit(500)
    .execute();
}

async function recordFollow(tx: Executor, actor: CaseActor, caseId: string, action: string, userId: string) {
  await recordCaseEvent(tx, actor, caseId, action, { userId });
  await emitEvent(tx, {
    workspaceId: actor.workspaceId,
    type: "case.updated",
    payload: { caseId, changed: ["followers"], userId },
  });
}

/** Adds a member as a follower of a case (idempotent). */
export async function followCase(tx: Executor, actor: CaseActor, caseId: string, userId: string): Promise<void> {
  const ws = actor.workspaceId;
  await findWorkableCase(tx, ws, caseId, "follow the surviving case.");
  if (!(await findMembership(tx, ws, userId))) {
    throw new AppError("invalid", "user_not_member", "Only members of the workspace can follow its cases.", {
      field: "userId",
    });
  }
  const added = await q(tx)
    .insertInto("case_followers")
    .values({ workspace_id: ws, case_id: caseId, user_id: userId })
    .onConflict((oc) => oc.doNothing())
    .returning("user_id")
    .executeTakeFirst();
  if (added) await recordFollow(tx, actor, caseId, "case.followed", userId);
}

/** Removes a follower; 404 when that member does not follow the case. */
export async function unfollowCase(tx: Executor, actor: CaseActor, caseId: string, userId: string): Promise<void> {
  const ws = actor.workspaceId;
  const removed = await q(tx)
    .deleteFrom("case_followers")
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!removed.numDeletedRows)
    throw new AppError("not_found", "follower_not_found", "This member does not follow the case.");
  await recordFollow(tx, actor, caseId, "case.unfollowed", userId);
}
