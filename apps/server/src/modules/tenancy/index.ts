export type { Actor } from "./actor.ts";
/** Appends an audit-log record in the caller's transaction. */
export { recordAudit } from "./audit.ts";
/** Authenticates realtime handshakes (session cookie or API token); the session cookie's name. */
export { realtimeAuthenticator, SESSION_COOKIE } from "./authenticate.ts";
/** A route onRequest hook that authenticates and checks one permission; `actorOf` reads the result. */
export { actorOf, guard } from "./guard.ts";
/** Roles, permissions and the checks on them. */
export { can, PERMISSIONS, type Permission, ROLES, type Role } from "./policy.ts";
/**
 * Lookups: a workspace by id or slug, a member's role, a team, a user by email (undefined when absent), a page of
 * members, which of some user ids are members of a workspace, every workspace's time zone.
 */
export {
  findMemberName,
  findMembership,
  findTeam,
  findUserByEmail,
  findWorkspaceById,
  findWorkspaceBySlug,
  listMembers,
  listTeamMemberships,
  listWorkspaceTimezones,
  membersAmong,
} from "./repository.ts";
/** The tenancy HTTP routes. */
export { registerTenancyRoutes } from "./routes.ts";
/** Adds a person to a workspace with a role. */
export { addMember } from "./use-cases/add-member.ts";
/** Creates an API token (shown once). */
export { createApiToken } from "./use-cases/api-tokens.ts";
/** Creates a workspace. */
export { createWorkspace } from "./use-cases/create-workspace.ts";
/** Creates a team and sets its members. */
export { createTeam, setTeamMembership } from "./use-cases/teams.ts";
