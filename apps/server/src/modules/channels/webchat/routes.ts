/**
 * The visitor API of the web chat widget, under `/widget/v1/channels/{channelId}/…`. No bearer auth of the
 * console: a visitor starts a session and gets a visitor token (HMAC-signed with the channel's secret), sent
 * as `Authorization: Bearer <token>` afterwards. Any site may call it (CORS reflects the origin, no cookies
 * are involved); the channel's origin allow-list is enforced here. Rate-limited per visitor and per IP.
 */

import { Readable } from "node:stream";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { BucketMap } from "../../../platform/rate-limit.ts";
import { helpCenterOf } from "../../knowledge/index.ts";
import { isWorkspaceAvailable } from "./availability.ts";
import { loadWebchatChannel, type WebchatChannel } from "./channel.ts";
import { isOriginAllowed, WIDGET_LANGUAGES } from "./config.ts";
import { answerCsat, CsatBody, csatPrompt, registerCsatRoutes } from "./csat.ts";
import { registerWidgetAssets } from "./demo.ts";
import { webchatMailbox } from "./mailbox.ts";
import { OfflineBody, submitOfflineForm } from "./offline.ts";
import { assertPreChatDone, needsPreChat, PreChatBody, submitPreChat } from "./prechat.ts";
import { presentVisitorMessage } from "./present.ts";
import { emitToVisitor } from "./realtime.ts";
import { verifyVisitorToken } from "./token.ts";
import { emailTranscript, TranscriptBody } from "./transcript.ts";
import { openVisitorFile, receiveVisitorFile } from "./uploads.ts";
import {
  IdentifyBody,
  identifyVisitor,
  PageViewBody,
  receiveVisitorMessage,
  recordPageView,
  requireVisitor,
  SendMessageBody,
  startVisitor,
  visitorMessages,
} from "./visitors.ts";

/** Rates, as [per second, burst]: per IP and channel for every call and for new sessions; per visitor by action. */
export const WIDGET_LIMITS = {
  ipRequests: [20, 100],
  ipSessions: [1 / 3, 20],
  visitorMessages: [1, 5],
  visitorPageViews: [1, 10],
  visitorIdentify: [0.2, 5],
  visitorCsat: [0.2, 5],
  visitorUploads: [0.2, 5],
  visitorForms: [0.2, 3],
  visitorTranscripts: [1 / 60, 3],
  transcriptsPerRecipient: [1 / 300, 3],
} as const satisfies Record<string, readonly [number, number]>;

const buckets = new BucketMap();

function limit(key: string, [perSecond, burst]: readonly [number, number]): void {
  const waitMs = buckets.bucket(key, perSecond, burst).take();
  if (waitMs > 0) {
    throw new AppError("rate_limited", "widget_rate_limited", "Too many requests: slow down and retry.", {
      retryAfterMs: waitMs,
    });
  }
}

const Params = z.strictObject({ channelId: z.uuid() });
const tags = { tags: ["webchat"], security: [] };

type Req = { headers: Record<string, string | string[] | undefined>; ip: string; protocol: string; host: string };

/** The channel of the URL, refused unless the calling site is allowed; counts the call against the IP's bucket. */
async function channelFor(ctx: AppContext, request: Req, channelId: string): Promise<WebchatChannel> {
  const loaded = await loadWebchatChannel(ctx, channelId);
  const origin = typeof request.headers.origin === "string" ? request.headers.origin : undefined;
  if (!isOriginAllowed(loaded.config, origin, `${request.protocol}://${request.host}`)) {
    throw new AppError("forbidden", "origin_not_allowed", "This site is not allowed to use this chat channel.");
  }
  limit(`ip:${channelId}:${request.ip}`, WIDGET_LIMITS.ipRequests);
  return loaded;
}

/** The visitor of the bearer token, which must be signed for this very channel. */
async function visitorFor(ctx: AppContext, request: Req, loaded: WebchatChannel) {
  const header = typeof request.headers.authorization === "string" ? request.headers.authorization : "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token)
    throw new AppError("unauthenticated", "visitor_token_missing", "Send the visitor token as a Bearer token.");
  const claims = verifyVisitorToken(loaded.secret, token);
  if (!claims || claims.channelId !== loaded.channel.id || claims.workspaceId !== loaded.channel.workspace_id) {
    throw new AppError("unauthenticated", "visitor_token_invalid", "This visitor token is not valid for this channel.");
  }
  return requireVisitor(ctx, claims);
}

