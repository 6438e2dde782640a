import type { FastifyRequest, onRequestHookHandler } from "fastify";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { Actor } from "./actor.ts";
import { authenticate, cachedActor } from "./authenticate.ts";
import { assertCan, type Permission } from "./policy.ts";

const ACTOR = Symbol("actor");
type WithActor = FastifyRequest & { [ACTOR]?: Actor };

/**
 * An onRequest hook that authenticates the request and checks one permission; every API route uses one.
 * A credential this node resolved lately is checked synchronously (no promise on the hot path).
 */
export function guard(ctx: AppContext, permission: Permission): onRequestHookHandler {
  return (request, _reply, done) => {
    let actor: Actor | undefined;
    try {
      actor = cachedActor(ctx, request);
      if (actor) {
        assertCan(actor.role, permission);
        (request as WithActor)[ACTOR] = actor;
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    if (actor) {
      done();
      return;
    }
    authenticate(ctx, request).then((resolved) => {
      try {
        assertCan(resolved.role, permission);
        (request as WithActor)[ACTOR] = resolved;
        done();
      } catch (err) {
        done(err as Error);
      }
    }, done);
  };
}

/** The actor a guard resolved for this request. */
export function actorOf(request: FastifyRequest): Actor {
  const actor = (request as WithActor)[ACTOR];
  if (!actor) throw new AppError("internal", "route_unguarded", "This route has no guard.");
  return actor;
}
