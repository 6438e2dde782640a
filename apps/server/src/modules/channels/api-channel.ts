/**
 * The `api` channel: customer messages come in through our REST API (`POST /api/v1/channels/{id}/inbound`)
 * and replies go out as signed webhooks to the URL the channel names. It makes the engine complete and
 * testable without any platform, and connects systems Rapport has no adapter for.
 */
import { createHmac } from "node:crypto";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import { decryptSecret, randomToken } from "../../platform/crypto.ts";
import { assertOutboundUrl } from "../../platform/net.ts";
import { parseConfig } from "./config.ts";
import { type ChannelAdapter, ChannelSendError } from "./contract.ts";
import { q } from "./repository.ts";

export const ApiChannelConfig = z.strictObject({
  webhookUrl: z.url().max(2000).optional(),
  /** Lets the webhook reach private or loopback addresses (an admin decision). */
  allowPrivateNetwork: z.boolean().optional(),
  /** How long a webhook call may take before it counts as failed and is retried (default 10 s). */
  timeoutMs: z.number().int().min(500).max(30_000).optional(),
});
export type ApiChannelConfig = z.infer<typeof ApiChannelConfig>;

const From = z.strictObject({
  externalId: z.string().trim().min(1).max(200),
  name: z.string().trim().max(200).optional(),
  email: z.string().trim().max(320).optional(),
  phone: z.string().trim().max(50).optional(),
});

export const ApiInboundMessage = z
  .strictObject({
    externalMessageId: z.string().trim().min(1).max(200),
    from: From,
    text: z.string().max(20_000).optional(),
    content: z
      .looseObject({
        type: z
          .string()
          .regex(/^[a-z][a-z-]*$/)
          .max(30),
      })
      .optional(),
    sentAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((m) => m.text !== undefined || m.content !== undefined, {
    message: "Send text or content.",
    path: ["text"],
  });
export type ApiInboundMessage = z.infer<typeof ApiInboundMessage>;

export const ApiInboundBody = z.union([
  ApiInboundMessage,
  z.strictObject({ messages: z.array(ApiInboundMessage).min(1).max(500) }),
]);

/** The signature header of a webhook: `sha256=<hex HMAC-SHA256 of the raw body with the channel's secret>`. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const CONTENT_TYPES = ["text", "image", "file", "link", "location", "card", "quick-replies", "template"] as const;

export const apiChannel: ChannelAdapter = {
  type: "api",
  capabilities: { contentTypes: CONTENT_TYPES, ratePerSecond: 50 },
  secretFields: [],

  async configure(_ctx, input, current) {
    const merged = current ? { ...(current.config as Record<string, unknown>), ...input } : input;
    const config = parseConfig(ApiChannelConfig, merged);
    if (config.webhookUrl) await assertOutboundUrl(config.webhookUrl, config.allowPrivateNetwork === true);
    if (current) return { config, secrets: current.secrets };
    const webhookSecret = randomToken("whsec_");
    return { config, secrets: webhookSecret, shownOnce: { webhookSecret } };
  },

  async send(ctx, channel, message, recipient, attempt) {
    const config = ApiChannelConfig.parse(channel.config);
    const timeoutMs = config.timeoutMs ?? 10_000;
    if (!config.webhookUrl) {
      throw new ChannelSendError("This api channel has no webhookUrl to deliver replies to.", true);
    }
    let url: URL;
    try {
      url = await assertOutboundUrl(config.webhookUrl, config.allowPrivateNetwork === true);
    } catch (err) {
      throw new ChannelSendError((err as Error).message, true);
    }
    const secret = channel.secrets_encrypted ? decryptSecret(ctx.secretKey, channel.secrets_encrypted) : "";
    const body = JSON.stringify({
      event: "message.outbound",
      deliveryAttempt: attempt,
      message: {
        id: message.id,
        caseId: message.case_id,
        type: message.type,
        text: message.text,
        content: message.content,
        createdAt: message.created_at.toISOString(),
      },
      recipient,
    });
    let status: number | null = null;
    let error: string | null = null;
    let platformMessageId: string | undefined;
    try {
      const res = await fetch(url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          "content-type": "application/json",
          "user-agent": "Rapport-Webhook/1",
          "idempotency-key": message.id,
          "x-rapport-channel": channel.id,
          "x-rapport-signature": signWebhook(secret, body),
        },
        body,
      });
      status = res.status;
      const text = (await res.text()).slice(0, 10_000);
      if (res.ok) {
        try {
          const parsed = JSON.parse(text) as { id?: unknown };
          if (typeof parsed.id === "string") platformMessageId = parsed.id.slice(0, 200);
        } catch {
          // A body that is not JSON is fine: the platform message id is optional.
        }
      } else {
        error = `webhook answered ${res.status}`;
      }
    } catch (err) {
      error =
        err instanceof Error && err.name === "TimeoutError" ? `webhook timed out after ${timeoutMs} ms` : String(err);
    }
    await q(ctx.database.db)
      .insertInto("webhook_deliveries")
      .values({
        workspace_id: channel.workspace_id,
        id: uuidv7(),
        channel_id: channel.id,
        message_id: message.id,
        attempt,
        status_code: status,
        error,
      })
      .execute();
    if (error) {
      const permanent = status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
      throw new ChannelSendError(error, permanent);
    }
    return { platformMessageId };
  },
};
