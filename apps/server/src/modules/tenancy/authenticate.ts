import type { FastifyRequest } from "fastify";
import type { AppContext } from "../../platform/context.ts";
import { cookieValue } from "../../platform/cookies.ts";
import { hashToken } from "../../platform/crypto.ts";
import { AppError } from "../../platform/errors.ts";
import type { Handshake, RealtimeIdentity } from "../../platform/realtime.ts";
import type { Actor } from "./actor.ts";
import { cachesOf } from "./auth-cache.ts";
import { findLiveApiToken, findLiveSession, touchApiToken, touchSession } from "./repository.ts";

export const SESSION_COOKIE = "rapport_session";
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
const TOUCH_EVERY_MS = 60_000;

function unauthenticated(reason: string, message: string) {
  return new AppError("unauthenticated", reason, message);
}

/** The secret a request presents: `Authorization: Bearer` (an API token) or the session cookie; throws 401 without one. */
function credentialOf(request: FastifyRequest): { secret: string; isToken: boolean } {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw unauthenticated("authorization_malformed", "The Authorization header must be `Bearer <token>`.");
    return { secret: match[1], isToken: true };
  }
  const cookie = cookieValue(request.headers, SESSION_COOKIE);
  if (!cookie)
    throw unauthenticated("not_signed_in", "Sign in, or send an API token as `Authorization: Bearer <token>`.");
  return { secret: cookie, isToken: false };
}

/** Resolves the actor of a request from `Authorization: Bearer` or the session cookie, or throws 401. */
export function authenticate(ctx: Pick<AppContext, "database">, request: FastifyRequest): Promise<Actor> {
  const { secret, isToken } = credentialOf(request);
  return authenticateSecret(ctx, secret, isToken, request.ip);
}

/**
 * The actor of a request when this node resolved its credential lately and owes the database no touch — no
 * promise, no I/O; undefined otherwise (then call `authenticate`). Throws 401 for a missing or malformed credential.
 */
export function cachedActor(ctx: Pick<AppContext, "database">, request: FastifyRequest): Actor | undefined {
  const { secret } = credentialOf(request);
  const now = Date.now();
  const cached = cachesOf(ctx).actors.get(secret, now);
  if (!cached || now - cached.touchedAt > TOUCH_EVERY_MS) return undefined;
  return { ...cached.actor, ip: request.ip };
}

/** Authenticates realtime handshakes: `auth: { token }` (an API token) or the session cookie the browser sends. */
export function realtimeAuthenticator(ctx: Pick<AppContext, "database">) {
  return async (handshake: Handshake): Promise<RealtimeIdentity> => {
    const cookie = cookieValue(handshake.headers, SESSION_COOKIE);
    let actor: Actor;
    if (handshake.token) actor = await authenticateSecret(ctx, handshake.token, true, handshake.address);
    else if (cookie) actor = await authenticateSecret(ctx, cookie, false, handshake.address);
    else throw unauthenticated("not_signed_in", "Sign in, or pass an API token as `auth: { token }`.");
    return { workspaceId: actor.workspaceId, actorType: actor.type, actorId: actor.id };
  };
}

async function authenticateSecret(
  ctx: Pick<AppContext, "database">,
  secret: string,
  isToken: boolean,
  ip: string,
): Promise<Actor> {
  const { actors } = cachesOf(ctx);
  const now = Date.now();
  const cached = actors.get(secret, now);
  if (cached) {
    if (now - cached.touchedAt > TOUCH_EVERY_MS) {
      cached.touchedAt = now;
      await touch(ctx, cached.actor, cached.hash);
    }
    return { ...cached.actor, ip };
  }
  const { resolving } = cachesOf(ctx);
  let resolution = resolving.get(secret);
  if (!resolution) {
    const hash = hashToken(secret);
    const pending = (isToken ? resolveToken(ctx, hash) : resolveSession(ctx, hash)).then((actor) => {
      const entry = { actor, hash, touchedAt: now };
      // Not cached when the credentials were forgotten (revoked) while it was resolved.
      if (resolving.get(secret) === pending) actors.set(secret, entry, now);
      return entry;
    });
    resolution = pending.finally(() => {
      if (resolving.get(secret) === pending) resolving.delete(secret);
    });
    resolving.set(secret, pending);
  }
  return { ...(await resolution).actor, ip };
}

async function resolveToken(ctx: Pick<AppContext, "database">, hash: string): Promise<Actor> {
  const token = await findLiveApiToken(ctx.database.db, hash);
  if (!token) throw unauthenticated("token_invalid", "This API token is unknown or has been revoked.");
  const actor: Actor = { type: "token", id: token.id, workspaceId: token.workspace_id, role: token.role };
  if (!token.last_used_at || Date.now() - token.last_used_at.getTime() > TOUCH_EVERY_MS) await touch(ctx, actor, hash);
  return actor;
}

async function resolveSession(ctx: Pick<AppContext, "database">, hash: string): Promise<Actor> {
  const session = await findLiveSession(ctx.database.db, hash);
  if (!session) throw unauthenticated("session_expired", "Your session has expired or was ended. Sign in again.");
  const actor: Actor = {
    type: "user",
    id: session.user_id,
    workspaceId: session.workspace_id,
    role: session.role,
    sessionHash: hash,
  };
  if (Date.now() - session.last_seen_at.getTime() > TOUCH_EVERY_MS) await touch(ctx, actor, hash);
  return actor;
}

/** Records use: a token's last_used_at, or a session's sliding expiry. */
function touch(ctx: Pick<AppContext, "database">, actor: Omit<Actor, "ip">, hash: string) {
  return actor.type === "token"
    ? touchApiToken(ctx.database.db, actor.workspaceId, actor.id)
    : touchSession(ctx.database.db, hash, new Date(Date.now() + SESSION_TTL_MS));
}
