import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import { encryptSecret, randomToken } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { type Actor, recordAudit } from "../../tenancy/index.ts";
import { adapterOf } from "../adapters.ts";
import { ApiChannelConfig } from "../api-channel.ts";
import { type ChannelRow, q } from "../repository.ts";

/** Creates a channel account; for `api` channels, returns the webhook signing secret (shown once). */
export async function createChannel(
  ctx: AppContext,
  actor: Actor,
  input: { type: string; name: string; config?: Record<string, unknown> | undefined },
): Promise<{ channel: ChannelRow; webhookSecret: string }> {
  adapterOf(input.type);
  const parsed = ApiChannelConfig.safeParse(input.config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("invalid", "channel_config_invalid", `config.${issue?.path.join(".")}: ${issue?.message}`, {
      field: `config.${issue?.path.join(".")}`,
    });
  }
  if (parsed.data.webhookUrl) await assertOutboundUrl(parsed.data.webhookUrl, parsed.data.allowPrivateNetwork === true);
  const webhookSecret = randomToken("whsec_");
  const channel = await ctx.database.db.transaction().execute(async (tx) => {
    const row = await q(tx)
      .insertInto("channels")
      .values({
        workspace_id: actor.workspaceId,
        id: uuidv7(),
        type: input.type,
        name: input.name,
        config: JSON.stringify(parsed.data),
        secrets_encrypted: encryptSecret(ctx.secretKey, webhookSecret),
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
  return { channel, webhookSecret };
}
