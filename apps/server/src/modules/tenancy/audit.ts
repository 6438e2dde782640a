import type { Executor } from "../../platform/db.ts";
import type { Actor } from "./actor.ts";
import { insertAudit } from "./repository.ts";

export type AuditEntry = {
  action: string;
  objectType?: string;
  objectId?: string;
  details?: Record<string, unknown>;
};

/** Appends an audit record for what an actor did, in the caller's transaction. */
export function recordAudit(
  db: Executor,
  actor: Actor | { type: "system"; workspaceId: string; ip?: string },
  entry: AuditEntry,
) {
  return insertAudit(db, {
    workspace_id: actor.workspaceId,
    actor_type: actor.type,
    actor_id: "id" in actor ? actor.id : null,
    action: entry.action,
    object_type: entry.objectType ?? null,
    object_id: entry.objectId ?? null,
    ip: actor.ip ?? null,
    details: entry.details ?? {},
  });
}
