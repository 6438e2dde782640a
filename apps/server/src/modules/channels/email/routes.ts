import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { safeEqual } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { actorOf, guard } from "../../tenancy/index.ts";
import { findChannelById } from "../repository.ts";
import { emailAccountOf } from "./config.ts";
import { ingestEmail } from "./ingest.ts";
import { eq, findEmailByRapportMessage, listAttachments } from "./repository.ts";

/** The largest raw email the webhook accepts (a 25 MB attachment grows by a third in base64). */
export const EMAIL_BODY_LIMIT = 40 * 1024 * 1024;
export const EMAIL_SECRET_HEADER = "x-rapport-email-secret";

const unknownChannel = () => new AppError("not_found", "channel_not_found", "No such email channel.");

/** Registers the email routes: the forwarding webhook, and the API reading an email's source and attachments. */
export function registerEmailRoutes(app: HttpApp, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: EMAIL_BODY_LIMIT }, (_req, body, done) => {
      done(null, body);
    });
    scope.post<{ Params: { channelId: string }; Querystring: { secret?: unknown } }>(
      "/webhooks/email/:channelId",
      { schema: { hide: true }, bodyLimit: EMAIL_BODY_LIMIT },
      async (request, reply) => {
        const { channelId } = request.params;
        if (!z.uuid().safeParse(channelId).success) throw unknownChannel();
        const channel = await findChannelById(ctx.database.db, channelId);
        if (channel?.type !== "email" || channel.disabled_at) throw unknownChannel();
        const header = request.headers[EMAIL_SECRET_HEADER];
        const given =
          typeof header === "string" ? header : typeof request.query.secret === "string" ? request.query.secret : "";
        const { secrets } = emailAccountOf(ctx, channel);
        if (!given || !safeEqual(given, secrets.webhookSecret)) {
          throw new AppError(
            "unauthenticated",
            "email_webhook_secret_invalid",
            "Missing or wrong email webhook secret.",
          );
        }
        const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
        if (!raw || raw.length === 0) {
          throw new AppError("invalid", "email_empty", "Send the raw RFC 822 message as the request body.");
        }
        const result = await ingestEmail(ctx, channel, raw);
        return reply.code(202).send(result);
      },
    );
  });

  const tags = { tags: ["channels"] };
  app.get(
    "/api/v1/email/messages/:messageId",
    {
      schema: { ...tags, params: z.strictObject({ messageId: z.uuid() }) },
      onRequest: guard(ctx, "cases.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const email = await findEmailByRapportMessage(ctx.database.db, ws, request.params.messageId);
      if (!email) throw new AppError("not_found", "email_not_found", "No email behind this message in your workspace.");
      const attachments = await listAttachments(
        ctx.database.db,
        { workspaceId: ws, channelId: email.channel_id },
        email.message_id,
      );
      return {
        messageId: email.message_id,
        channelId: email.channel_id,
        direction: email.direction,
        subject: email.subject,
        from: email.from_address,
        flags: email.flags,
        parseError: email.parse_error,
        rawSize: email.raw?.length ?? null,
        attachments: attachments.map((a) => ({
          id: a.id,
          filename: a.filename,
          contentType: a.content_type,
          contentId: a.content_id,
          inline: a.inline,
          size: a.size,
        })),
      };
    },
  );

  app.get(
    "/api/v1/email/messages/:messageId/raw",
    {
      schema: { ...tags, params: z.strictObject({ messageId: z.uuid() }) },
      onRequest: guard(ctx, "cases.read"),
    },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const email = await findEmailByRapportMessage(ctx.database.db, ws, request.params.messageId);
      if (!email?.raw) throw new AppError("not_found", "email_not_found", "No email source behind this message.");
      // Served as text, never rendered: the source is untrusted.
      return reply
        .header("content-type", "text/plain; charset=utf-8")
        .header("x-content-type-options", "nosniff")
        .header("content-disposition", 'inline; filename="message.eml"')
        .send(Buffer.from(email.raw));
    },
  );

  app.get(
    "/api/v1/email/attachments/:id",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "cases.read") },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const a = await eq(ctx.database.db)
        .selectFrom("email_attachments")
        .selectAll()
        .where("workspace_id", "=", ws)
        .where("id", "=", request.params.id)
        .executeTakeFirst();
      if (!a) throw new AppError("not_found", "attachment_not_found", "No such attachment in your workspace.");
      const image = /^image\/(png|gif|jpeg|webp)$/i.test(a.content_type);
      const name = (a.filename ?? "attachment").replace(/["\\\r\n]/g, "_");
      return reply
        .header("content-type", image ? a.content_type : "application/octet-stream")
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "sandbox; default-src 'none'")
        .header(
          "content-disposition",
          `${image ? "inline" : "attachment"}; filename="${name.replace(/[^\x20-\x7e]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        )
        .send(Buffer.from(a.content));
    },
  );
}
