import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type Actor, listTeamMemberships } from "../../tenancy/index.ts";
import type { CaseFilters, CaseSort } from "../queries.ts";
import { type CaseViewRow, q } from "../repository.ts";
import { type ParsedCaseFilter, toFilterQuery } from "../schemas.ts";

/** A member may keep this many saved views. */
export const MAX_CASE_VIEWS = 50;

/**
 * Turns parsed list filters into query filters for one caller: `assigneeId=me` is the caller, `teamId=mine`
 * the teams the caller belongs to (looked up once, however many filters are resolved).
 */
export function caseFilterResolver(db: Executor, actor: Pick<Actor, "workspaceId" | "id" | "type">) {
  let myTeams: Promise<string[]> | undefined;
  return async (input: ParsedCaseFilter): Promise<CaseFilters> => {
    const { assigneeId, teamId, mentioned, ...rest } = input;
    const filters: CaseFilters = { ...rest, assigneeId: assigneeId === "me" ? actor.id : assigneeId };
    // A token has no mentions: `mentioned=me` then matches no case.
    if (mentioned) filters.mentionedUserId = actor.type === "user" ? actor.id : "00000000-0000-0000-0000-000000000000";
    if (teamId === "mine") {
      myTeams ??= listTeamMemberships(db, actor.workspaceId).then((rows) =>
        rows.filter((r) => r.user_id === actor.id).map((r) => r.team_id),
      );
      filters.teamIds = await myTeams;
    } else filters.teamId = teamId;
    return filters;
  };
}

export type CaseViewInput = { name: string; filters: ParsedCaseFilter; sort: CaseSort; position?: number | undefined };

const notFound = () => new AppError("not_found", "case_view_not_found", "No such saved view of yours.");

/** The caller's saved views, in their order. */
export function listCaseViews(db: Executor, actor: Pick<Actor, "workspaceId" | "id">) {
  return q(db)
    .selectFrom("case_views")
    .selectAll()
    .where("workspace_id", "=", actor.workspaceId)
    .where("user_id", "=", actor.id)
    .orderBy("position")
    .orderBy("id")
    .execute();
}

async function assertNameFree(db: Executor, actor: Pick<Actor, "workspaceId" | "id">, name: string, except?: string) {
  let query = q(db)
    .selectFrom("case_views")
    .select("id")
    .where("workspace_id", "=", actor.workspaceId)
    .where("user_id", "=", actor.id)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()));
  if (except) query = query.where("id", "!=", except);
  if (await query.executeTakeFirst()) {
    throw new AppError("conflict", "case_view_name_taken", "You already have a view with this name; pick another.", {
      field: "name",
    });
  }
}

/** Saves a new view for the caller (at the end of their list). */
export async function createCaseView(
  db: Executor,
  actor: Pick<Actor, "workspaceId" | "id">,
  input: CaseViewInput,
): Promise<CaseViewRow> {
  await assertNameFree(db, actor, input.name);
  const existing = await listCaseViews(db, actor);
  if (existing.length >= MAX_CASE_VIEWS) {
    throw new AppError("conflict", "case_view_limit", `You can keep ${MAX_CASE_VIEWS} views; delete one first.`);
  }
  return q(db)
    .insertInto("case_views")
    .values({
      workspace_id: actor.workspaceId,
      id: uuidv7(),
      user_id: actor.id,
      name: input.name,
      filters: JSON.stringify(toFilterQuery(input.filters)),
      sort: input.sort,
      position: input.position ?? Math.max(-1, ...existing.map((v) => v.position)) + 1,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Changes one of the caller's views (another member's, or another workspace's, is a 404). */
export async function updateCaseView(
  db: Executor,
  actor: Pick<Actor, "workspaceId" | "id">,
  id: string,
  patch: Partial<CaseViewInput>,
): Promise<CaseViewRow> {
  if (patch.name !== undefined) await assertNameFree(db, actor, patch.name, id);
  const updated = await q(db)
    .updateTable("case_views")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.filters !== undefined ? { filters: JSON.stringify(toFilterQuery(patch.filters)) } : {}),
      ...(patch.sort !== undefined ? { sort: patch.sort } : {}),
      ...(patch.position !== undefined ? { position: patch.position } : {}),
      updated_at: new Date(),
    })
    .where("workspace_id", "=", actor.workspaceId)
    .where("user_id", "=", actor.id)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw notFound();
  return updated;
}

/** Deletes one of the caller's views. */
export async function deleteCaseView(db: Executor, actor: Pick<Actor, "workspaceId" | "id">, id: string) {
  const deleted = await q(db)
    .deleteFrom("case_views")
    .where("workspace_id", "=", actor.workspaceId)
    .where("user_id", "=", actor.id)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!deleted.numDeletedRows) throw notFound();
}
