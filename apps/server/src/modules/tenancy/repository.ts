import { type Generated, type Selectable, sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../platform/db.ts";
import type { Role } from "./policy.ts";

type Timestamp = Date;

/** The tables this module owns. */
export type TenancyTables = {
  workspaces: {
    id: string;
    slug: string;
    name: string;
    default_locale: string;
    timezone: string;
    created_at: Generated<Timestamp>;
  };
  users: {
    id: string;
    email: string;
    name: string;
    password_hash: string | null;
    password_changed_at: Generated<Timestamp>;
    failed_logins: Generated<number>;
    locked_until: Generated<Timestamp | null>;
    created_at: Generated<Timestamp>;
  };
  memberships: { workspace_id: string; user_id: string; role: Role; created_at: Generated<Timestamp> };
  teams: { workspace_id: string; id: string; name: string; created_at: Generated<Timestamp> };
  team_members: { workspace_id: string; team_id: string; user_id: string };
  sessions: {
    token_hash: string;
    workspace_id: string;
    user_id: string;
    created_at: Generated<Timestamp>;
    expires_at: Timestamp;
    last_seen_at: Generated<Timestamp>;
    ip: string | null;
    user_agent: string | null;
    revoked_at: Generated<Timestamp | null>;
  };
  api_tokens: {
    workspace_id: string;
    id: string;
    name: string;
    role: Role;
    token_hash: string;
    token_prefix: string;
    created_by: string | null;
    created_at: Generated<Timestamp>;
    last_used_at: Generated<Timestamp | null>;
    revoked_at: Generated<Timestamp | null>;
  };
  audit_log: {
    workspace_id: string;
    id: string;
    actor_type: string;
    actor_id: string | null;
    action: string;
    object_type: string | null;
    object_id: string | null;
    ip: string | null;
    details: unknown;
    created_at: Generated<Timestamp>;
  };
};

export type WorkspaceRow = Selectable<TenancyTables["workspaces"]>;
export type UserRow = Selectable<TenancyTables["users"]>;
export type ApiTokenRow = Selectable<TenancyTables["api_tokens"]>;
export type AuditRow = Selectable<TenancyTables["audit_log"]>;
type SessionInsert = Omit<Selectable<TenancyTables["sessions"]>, "created_at" | "last_seen_at" | "revoked_at">;

const q = (db: Executor) => db.withTables<TenancyTables>();

export function findWorkspaceBySlug(db: Executor, slug: string) {
  return q(db).selectFrom("workspaces").selectAll().where("slug", "=", slug).executeTakeFirst();
}

export function findWorkspaceById(db: Executor, id: string) {
  return q(db).selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertWorkspace(db: Executor, input: Omit<WorkspaceRow, "id" | "created_at">) {
  return q(db)
    .insertInto("workspaces")
    .values({ id: uuidv7(), ...input })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function updateWorkspace(
  db: Executor,
  id: string,
  patch: Partial<Pick<WorkspaceRow, "name" | "default_locale" | "timezone">>,
) {
  return q(db).updateTable("workspaces").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export function findUserByEmail(db: Executor, email: string) {
  return q(db)
    .selectFrom("users")
    .selectAll()
    .where(sql<string>`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
}

export function findUserById(db: Executor, id: string) {
  return q(db).selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export function insertUser(db: Executor, input: { email: string; name: string; password_hash: string | null }) {
  return q(db)
    .insertInto("users")
    .values({ id: uuidv7(), ...input })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function setUserPassword(db: Executor, userId: string, passwordHash: string) {
  return q(db)
    .updateTable("users")
    .set({ password_hash: passwordHash, password_changed_at: new Date(), failed_logins: 0, locked_until: null })
    .where("id", "=", userId)
    .execute();
}

export function recordLoginFailure(db: Executor, userId: string, lockedUntil: Date | null) {
  return q(db)
    .updateTable("users")
    .set((eb) => ({ failed_logins: eb("failed_logins", "+", 1), locked_until: lockedUntil }))
    .where("id", "=", userId)
    .returning(["failed_logins"])
    .executeTakeFirstOrThrow();
}

export function resetLoginFailures(db: Executor, userId: string) {
  return q(db).updateTable("users").set({ failed_logins: 0, locked_until: null }).where("id", "=", userId).execute();
}

export function findMembership(db: Executor, workspaceId: string, userId: string) {
  return q(db)
    .selectFrom("memberships")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

/** Which of these user ids are members of the workspace (one statement, whatever the number of ids). */
export async function membersAmong(
  db: Executor,
  workspaceId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await q(db)
    .selectFrom("memberships")
    .select("user_id")
    .where("workspace_id", "=", workspaceId)
    .where("user_id", "in", [...new Set(userIds)])
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

/** Every workspace's id and time zone (one statement; scheduler start-up). */
export function listWorkspaceTimezones(db: Executor) {
  return q(db).selectFrom("workspaces").select(["id", "timezone"]).orderBy("id").execute();
}

/** The user's memberships, oldest first, with the workspace slug. */
export function listMembershipsOfUser(db: Executor, userId: string) {
  return q(db)
    .selectFrom("memberships")
    .innerJoin("workspaces", "workspaces.id", "memberships.workspace_id")
    .select(["memberships.workspace_id", "memberships.role", "workspaces.slug"])
    .where("memberships.user_id", "=", userId)
    .orderBy("memberships.created_at")
    .execute();
}

export function upsertMembership(db: Executor, workspaceId: string, userId: string, role: Role) {
  return q(db)
    .insertInto("memberships")
    .values({ workspace_id: workspaceId, user_id: userId, role })
    .onConflict((oc) => oc.columns(["workspace_id", "user_id"]).doUpdateSet({ role }))
    .execute();
}

export function listMembers(db: Executor, workspaceId: string, after: string | undefined, limit: number) {
  let query = q(db)
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.email", "users.name", "memberships.role", "memberships.created_at"])
    .where("memberships.workspace_id", "=", workspaceId);
  if (after) query = query.where("users.id", ">", after);
  return query
    .orderBy("users.id")
    .limit(limit + 1)
    .execute();
}

export function insertTeam(db: Executor, workspaceId: string, name: string) {
  return q(db)
    .insertInto("teams")
    .values({ workspace_id: workspaceId, id: uuidv7(), name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findTeamByName(db: Executor, workspaceId: string, name: string) {
  return q(db)
    .selectFrom("teams")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where(sql<string>`lower(name)`, "=", name.toLowerCase())
    .executeTakeFirst();
}

export function findTeam(db: Executor, workspaceId: string, teamId: string) {
  return q(db)
    .selectFrom("teams")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", teamId)
    .executeTakeFirst();
}

export function listTeams(db: Executor, workspaceId: string, after: string | undefined, limit: number) {
  let query = q(db)
    .selectFrom("teams")
    .select([
      "teams.id",
      "teams.name",
      "teams.created_at",
      (eb) =>
        eb
          .selectFrom("team_members")
          .select(sql<string[]>`array_agg(team_members.user_id)`.as("ids"))
          .whereRef("team_members.workspace_id", "=", "teams.workspace_id")
          .whereRef("team_members.team_id", "=", "teams.id")
          .as("member_ids"),
    ])
    .where("teams.workspace_id", "=", workspaceId);
  if (after) query = query.where("teams.id", ">", after);
  return query
    .orderBy("teams.id")
    .limit(limit + 1)
    .execute();
}

export function addTeamMember(db: Executor, workspaceId: string, teamId: string, userId: string) {
  return q(db)
    .insertInto("team_members")
    .values({ workspace_id: workspaceId, team_id: teamId, user_id: userId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function removeTeamMember(db: Executor, workspaceId: string, teamId: string, userId: string) {
  return q(db)
    .deleteFrom("team_members")
    .where("workspace_id", "=", workspaceId)
    .where("team_id", "=", teamId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

export function insertSession(db: Executor, row: SessionInsert) {
  return q(db).insertInto("sessions").values(row).execute();
}

/** A live session with its user and role, or undefined when unknown, expired or revoked. */
export function findLiveSession(db: Executor, tokenHash: string) {
  return q(db)
    .selectFrom("sessions")
    .innerJoin("memberships", (j) =>
      j
        .onRef("memberships.workspace_id", "=", "sessions.workspace_id")
        .onRef("memberships.user_id", "=", "sessions.user_id"),
    )
    .select(["sessions.workspace_id", "sessions.user_id", "sessions.last_seen_at", "memberships.role"])
    .where("sessions.token_hash", "=", tokenHash)
    .where("sessions.revoked_at", "is", null)
    .where("sessions.expires_at", ">", new Date())
    .executeTakeFirst();
}

export function touchSession(db: Executor, tokenHash: string, expiresAt: Date) {
  return q(db)
    .updateTable("sessions")
    .set({ last_seen_at: new Date(), expires_at: expiresAt })
    .where("token_hash", "=", tokenHash)
    .execute();
}

export function revokeSession(db: Executor, tokenHash: string) {
  return q(db).updateTable("sessions").set({ revoked_at: new Date() }).where("token_hash", "=", tokenHash).execute();
}

/** Revokes every live session of a user but the one kept (if any); returns how many. */
export async function revokeUserSessions(db: Executor, userId: string, keepTokenHash?: string) {
  let query = q(db)
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (keepTokenHash) query = query.where("token_hash", "!=", keepTokenHash);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export function insertApiToken(
  db: Executor,
  row: Omit<ApiTokenRow, "id" | "created_at" | "last_used_at" | "revoked_at">,
) {
  return q(db)
    .insertInto("api_tokens")
    .values({ id: uuidv7(), ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A live (not revoked) token by the hash of its secret. */
export function findLiveApiToken(db: Executor, tokenHash: string) {
  return q(db)
    .selectFrom("api_tokens")
    .select(["workspace_id", "id", "role", "last_used_at"])
    .where("token_hash", "=", tokenHash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

export function touchApiToken(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .updateTable("api_tokens")
    .set({ last_used_at: new Date() })
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .execute();
}

export function listApiTokens(db: Executor, workspaceId: string, after: string | undefined, limit: number) {
  let query = q(db).selectFrom("api_tokens").selectAll().where("workspace_id", "=", workspaceId);
  if (after) query = query.where("id", "<", after);
  return query
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

export function revokeApiToken(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .updateTable("api_tokens")
    .set({ revoked_at: new Date() })
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

export function findApiToken(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("api_tokens")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function insertAudit(db: Executor, row: Omit<AuditRow, "id" | "created_at">) {
  return q(db)
    .insertInto("audit_log")
    .values({ id: uuidv7(), ...row, details: JSON.stringify(row.details ?? {}) })
    .execute();
}

export function listAudit(
  db: Executor,
  workspaceId: string,
  filter: {
    after?: string | undefined;
    action?: string | undefined;
    objectType?: string | undefined;
    actorId?: string | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
  },
  limit: number,
) {
  let query = q(db).selectFrom("audit_log").selectAll().where("workspace_id", "=", workspaceId);
  if (filter.after) query = query.where("id", "<", filter.after);
  // `user.` matches every action of that family; a full name matches itself.
  if (filter.action?.endsWith("."))
    query = query.where("action", "like", `${filter.action.replace(/[\\%_]/g, "\\$&")}%`);
  else if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.from) query = query.where("created_at", ">=", filter.from);
  if (filter.to) query = query.where("created_at", "<", filter.to);
  if (filter.objectType) query = query.where("object_type", "=", filter.objectType);
  if (filter.actorId) query = query.where("actor_id", "=", filter.actorId);
  return query
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

/** Every team membership of a workspace (for routing). */
export function listTeamMemberships(db: Executor, workspaceId: string) {
  return q(db)
    .selectFrom("team_members")
    .select(["team_id", "user_id"])
    .where("workspace_id", "=", workspaceId)
    .execute();
}

/** The name of a member of a workspace (undefined when the user is not a member). */
export async function findMemberName(db: Executor, workspaceId: string, userId: string): Promise<string | undefined> {
  const row = await q(db)
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select("users.name")
    .where("memberships.workspace_id", "=", workspaceId)
    .where("memberships.user_id", "=", userId)
    .executeTakeFirst();
  return row?.name;
}
