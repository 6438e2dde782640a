import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type Actor, can, findTeam, listTeamMemberships, recordAudit } from "../../tenancy/index.ts";
import { findCaseOrThrow, findInWorkspace, type QuickReplyRow, q, type ReplyScope } from "../repository.ts";
import { type Rendered, renderContent, renderTemplate, templateValues, unknownVariables } from "../template.ts";

export type QuickReplyInput = {
  scope: ReplyScope;
  teamId?: string | undefined;
  shortcut: string;
  title: string;
  body: string;
  content?: { type: string; [key: string]: unknown } | undefined;
};

export type QuickReplyPatch = Partial<Pick<QuickReplyInput, "shortcut" | "title" | "body">> & {
  content?: QuickReplyInput["content"] | null;
};

const notFound = () => new AppError("not_found", "quick_reply_not_found", "No such quick reply in your workspace.");

/** The teams whose shared items an actor sees: all for supervisors and admins, their own for agents. */
async function visibleTeams(db: Executor, actor: Actor): Promise<string[] | "all"> {
  if (can(actor.role, "cases.configure")) return "all";
  if (actor.type !== "user") return [];
  return (await listTeamMemberships(db, actor.workspaceId)).filter((m) => m.user_id === actor.id).map((m) => m.team_id);
}

/** Shared scopes need `cases.configure` (supervisors, admins); a personal item belongs to its owner only. */
function assertMayManage(actor: Actor, row: Pick<QuickReplyRow, "scope" | "owner_id">): void {
  if (row.scope === "personal") {
    if (row.owner_id !== actor.id) throw notFound();
    return;
  }
  if (!can(actor.role, "cases.configure")) {
    throw new AppError(
      "forbidden",
      "shared_reply_forbidden",
      `Only supervisors and admins manage ${row.scope} quick replies; create a personal one instead.`,
      { field: "scope" },
    );
  }
}

/** One quick reply the actor may see (404 otherwise, also for another workspace's or member's). */
export async function findQuickReply(db: Executor, actor: Actor, id: string): Promise<QuickReplyRow> {
  const row = await findInWorkspace(db, "quick_replies", actor.workspaceId, id, notFound);
  if (row.scope === "personal" && row.owner_id !== actor.id) throw notFound();
  if (row.scope === "team") {
    const teams = await visibleTeams(db, actor);
    if (teams !== "all" && !teams.includes(row.team_id as string)) throw notFound();
  }
  return row;
}

async function assertShortcutFree(
  db: Executor,
  actor: Actor,
  row: Pick<QuickReplyRow, "scope" | "team_id" | "owner_id" | "shortcut">,
  exceptId?: string,
) {
  let query = q(db)
    .selectFrom("quick_replies")
    .select("id")
    .where("workspace_id", "=", actor.workspaceId)
    .where("scope", "=", row.scope)
    .where("shortcut", "=", row.shortcut)
    .where(sql<boolean>`coalesce(team_id::text, owner_id, '') = ${row.team_id ?? row.owner_id ?? ""}`);
  if (exceptId) query = query.where("id", "!=", exceptId);
  if (await query.executeTakeFirst()) {
    throw new AppError(
      "conflict",
      "quick_reply_shortcut_taken",
      `The shortcut "/${row.shortcut}" is already used in this ${row.scope} scope; pick another.`,
      {
        field: "shortcut",
      },
    );
  }
}

/** Creates a quick reply; personal ones for anyone who replies, shared ones for supervisors and admins. */
export async function createQuickReply(tx: Executor, actor: Actor, input: QuickReplyInput): Promise<QuickReplyRow> {
  const ws = actor.workspaceId;
  const owner = input.scope === "personal" ? actor.id : null;
  assertMayManage(actor, { scope: input.scope, owner_id: owner });
  if (input.scope === "team") {
    if (!input.teamId)
      throw new AppError("invalid", "team_required", "A team quick reply needs a teamId.", { field: "teamId" });
    if (!(await findTeam(tx, ws, input.teamId))) {
      throw new AppError("invalid", "team_not_found", "No such team in this workspace.", { field: "teamId" });
    }
  } else if (input.teamId) {
    throw new AppError("invalid", "team_not_allowed", `A ${input.scope} quick reply has no team; use scope "team".`, {
      field: "teamId",
    });
  }
  const row = {
    scope: input.scope,
    team_id: input.scope === "team" ? (input.teamId ?? null) : null,
    owner_id: owner,
    shortcut: input.shortcut,
  };
  await assertShortcutFree(tx, actor, row);
  const created = await q(tx)
    .insertInto("quick_replies")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      ...row,
      title: input.title,
      body: input.body,
      content: input.content ? JSON.stringify(input.content) : null,
      created_by: actor.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await auditQuickReply(tx, actor, "quick_reply.created", created);
  return created;
}

