import type { AppContext } from "../../../platform/context.ts";
import { hashToken, randomToken } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import type { Actor } from "../actor.ts";
import { recordAudit } from "../audit.ts";
import { forgetCredentials } from "../auth-cache.ts";
import { assertCanGrant, type Role } from "../policy.ts";
import { insertApiToken, revokeApiToken } from "../repository.ts";

export const TOKEN_PREFIX = "rpt_";

/** Creates an API token scoped to the workspace and a role; the secret is returned once and stored only hashed. */
export async function createApiToken(
  ctx: AppContext,
  actor: Actor | { type: "system"; workspaceId: string },
  input: { name: string; role: Role },
) {
  if (actor.type !== "system") assertCanGrant(actor.role, input.role);
  const token = randomToken(TOKEN_PREFIX, 32);
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await insertApiToken(tx, {
      workspace_id: actor.workspaceId,
      name: input.name,
      role: input.role,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      created_by: actor.type === "user" ? actor.id : null,
    });
    await recordAudit(tx, actor, {
      action: "api_token.created",
      objectType: "api_token",
      objectId: row.id,
      details: { role: input.role, name: input.name },
    });
    return { row, token };
  });
}

/** Revokes an API token of the actor's workspace; it stops working at once. */
export async function revokeToken(ctx: AppContext, actor: Actor, tokenId: string) {
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await revokeApiToken(tx, actor.workspaceId, tokenId);
    if (!row) throw new AppError("not_found", "token_not_found", "No live API token with this id in your workspace.");
    await recordAudit(tx, actor, { action: "api_token.revoked", objectType: "api_token", objectId: row.id });
    forgetCredentials(ctx, { hash: row.token_hash });
    return row;
  });
}
