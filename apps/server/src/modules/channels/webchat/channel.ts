import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { type ChannelRow, findChannelById } from "../repository.ts";
import { WebchatConfig } from "./config.ts";

export type WebchatChannel = { channel: ChannelRow; config: WebchatConfig; secret: string };

// Channel rows with their decrypted secret, for a minute: every widget request and socket needs them.
const cache = new TtlCache<string, WebchatChannel>(60_000, 5_000);
// Ids that are no usable web chat channel (another type, disabled, unknown), so a reply on any other channel
// or a request with a made-up id costs no query for a minute. A channel created or changed since is
// forgotten here too (forgetWebchatChannel).
const absent = new TtlCache<string, true>(60_000, 20_000);

/** Drops a channel's cached config and secret (after an admin changed them). */
export function forgetWebchatChannel(channelId: string): void {
  cache.delete(channelId);
  absent.delete(channelId);
}

/** An enabled web chat channel by id, whatever the workspace (the widget knows only the id); 404 otherwise. */
export async function loadWebchatChannel(ctx: AppContext, channelId: string): Promise<WebchatChannel> {
  const cached = cache.get(channelId);
  if (cached) return cached;
  const notFound = () => new AppError("not_found", "channel_not_found", "No such web chat channel.");
  if (absent.get(channelId)) throw notFound();
  const channel = await findChannelById(ctx.database.db, channelId);
  if (channel?.type !== "webchat" || channel.disabled_at || !channel.secrets_encrypted) {
    absent.set(channelId, true);
    throw notFound();
  }
  const loaded = {
    channel,
    config: WebchatConfig.parse(channel.config),
    secret: decryptSecret(ctx.secretKey, channel.secrets_encrypted),
  };
  cache.set(channelId, loaded);
  return loaded;
}
