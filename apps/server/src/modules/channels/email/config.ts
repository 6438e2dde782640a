/**
 * An email channel's configuration: one mailbox, read by IMAP and/or a forwarding webhook, written by SMTP.
 * Passwords and the webhook secret are write-only (encrypted at rest, never returned).
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret, randomToken } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { parseConfig } from "../config.ts";
import type { ConfiguredChannel, CurrentConfig } from "../contract.ts";
import type { ChannelRow } from "../repository.ts";

const host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "must be a host name or IP address");
const port = z.number().int().min(1).max(65_535);

/** The public part of an email channel's config, stored in `channels.config` and shown. */
export const EmailPublicConfig = z.strictObject({
  /** The mailbox address customers write to; replies are sent from it. */
  fromAddress: z.email().max(320),
  /** The name shown beside the address when no agent name is known (agent replies read "Ann via <fromName>"). */
  fromName: z.string().trim().max(100).optional(),
  /** Appended to every reply (plain text; rendered with line breaks in the HTML part). */
  signature: z.string().max(2000).optional(),
  imapHost: host.optional(),
  imapPort: port.optional(),
  imapUser: z.string().max(320).optional(),
  /** Implicit TLS (port 993); when false, STARTTLS is used if the server offers it. */
  imapTls: z.boolean().optional(),
  imapFolder: z.string().min(1).max(200).optional(),
  /** Seconds between polls when the server does not wake us with IDLE. */
  imapPollSeconds: z.number().min(0.2).max(3600).optional(),
  smtpHost: host.optional(),
  smtpPort: port.optional(),
  smtpUser: z.string().max(320).optional(),
  /** Implicit TLS (port 465); when false, STARTTLS is used if the server offers it. */
  smtpTls: z.boolean().optional(),
  /**
   * Replies sent per minute from this mailbox at most (each worker process keeps to it): providers cap
   * sending (Gmail, Microsoft 365 and most relays per minute or per day). Default 300 (5 a second).
   */
  sendsPerMinute: z.number().int().min(1).max(6000).optional(),
  /** Accept self-signed server certificates (a private relay): an admin decision. */
  tlsAllowSelfSigned: z.boolean().optional(),
  /** Lets the IMAP/SMTP hosts be private or loopback addresses: an admin decision. */
  allowPrivateNetwork: z.boolean().optional(),
});
export type EmailPublicConfig = z.infer<typeof EmailPublicConfig>;

/** The write-only part, encrypted at rest in `channels.secrets_encrypted`. */
export const EmailSecrets = z.object({
  imapPassword: z.string().max(1000).optional(),
  smtpPassword: z.string().max(1000).optional(),
  /** Authenticates `POST /webhooks/email/{channelId}` (header `x-rapport-email-secret` or `?secret=`). */
  webhookSecret: z.string().min(16).max(200),
});
export type EmailSecrets = z.infer<typeof EmailSecrets>;

export const EMAIL_SECRET_FIELDS = ["imapPassword", "smtpPassword", "webhookSecret"] as const;

const SecretsInput = z.strictObject({
  imapPassword: z.string().max(1000).optional(),
  smtpPassword: z.string().max(1000).optional(),
  webhookSecret: z.string().min(16).max(200).optional(),
});

/** A mailbox with its secrets opened, as the IMAP loop, the SMTP sender and the webhook use it. */
export type EmailAccount = { channel: ChannelRow; config: EmailPublicConfig; secrets: EmailSecrets };

/** Validates an email config (or a patch over the current one) and splits the secrets off. */
export async function configureEmail(
  input: Record<string, unknown>,
  current?: CurrentConfig,
): Promise<ConfiguredChannel> {
  const secretInput: Record<string, unknown> = {};
  const publicInput: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((EMAIL_SECRET_FIELDS as readonly string[]).includes(key)) secretInput[key] = value;
    else publicInput[key] = value;
  }
  const previous = current ? EmailSecrets.parse(JSON.parse(current.secrets ?? "{}")) : undefined;
  const config = parseConfig(EmailPublicConfig, {
    ...((current?.config as Record<string, unknown> | undefined) ?? {}),
    ...publicInput,
  });
  const newSecrets = parseConfig(SecretsInput, secretInput);
  for (const prefix of ["imap", "smtp"] as const) {
    const h = config[`${prefix}Host`];
    if (h) await assertOutboundUrl(`https://${h.includes(":") ? `[${h}]` : h}/`, config.allowPrivateNetwork === true);
  }
  if (config.imapHost && !config.imapUser) {
    throw new AppError("invalid", "channel_config_invalid", "config.imapUser: required with imapHost", {
      field: "config.imapUser",
    });
  }
  const generated = previous?.webhookSecret ? undefined : randomToken("whsec_");
  const secrets: EmailSecrets = {
    ...previous,
    ...newSecrets,
    webhookSecret: newSecrets.webhookSecret ?? previous?.webhookSecret ?? (generated as string),
  };
  return {
    config,
    secrets: JSON.stringify(secrets),
    shownOnce: generated ? { webhookSecret: generated } : undefined,
  };
}

/** The mailbox of a channel row, secrets decrypted. */
export function emailAccountOf(ctx: AppContext, channel: ChannelRow): EmailAccount {
  const config = EmailPublicConfig.parse(channel.config);
  const secrets = EmailSecrets.parse(
    JSON.parse(channel.secrets_encrypted ? decryptSecret(ctx.secretKey, channel.secrets_encrypted) : "{}"),
  );
  return { channel, config, secrets };
}
