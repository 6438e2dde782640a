import type { Role } from "./policy.ts";
import type { ApiTokenRow, AuditRow, UserRow, WorkspaceRow } from "./repository.ts";

export const presentUser = (u: Pick<UserRow, "id" | "email" | "name">) => ({ id: u.id, email: u.email, name: u.name });

export const presentWorkspace = (w: WorkspaceRow) => ({
  id: w.id,
  slug: w.slug,
  name: w.name,
  defaultLocale: w.default_locale,
  timezone: w.timezone,
});

export const presentMember = (m: { id: string; email: string; name: string; role: Role; created_at: Date }) => ({
  ...presentUser(m),
  role: m.role,
  joinedAt: m.created_at.toISOString(),
});

/** A token without its secret or hash: only the prefix that helps a person recognise it. */
export const presentApiToken = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  prefix: t.token_prefix,
  createdAt: t.created_at.toISOString(),
  lastUsedAt: t.last_used_at?.toISOString() ?? null,
  revokedAt: t.revoked_at?.toISOString() ?? null,
});

export const presentAudit = (a: AuditRow) => ({
  id: a.id,
  actorType: a.actor_type,
  actorId: a.actor_id,
  action: a.action,
  objectType: a.object_type,
  objectId: a.object_id,
  ip: a.ip,
  details: a.details,
  createdAt: a.created_at.toISOString(),
});
