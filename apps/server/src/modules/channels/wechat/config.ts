import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { parseConfig } from "../config.ts";
import type { ConfiguredChannel, CurrentConfig } from "../contract.ts";
import { type ChannelRow, findChannel } from "../repository.ts";
import { aesKeyOf, ENCODING_AES_KEY_RULE } from "./crypto.ts";

export const DEFAULT_API_BASE_URL = "https://api.weixin.qq.com";

const EncodingAesKey = z.string().regex(/^[A-Za-z0-9]{43}$/, `must be ${ENCODING_AES_KEY_RULE}`);

/** What an admin sends to create (or patch) a WeChat Official Account channel. */
export const WechatConfigInput = z.strictObject({
  appId: z.string().regex(/^wx[0-9A-Za-z]{16}$/, 'must be the AppID: "wx" followed by 16 letters or digits'),
  appSecret: z
    .string()
    .regex(/^[0-9A-Za-z]{16,64}$/, "must be the AppSecret from the WeChat console (letters and digits)"),
  token: z.string().regex(/^[0-9A-Za-z]{3,32}$/, "must be 3–32 letters or digits, the Token set in the WeChat console"),
  encodingAesKey: EncodingAesKey.optional(),
  messageMode: z.enum(["plain", "compat", "safe"]).default("safe"),
  apiBaseUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .default(DEFAULT_API_BASE_URL),
  maxClockSkewSeconds: z.number().int().min(0).max(86_400).default(300),
  /** The account's original id (gh_…), to check ToUserName; optional. */
  originalId: z
    .string()
    .regex(/^gh_[0-9a-f]{6,}$/, 'must be the original id, "gh_" followed by hex digits')
    .optional(),
  /** The kf account replies are sent as when the agent has none (e.g. `service@gh_xxx`). */
  kfAccount: z.string().min(3).max(100).optional(),
  /** Lets apiBaseUrl point at a private or loopback address (a local fake, a proxy): an admin decision. */
  allowPrivateNetwork: z.boolean().optional(),
});

/** The public part of a WeChat channel's config, stored in `channels.config` and shown. */
export const WechatPublicConfig = z.object({
  appId: z.string(),
  messageMode: z.enum(["plain", "compat", "safe"]),
  apiBaseUrl: z.string(),
  maxClockSkewSeconds: z.number().int(),
  originalId: z.string().optional(),
  kfAccount: z.string().optional(),
  allowPrivateNetwork: z.boolean().optional(),
});
export type WechatPublicConfig = z.infer<typeof WechatPublicConfig>;

/** The write-only part, encrypted at rest in `channels.secrets_encrypted`. */
export const WechatSecrets = z.object({
  appSecret: z.string(),
  token: z.string(),
  encodingAesKey: z.string().optional(),
  /** The key before the last rotation: tried when the current one cannot decrypt (§2.3). */
  previousEncodingAesKey: z.string().optional(),
});
export type WechatSecrets = z.infer<typeof WechatSecrets>;

export const WECHAT_SECRET_FIELDS = ["appSecret", "token", "encodingAesKey"] as const;

/** Validates a WeChat config (or a patch over the current one) and splits the secrets off. */
export async function configureWechat(
  input: Record<string, unknown>,
  current?: CurrentConfig,
): Promise<ConfiguredChannel> {
  let merged = input;
  let previousSecrets: WechatSecrets | undefined;
  if (current) {
    previousSecrets = WechatSecrets.parse(JSON.parse(current.secrets ?? "{}"));
    const { previousEncodingAesKey: _dropped, ...writable } = previousSecrets;
    merged = { ...(current.config as Record<string, unknown>), ...writable, ...input };
  }
  const parsed = parseConfig(WechatConfigInput, merged);
  if (parsed.messageMode !== "plain" && !parsed.encodingAesKey) {
    throw new AppError(
      "invalid",
      "channel_config_invalid",
      `config.encodingAesKey: required in ${parsed.messageMode} mode; it must be ${ENCODING_AES_KEY_RULE}.`,
      { field: "config.encodingAesKey" },
    );
  }
  // The official host needs no check (and may not resolve where the admin configures it); any other is
  // checked like every outbound URL: no private or loopback address unless an admin allowed it.
  if (parsed.apiBaseUrl !== DEFAULT_API_BASE_URL) {
    try {
      await assertOutboundUrl(parsed.apiBaseUrl, parsed.allowPrivateNetwork === true);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(
        "invalid",
        "url_unresolvable",
        `config.apiBaseUrl: the host ${new URL(parsed.apiBaseUrl).hostname} does not resolve.`,
        {
          field: "config.apiBaseUrl",
        },
      );
    }
  }
  const { appSecret, token, encodingAesKey, ...config } = parsed;
  const secrets: WechatSecrets = { appSecret, token, encodingAesKey };
  const oldKey = previousSecrets?.encodingAesKey;
  if (oldKey && encodingAesKey !== oldKey) secrets.previousEncodingAesKey = oldKey;
  else if (previousSecrets?.previousEncodingAesKey)
    secrets.previousEncodingAesKey = previousSecrets.previousEncodingAesKey;
  return { config, secrets: JSON.stringify(secrets) };
}

/** A WeChat channel's config and secrets, decoded (AES keys: current first, then the previous one). */
export type WechatAccount = {
  channel: ChannelRow;
  config: WechatPublicConfig;
  secrets: WechatSecrets;
  aesKeys: Buffer[];
};

/** Decodes a WeChat channel row (decrypts its secrets). */
export function wechatAccountOf(ctx: AppContext, channel: ChannelRow): WechatAccount {
  const config = WechatPublicConfig.parse(channel.config);
  const secrets = WechatSecrets.parse(
    JSON.parse(channel.secrets_encrypted ? decryptSecret(ctx.secretKey, channel.secrets_encrypted) : "{}"),
  );
  const aesKeys = [secrets.encodingAesKey, secrets.previousEncodingAesKey]
    .filter((k): k is string => Boolean(k))
    .map(aesKeyOf);
  return { channel, config, secrets, aesKeys };
}

/** The WeChat channel `id` of a workspace, decoded; 404 when the workspace has no such WeChat channel. */
export async function findWechatAccount(ctx: AppContext, workspaceId: string, id: string): Promise<WechatAccount> {
  const channel = await findChannel(ctx.database.db, workspaceId, id);
  if (channel?.type !== "wechat") {
    throw new AppError("not_found", "channel_not_found", "No such WeChat channel in your workspace.");
  }
  return wechatAccountOf(ctx, channel);
}
