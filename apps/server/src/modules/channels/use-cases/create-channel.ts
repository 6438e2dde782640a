import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret, encryptSecret } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { type Actor, recordAudit } from "../../tenancy/index.ts";
import { adapterOf } from "../adapters.ts";
import { type ChannelRow, findChannel, q } from "../repository.ts";

/**
 * Creates a channel account with its adapter's config rules: secrets split off and encrypted at rest,
 * values to show once (the api channel's webhook signing secret) returned beside the row.
 */
export async function createChannel(
  ctx: AppContext,
  actor: Actor,
  input: { type: string; name: string; config?: Record<string, unknown> | undefined },
): Promise<{ channel: ChannelRow; shownOnce: Record<string, string> }> {
  const adapter = adapterOf(input.type);
  const configured = await adapter.configure(ctx, input.config ?? {});
  const channel = await ctx.database.db.transaction().execute(async (tx) => {
    const row = await q(tx)
      .insertInto("channels")
      .values({
        workspace_id: actor.workspaceId,
        id: uuidv7(),
        type: input.type,
        name: input.name,
        config: JSON.stringify(configured.config),
        secrets_encrypted: configured.secrets === null ? null : encryptSecret(ctx.secretKey, configured.secrets),
        disabled_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, actor, {
      action: "channel.created",
      objectType: "channel",
      objectId: row.id,
      details: { type: row.type, name: row.name },
    });
    return row;
  });
  return { channel, shownOnce: configured.shownOnce ?? {} };
}

/** Renames a channel or changes its config (a patch over the current one; secrets rotate, never show). */
export async function updateChannel(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { name?: string | undefined; config?: Record<string, unknown> | undefined },
): Promise<ChannelRow> {
  return ctx.database.db.transaction().execute(async (tx) => {
    const current = await findChannel(tx, actor.workspaceId, id);
    if (!current) throw new AppError("not_found", "channel_not_found", "No such channel in your workspace.");
    const adapter = adapterOf(current.type);
    let config = current.config;
    let secrets = current.secrets_encrypted;
    const changed: string[] = [];
    if (input.config) {
      const configured = await adapter.configure(ctx, input.config, {
        config: current.config,
        secrets: current.secrets_encrypted ? decryptSecret(ctx.secretKey, current.secrets_encrypted) : null,
      });
      config = configured.config;
      secrets = configured.secrets === null ? null : encryptSecret(ctx.secretKey, configured.secrets);
      // Field names only: a secret's value never reaches the audit log.
      changed.push(...Object.keys(input.config).map((k) => `config.${k}`));
    }
    if (input.name !== undefined) changed.push("name");
    const row = await q(tx)
      .updateTable("channels")
      .set({ name: input.name ?? current.name, config: JSON.stringify(config), secrets_encrypted: secrets })
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, actor, {
      action: "channel.updated",
      objectType: "channel",
      objectId: id,
      details: { changed },
    });
    return row;
  });
}
