import type { AppContext } from "../../platform/context.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import type { Actor } from "./actor.ts";
import type { WorkspaceRow } from "./repository.ts";

/** How long this node trusts a resolved credential or workspace row without asking the database (ADR 0005). */
export const AUTH_CACHE_TTL_MS = 5_000;

/** Keyed by the presented secret (so a hit costs no hashing); the hash lets revocation find it. */
type CachedActor = { actor: Omit<Actor, "ip">; hash: string; touchedAt: number };
type Caches = {
  actors: TtlCache<string, CachedActor>;
  workspaces: TtlCache<string, WorkspaceRow>;
  /** Resolutions under way, by secret: concurrent requests with one credential share one lookup (and touch). */
  resolving: Map<string, Promise<CachedActor>>;
};

const byDatabase = new WeakMap<object, Caches>();

/** The credential and workspace caches of one database (one per process and database). */
export function cachesOf(ctx: Pick<AppContext, "database">): Caches {
  let caches = byDatabase.get(ctx.database);
  if (!caches) {
    caches = {
      actors: new TtlCache(AUTH_CACHE_TTL_MS, 50_000),
      workspaces: new TtlCache(AUTH_CACHE_TTL_MS, 5_000),
      resolving: new Map(),
    };
    byDatabase.set(ctx.database, caches);
  }
  return caches;
}

/** Forgets cached credentials on this node: one token or session hash, every session of a user, or everything. */
export function forgetCredentials(ctx: Pick<AppContext, "database">, which: { hash?: string; userId?: string }) {
  const { actors, resolving } = cachesOf(ctx);
  // A resolution under way may have read the credential before it was revoked: let it not be cached.
  resolving.clear();
  if (which.hash) actors.deleteWhere((c) => c.hash === which.hash);
  if (which.userId) actors.deleteWhere((c) => c.actor.type === "user" && c.actor.id === which.userId);
}