function auditQuickReply(tx: Executor, actor: Actor, action: string, row: QuickReplyRow) {
  return recordAudit(tx, actor, {
    action,
    objectType: "quick_reply",
    objectId: row.id,
    details: { shortcut: row.shortcut, title: row.title, scope: row.scope },
  });
}

/** Changes a quick reply's shortcut, title, body or content. */
export async function updateQuickReply(
  tx: Executor,
  actor: Actor,
  id: string,
  patch: QuickReplyPatch,
): Promise<QuickReplyRow> {
  const current = await findQuickReply(tx, actor, id);
  assertMayManage(actor, current);
  if (patch.shortcut && patch.shortcut !== current.shortcut) {
    await assertShortcutFree(tx, actor, { ...current, shortcut: patch.shortcut }, id);
  }
  const updated = await q(tx)
    .updateTable("quick_replies")
    .set({
      ...(patch.shortcut ? { shortcut: patch.shortcut } : {}),
      ...(patch.title ? { title: patch.title } : {}),
      ...(patch.body ? { body: patch.body } : {}),
      ...(patch.content !== undefined ? { content: patch.content ? JSON.stringify(patch.content) : null } : {}),
      updated_at: new Date(),
    })
    .where("workspace_id", "=", actor.workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await auditQuickReply(tx, actor, "quick_reply.updated", updated);
  return updated;
}

/** Deletes a quick reply. */
export async function deleteQuickReply(tx: Executor, actor: Actor, id: string): Promise<void> {
  const current = await findQuickReply(tx, actor, id);
  assertMayManage(actor, current);
  await q(tx).deleteFrom("quick_replies").where("workspace_id", "=", actor.workspaceId).where("id", "=", id).execute();
  await auditQuickReply(tx, actor, "quick_reply.deleted", current);
}

/**
 * One page of the quick replies an actor sees (the workspace's, their teams', their own), ordered by shortcut;
 * `query` matches the start of the shortcut or any part of the title.
 */
export async function listQuickReplies(
  db: Executor,
  actor: Actor,
  filter: { query?: string | undefined; scope?: ReplyScope | undefined },
  after: { shortcut: string; id: string } | undefined,
  limit: number,
) {
  const teams = await visibleTeams(db, actor);
  let query = q(db)
    .selectFrom("quick_replies")
    .selectAll()
    .where("workspace_id", "=", actor.workspaceId)
    .where((eb) =>
      eb.or([
        eb("scope", "=", "workspace"),
        teams === "all"
          ? eb("scope", "=", "team")
          : teams.length
            ? eb("scope", "=", "team").and("team_id", "in", teams)
            : eb.val(false),
        eb("scope", "=", "personal").and("owner_id", "=", actor.id),
      ]),
    );
  if (filter.scope) query = query.where("scope", "=", filter.scope);
  const text = filter.query?.trim().replace(/^\//, "").toLowerCase();
  if (text) {
    const like = text.replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where((eb) => eb.or([eb("shortcut", "like", `${like}%`), eb("title", "ilike", `%${like}%`)]));
  }
  if (after) query = query.where(sql<boolean>`(shortcut, id) > (${after.shortcut}, ${after.id}::uuid)`);
  return query
    .orderBy("shortcut")
    .orderBy("id")
    .limit(limit + 1)
    .execute();
}

export type RenderedReply = Rendered & { content: Record<string, unknown> | null };

/** Renders a quick reply for a case: its text and typed content with the variables filled, and what was not. */
export async function renderQuickReply(db: Executor, actor: Actor, id: string, caseId: string): Promise<RenderedReply> {
  const reply = await findQuickReply(db, actor, id);
  const theCase = await findCaseOrThrow(db, actor.workspaceId, caseId);
  return renderForCase(db, actor, theCase, reply.body, reply.content as Record<string, unknown> | null);
}

/** Renders a text (and typed content) for a case and the agent writing. */
export async function renderForCase(
  db: Executor,
  actor: { type: string; id: string | null },
  theCase: Parameters<typeof templateValues>[1],
  body: string,
  content: Record<string, unknown> | null,
): Promise<RenderedReply> {
  const values = await templateValues(db, theCase, actor);
  const text = renderTemplate(body, values);
  if (!content) return { ...text, content: null };
  const typed = renderContent(content, values);
  return {
    text: text.text,
    content: typed.content,
    unknownVariables: [...new Set([...text.unknownVariables, ...typed.unknownVariables])],
    emptyVariables: [...new Set([...text.emptyVariables, ...typed.emptyVariables])],
  };
}

/** The unknown variables of a quick reply's body and content (a warning when it is saved). */
export const unknownVariablesOf = (row: Pick<QuickReplyRow, "body" | "content">) =>
  unknownVariables(`${row.body} ${row.content ? JSON.stringify(row.content) : ""}`);