/** Registers the visitor API, `/widget.js` and the demo page. */
export function registerWebchatRoutes(app: HttpApp, ctx: AppContext): void {
  registerWidgetAssets(app, ctx);
  registerCsatRoutes(app, ctx);
  void app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addHook("onRequest", async (request, reply) => {
      const origin = request.headers.origin;
      // Cross-origin by design: reflect the origin (no credentials); the allow-list is checked per channel.
      if (origin) reply.header("access-control-allow-origin", origin).header("vary", "Origin");
      reply.header("cross-origin-resource-policy", "cross-origin");
      reply.header("cache-control", "no-store");
      if (request.method === "OPTIONS") {
        return reply
          .code(204)
          .header("access-control-allow-methods", "GET, POST")
          .header("access-control-allow-headers", "authorization, content-type")
          .header("access-control-max-age", "600")
          .send();
      }
    });
    scope.options("/widget/v1/*", { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

    scope.get("/widget/v1/channels/:channelId/config", { schema: { ...tags, params: Params } }, async (request) => {
      const { config, channel } = await channelFor(ctx, request, request.params.channelId);
      return {
        available: await isWorkspaceAvailable(ctx, channel.workspace_id),
        triggers: config.triggers,
        primaryColour: config.primaryColour,
        textColour: config.textColour,
        position: config.position,
        greeting: config.greeting,
        launcherText: config.launcherText,
        languages: config.languages,
        language: config.language,
        uploads: {
          enabled: config.uploads.enabled,
          maxBytes: Math.min(config.uploads.maxBytes, ctx.config.ATTACHMENT_MAX_BYTES),
          types: config.uploads.types,
        },
        preChatForm: config.preChatForm.enabled
          ? {
              fields: config.preChatForm.fields.map((f) => ({
                id: f.kind === "custom" ? f.key : f.kind,
                kind: f.kind,
                label: f.label,
                required: f.required,
              })),
            }
          : null,
        offlineForm: config.offlineForm.enabled,
        helpCenter: await helpCenterOf(ctx.database.db, channel.workspace_id),
        transcript:
          config.transcript.enabled &&
          (await webchatMailbox(ctx, channel.workspace_id, config.offlineForm.emailChannelId)) !== null,
      };
    });

    scope.post(
      "/widget/v1/channels/:channelId/sessions",
      {
        schema: {
          ...tags,
          params: Params,
          body: z.strictObject({ language: z.enum(WIDGET_LANGUAGES).optional() }).optional(),
        },
      },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        limit(`session:${loaded.channel.id}:${request.ip}`, WIDGET_LIMITS.ipSessions);
        const session = await startVisitor(ctx, loaded.channel, loaded.secret, request.body?.language);
        return reply.code(201).send(session);
      },
    );

    scope.get(
      "/widget/v1/channels/:channelId/conversation",
      { schema: { ...tags, params: Params, querystring: z.strictObject({ after: z.uuid().optional() }) } },
      async (request) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        const messages = await visitorMessages(ctx, visitor, request.query.after);
        return {
          data: messages.map(presentVisitorMessage),
          identified: visitor.user_id !== null,
          preChat: needsPreChat(loaded, visitor) ? "needed" : "done",
          email: visitor.email,
        };
      },
    );

    scope.post(
      "/widget/v1/channels/:channelId/messages",
      { schema: { ...tags, params: Params, body: SendMessageBody } },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`messages:${visitor.id}`, WIDGET_LIMITS.visitorMessages);
        assertPreChatDone(loaded, visitor);
        const { message, duplicate } = await receiveVisitorMessage(ctx, loaded.channel, visitor, request.body);
        const presented = presentVisitorMessage(message);
        // The visitor's other tabs show it at once.
        if (!duplicate) emitToVisitor(loaded.channel.id, visitor.id, "message", presented);
        return reply.code(duplicate ? 200 : 201).send({ message: presented, duplicate });
      },
    );

    // Uploads read their body as a raw stream (any content type), after the token is checked.
    void scope.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
      raw.withTypeProvider<ZodTypeProvider>().post(
        "/widget/v1/channels/:channelId/attachments",
        {
          schema: {
            ...tags,
            description:
              "Send the file as the raw request body with its Content-Type (not multipart). Answers 201 with the message carrying the file.",
            params: Params,
            querystring: z.strictObject({
              clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8–64 letters, digits, - or _"),
              fileName: z.string().trim().min(1).max(255).optional(),
              caption: z.string().trim().min(1).max(1000).optional(),
            }),
          },
        },
        async (request, reply) => {
          const loaded = await channelFor(ctx, request, request.params.channelId);
          const visitor = await visitorFor(ctx, request, loaded);
          limit(`uploads:${visitor.id}`, WIDGET_LIMITS.visitorUploads);
          assertPreChatDone(loaded, visitor);
          const body = request.body;
          if (!(body instanceof Readable)) {
            throw new AppError("invalid", "attachment_missing", "Send the file as the raw request body.");
          }
          const { message, duplicate } = await receiveVisitorFile(ctx, loaded, visitor, {
            body,
            contentType: (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "",
            declaredLength: Number(request.headers["content-length"] ?? 0),
            fileName: request.query.fileName,
            caption: request.query.caption,
            clientMessageId: request.query.clientMessageId,
          });
          const presented = presentVisitorMessage(message);
          if (!duplicate) emitToVisitor(loaded.channel.id, visitor.id, "message", presented);
          return reply.code(duplicate ? 200 : 201).send({ message: presented, duplicate });
        },
      );
    });

    scope.get(
      "/widget/v1/channels/:channelId/attachments/:attachmentId",
      { schema: { ...tags, params: z.strictObject({ channelId: z.uuid(), attachmentId: z.uuid() }) } },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        const { attachment, body, inline } = await openVisitorFile(ctx, visitor, request.params.attachmentId);
        const name = encodeURIComponent(attachment.file_name ?? attachment.id);
        return reply
          .header("content-type", inline ? attachment.content_type : "application/octet-stream")
          .header("content-length", String(attachment.size))
          .header("content-disposition", `${inline ? "inline" : "attachment"}; filename*=UTF-8''${name}`)
          .header("x-content-type-options", "nosniff")
          .header("content-security-policy", "default-src 'none'; sandbox")
          .send(body);
      },
    );

    scope.post(
      "/widget/v1/channels/:channelId/identify",
      { schema: { ...tags, params: Params, body: IdentifyBody } },
      async (request) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`identify:${visitor.id}`, WIDGET_LIMITS.visitorIdentify);
        await identifyVisitor(ctx, visitor, loaded.secret, request.body);
        return { identified: true };
      },
    );

    scope.post(
      "/widget/v1/channels/:channelId/pre-chat",
      { schema: { ...tags, params: Params, body: PreChatBody } },
      async (request) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`forms:${visitor.id}`, WIDGET_LIMITS.visitorForms);
        await submitPreChat(ctx, loaded, visitor, request.body);
        return { preChat: "done" };
      },
    );

    scope.post(
      "/widget/v1/channels/:channelId/offline-messages",
      { schema: { ...tags, params: Params, body: OfflineBody } },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`forms:${visitor.id}`, WIDGET_LIMITS.visitorForms);
        return reply.code(201).send(await submitOfflineForm(ctx, loaded, visitor, request.body));
      },
    );

    scope.post(
      "/widget/v1/channels/:channelId/transcript",
      { schema: { ...tags, params: Params, body: TranscriptBody } },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`transcript:${visitor.id}`, WIDGET_LIMITS.visitorTranscripts);
        const to = (request.body.email ?? visitor.email ?? "").toLowerCase();
        // Per recipient too, whichever visitor asks: the form must not become a way to flood someone's inbox.
        if (to) limit(`transcript-to:${loaded.channel.workspace_id}:${to}`, WIDGET_LIMITS.transcriptsPerRecipient);
        const sent = await emailTranscript(ctx, loaded, visitor, request.body);
        return reply.code(202).send(sent);
      },
    );

    scope.get("/widget/v1/channels/:channelId/csat", { schema: { ...tags, params: Params } }, async (request) => {
      const loaded = await channelFor(ctx, request, request.params.channelId);
      const visitor = await visitorFor(ctx, request, loaded);
      return { prompt: await csatPrompt(ctx, visitor) };
    });

    scope.post(
      "/widget/v1/channels/:channelId/csat",
      { schema: { ...tags, params: Params, body: CsatBody } },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`csat:${visitor.id}`, WIDGET_LIMITS.visitorCsat);
        const { response, updated } = await answerCsat(ctx, visitor, request.body);
        return reply.code(updated ? 200 : 201).send({ rating: response.rating, comment: response.comment, updated });
      },
    );

    scope.post(
      "/widget/v1/channels/:channelId/page-views",
      { schema: { ...tags, params: Params, body: PageViewBody } },
      async (request, reply) => {
        const loaded = await channelFor(ctx, request, request.params.channelId);
        const visitor = await visitorFor(ctx, request, loaded);
        limit(`page-views:${visitor.id}`, WIDGET_LIMITS.visitorPageViews);
        await recordPageView(ctx, visitor, request.body);
        return reply.code(202).send({ recorded: true });
      },
    );
  });
}
