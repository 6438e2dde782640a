import type { FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { Actor } from "./actor.ts";
import { authenticate } from "./authenticate.ts";
import { assertCan, type Permission } from "./policy.ts";

const ACTOR = Symbol("actor");
type WithActor = FastifyRequest & { [ACTOR]?: Actor };

/** An onRequest hook that authenticates the request and checks one permission; every API route uses one. */
export function guard(ctx: AppContext, permission: Permission): onRequestAsyncHookHandler {
  return async (request) => {
    const actor = await authenticate(ctx, request);
    assertCan(actor.role, permission);
    (request as WithActor)[ACTOR] = actor;
  };
}

/** The actor a guard resolved for this request. */
export function actorOf(request: FastifyRequest): Actor {
  const actor = (request as WithActor)[ACTOR];
  if (!actor) throw new AppError("internal", "route_unguarded", "This route has no guard.");
  return actor;
}
