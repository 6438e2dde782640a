import { AppError } from "../../platform/errors.ts";

/** The roles of a workspace member or API token, most powerful first. */
export const ROLES = ["owner", "admin", "supervisor", "agent", "analyst"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { owner: 5, admin: 4, supervisor: 3, agent: 2, analyst: 1 };
const ALL: readonly Role[] = ROLES;
const ADMINS: readonly Role[] = ["owner", "admin"];

/** Which roles may do what; every route names one of these. */
export const PERMISSIONS = {
  "me.read": ALL,
  "workspace.read": ALL,
  "workspace.update": ADMINS,
  "users.read": ALL,
  "users.manage": ADMINS,
  "teams.read": ALL,
  "teams.manage": ["owner", "admin", "supervisor"],
  "tokens.manage": ADMINS,
  "audit.read": ADMINS,
  "jobs.read": ADMINS,
  "jobs.manage": ADMINS,
  "cases.read": ALL,
  "cases.write": ["owner", "admin", "supervisor", "agent"],
  "messages.send": ["owner", "admin", "supervisor", "agent"],
  /** Shared quick replies, macros, approval rules and checklists of cases. */
  "cases.configure": ["owner", "admin", "supervisor"],
  "channels.read": ALL,
  "channels.manage": ADMINS,
  "channels.inbound": ["owner", "admin", "supervisor", "agent"],
  "routing.read": ALL,
  "routing.manage": ["owner", "admin", "supervisor"],
  "presence.update": ["owner", "admin", "supervisor", "agent"],
  "automation.read": ALL,
  "automation.manage": ["owner", "admin", "supervisor"],
  "knowledge.read": ALL,
  "knowledge.manage": ["owner", "admin", "supervisor"],
  "contacts.read": ALL,
  "contacts.write": ["owner", "admin", "supervisor", "agent"],
  "contacts.merge": ["owner", "admin", "supervisor", "agent"],
  "contacts.configure": ADMINS,
  "contacts.export": ADMINS,
  "contacts.erase": ADMINS,
  "contacts.import": ADMINS,
  "orders.write": ["owner", "admin", "supervisor", "agent"],
  "events.write": ["owner", "admin", "supervisor", "agent"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** True when the role holds the permission. */
export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** Throws forbidden unless the role holds the permission. */
export function assertCan(role: Role, permission: Permission): void {
  if (!can(role, permission)) {
    throw new AppError("forbidden", "permission_denied", `Your role (${role}) may not do this (${permission}).`, {
      permission,
    });
  }
}

/** Throws forbidden when an actor tries to grant a role above its own. */
export function assertCanGrant(actorRole: Role, role: Role): void {
  if (RANK[role] > RANK[actorRole] || (role === "owner" && actorRole !== "owner")) {
    throw new AppError("forbidden", "role_too_high", `A ${actorRole} cannot grant the ${role} role.`, { role });
  }
}
