/**
 * The email channel: one mailbox per channel, inbound by IMAP (a loop per mailbox in the worker role) or by
 * a forwarding webhook (`POST /webhooks/email/{channelId}` with the raw RFC 822 message), outbound replies
 * by SMTP through the engine's send job. See docs/email.md.
 */

import nodemailer from "nodemailer";
import { AppError } from "../../../platform/errors.ts";
import type { ChannelAdapter } from "../contract.ts";
import { configureEmail, EMAIL_SECRET_FIELDS, EmailPublicConfig, emailAccountOf } from "./config.ts";
import { imapClientOf } from "./imap.ts";
import { registerEmailRoutes } from "./routes.ts";
import { sendEmail, smtpOptionsOf } from "./send.ts";

export const emailChannel: ChannelAdapter = {
  type: "email",
  // Email has no reply window: a brand may answer whenever it wants.
  // A file reply (image or file) is an email with the file attached and its caption as the body.
  capabilities: { contentTypes: ["text", "image", "file"], ratePerSecond: 5, ratePerRecipientPerSecond: 1 },
  rateOf: (channel) => {
    const perMinute = EmailPublicConfig.safeParse(channel.config).data?.sendsPerMinute;
    return perMinute ? perMinute / 60 : undefined;
  },
  secretFields: EMAIL_SECRET_FIELDS,
  configure: (_ctx, input, current) => configureEmail(input, current),
  webhookPath: (channelId) => `/webhooks/email/${channelId}`,
  registerRoutes: registerEmailRoutes,

  async testConnection(ctx, channel) {
    const account = emailAccountOf(ctx, channel);
    const checked: string[] = [];
    if (account.config.smtpHost) {
      const transport = nodemailer.createTransport(smtpOptionsOf(account));
      try {
        await transport.verify();
        checked.push(`SMTP ${account.config.smtpHost}`);
      } catch (err) {
        throw new AppError("unprocessable", "email_smtp_failed", `SMTP check failed: ${(err as Error).message}`);
      } finally {
        transport.close();
      }
    }
    if (account.config.imapHost) {
      const client = imapClientOf(account);
      client.on("error", () => {});
      try {
        await client.connect();
        await client.mailboxOpen(account.config.imapFolder ?? "INBOX");
        checked.push(`IMAP ${account.config.imapHost}`);
      } catch (err) {
        throw new AppError("unprocessable", "email_imap_failed", `IMAP check failed: ${(err as Error).message}`);
      } finally {
        await client.logout().catch(() => {});
        client.close();
      }
    }
    return { detail: checked.length ? `Connected to ${checked.join(" and ")}.` : "Webhook-only mailbox." };
  },

  send: (ctx, channel, message, recipient) => sendEmail(ctx, channel, message, recipient),
};
