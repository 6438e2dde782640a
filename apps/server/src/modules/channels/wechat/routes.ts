import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { actorOf, guard } from "../../tenancy/index.ts";
import { findChannel } from "../repository.ts";
import { wechatAccountOf } from "./config.ts";
import { registerFollowerRoutes } from "./followers.ts";
import { registerKfRoutes } from "./kf.ts";
import { registerMediaRoutes } from "./media.ts";
import { registerMenuRoutes } from "./menus.ts";
import { registerOAuthRoutes } from "./oauth-routes.ts";
import { CreateQrCodeSchema, createQrCode, fetchQrImage, presentQrCode } from "./qr-codes.ts";
import { wq } from "./repository.ts";
import { registerTagRoutes } from "./tags.ts";
import { registerTemplateRoutes } from "./templates.ts";
import { registerTypingRoute } from "./typing.ts";
import { receivePush, verifyServerUrl, WebhookQuery, type WebhookResponse } from "./webhook.ts";

/** WeChat pushes are small; anything bigger is refused before it is read. */
export const WECHAT_BODY_LIMIT = 256 * 1024;

/** Registers the WeChat routes: the server URL (webhooks) and the account API (QR codes, followers, tags, …). */
export function registerWechatRoutes(app: HttpApp, ctx: AppContext): void {
  registerWechatWebhooks(app, ctx);
  registerFollowerRoutes(app, ctx);
  registerTagRoutes(app, ctx);
  registerMenuRoutes(app, ctx);
  registerKfRoutes(app, ctx);
  registerTemplateRoutes(app, ctx);
  registerMediaRoutes(app, ctx);
  registerTypingRoute(app, ctx);
  registerOAuthRoutes(app, ctx);
  const params = z.strictObject({ id: z.uuid() });
  const tags = { tags: ["channels"] };
  async function wechatChannel(workspaceId: string, id: string) {
    const channel = await findChannel(ctx.database.db, workspaceId, id);
    if (channel?.type !== "wechat") {
      throw new AppError("not_found", "channel_not_found", "No such WeChat channel in your workspace.");
    }
    return channel;
  }

  app.post(
    "/api/v1/channels/:id/wechat/qr-codes",
    { schema: { ...tags, params, body: CreateQrCodeSchema }, onRequest: guard(ctx, "channels.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      const channel = await wechatChannel(actor.workspaceId, request.params.id);
      return reply.code(201).send(presentQrCode(await createQrCode(ctx, actor, channel, request.body)));
    },
  );
  app.get(
    "/api/v1/channels/:id/wechat/qr-codes",
    { schema: { ...tags, params }, onRequest: guard(ctx, "channels.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await wechatChannel(ws, request.params.id);
      const rows = await wq(ctx.database.db)
        .selectFrom("wechat_qr_codes")
        .selectAll()
        .where("workspace_id", "=", ws)
        .where("channel_id", "=", request.params.id)
        .orderBy("id", "desc")
        .limit(500)
        .execute();
      return { data: rows.map(presentQrCode) };
    },
  );
  app.get(
    "/api/v1/channels/:id/wechat/qr-codes/:qrId/image",
    {
      schema: {
        ...tags,
        params: z.strictObject({ id: z.uuid(), qrId: z.uuid() }),
        description: "The QR code's image, fetched from WeChat (showqrcode) by the server.",
      },
      onRequest: guard(ctx, "channels.read"),
    },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const channel = await wechatChannel(ws, request.params.id);
      const row = await wq(ctx.database.db)
        .selectFrom("wechat_qr_codes")
        .select(["ticket", "expires_at"])
        .where("workspace_id", "=", ws)
        .where("channel_id", "=", channel.id)
        .where("id", "=", request.params.qrId)
        .executeTakeFirst();
      if (!row) throw new AppError("not_found", "wechat_qr_code_not_found", "No such QR code on this channel.");
      const image = await fetchQrImage(wechatAccountOf(ctx, channel), row.ticket);
      return reply
        .type(image.contentType)
        .header("cache-control", "private, max-age=3600")
        .header("x-content-type-options", "nosniff")
        .send(image.data);
    },
  );
}

/**
 * Registers the WeChat server URL: `GET|POST /webhooks/wechat/{channelId}`. No bearer auth (the signature is
 * the auth); the body is kept as raw bytes whatever its content type, so the signature covers what was sent.
 */
function registerWechatWebhooks(app: HttpApp, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WECHAT_BODY_LIMIT }, (_req, body, done) => {
      done(null, body);
    });
    const send = (reply: { code(n: number): { type(t: string): { send(b: string): unknown } } }, r: WebhookResponse) =>
      reply.code(r.status).type(r.contentType).send(r.body);
    const queryOf = (raw: unknown) => {
      const parsed = WebhookQuery.safeParse(raw);
      return parsed.success ? parsed.data : null;
    };

    scope.get<{ Params: { channelId: string } }>(
      "/webhooks/wechat/:channelId",
      { schema: { hide: true } },
      async (request, reply) => {
        const query = queryOf(request.query);
        if (!query) return reply.code(400).type("text/plain").send("bad query");
        return send(reply, await verifyServerUrl(ctx, request.params.channelId, query));
      },
    );
    scope.post<{ Params: { channelId: string } }>(
      "/webhooks/wechat/:channelId",
      { schema: { hide: true }, bodyLimit: WECHAT_BODY_LIMIT },
      async (request, reply) => {
        const query = queryOf(request.query);
        if (!query) return reply.code(400).type("text/plain").send("bad query");
        const body = Buffer.isBuffer(request.body) ? request.body : undefined;
        return send(reply, await receivePush(ctx, request.params.channelId, query, body));
      },
    );
  });
}
