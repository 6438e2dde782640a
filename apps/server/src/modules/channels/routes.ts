import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { decodeCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { ADAPTERS, adapterOf } from "./adapters.ts";
import { ApiInboundBody } from "./api-channel.ts";
import { type ChannelRow, findChannel, listChannels, listWebhookDeliveries } from "./repository.ts";
import { createChannel, updateChannel } from "./use-cases/create-channel.ts";
import { ingestApiMessages } from "./use-cases/ingest.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["channels"] };

/** The origin the platform should call back, as this request reached us (honours TRUST_PROXY). */
function originOf(request: { protocol: string; host: string }): string {
  return `${request.protocol}://${request.host}`;
}

function presentChannel(c: ChannelRow, origin: string) {
  // Secrets never leave the server: only the non-secret config is shown.
  const path = ADAPTERS.get(c.type)?.webhookPath?.(c.id);
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    config: c.config,
    ...(path ? { webhookUrl: `${origin}${path}` } : {}),
    createdAt: c.created_at.toISOString(),
    disabledAt: c.disabled_at?.toISOString() ?? null,
  };
}

/** Registers the channel API: create and list channel accounts, the api channel's inbound endpoint, webhook log. */
export function registerChannelsRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  for (const adapter of ADAPTERS.values()) adapter.registerRoutes?.(app, ctx);

  /**
   * The api channels that posted lately: the inbound endpoint is the hot path and a channel rarely changes. An
   * update on this node drops the entry; other nodes see it within the TTL, like credentials (ADR 0005).
   */
  const inboundChannels = new TtlCache<string, ChannelRow>(5_000, 10_000);

  async function channelOf(workspaceId: string, id: string) {
    const channel = await findChannel(db, workspaceId, id);
    if (!channel) throw new AppError("not_found", "channel_not_found", "No such channel in your workspace.");
    return channel;
  }

  app.post(
    "/api/v1/channels",
    {
      schema: {
        ...tags,
        body: z.strictObject({
          type: z.enum([...ADAPTERS.keys()] as [string, ...string[]]),
          name: z.string().trim().min(1).max(100),
          config: z.record(z.string(), z.unknown()).optional(),
        }),
      },
      onRequest: guard(ctx, "channels.manage"),
    },
    async (request, reply) => {
      const { channel, shownOnce } = await createChannel(ctx, actorOf(request), request.body);
      const presented = presentChannel(channel, originOf(request));
      return reply.code(201).send({ channel: presented, ...shownOnce, webhookUrl: presented.webhookUrl });
    },
  );

  app.get(
    "/api/v1/channels",
    { schema: { ...tags, querystring: PageQuerySchema }, onRequest: guard(ctx, "channels.read") },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listChannels(db, actorOf(request).workspaceId, decodeCursor(cursor), limit);
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => presentChannel(r, originOf(request)),
      );
    },
  );

  app.get(
    "/api/v1/channels/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "channels.read") },
    async (request) =>
      presentChannel(await channelOf(actorOf(request).workspaceId, request.params.id), originOf(request)),
  );

  app.patch(
    "/api/v1/channels/:id",
    {
      schema: {
        ...tags,
        params: IdParams,
        body: z
          .strictObject({
            name: z.string().trim().min(1).max(100).optional(),
            config: z.record(z.string(), z.unknown()).optional(),
          })
          .refine((b) => b.name !== undefined || b.config !== undefined, { message: "Send name or config." }),
      },
      onRequest: guard(ctx, "channels.manage"),
    },
    async (request) => {
      const channel = await updateChannel(ctx, actorOf(request), request.params.id, request.body);
      inboundChannels.delete(`${channel.workspace_id}:${channel.id}`);
      adapterOf(channel.type).onUpdated?.(channel.id);
      return presentChannel(channel, originOf(request));
    },
  );

  app.post(
    "/api/v1/channels/:id/test",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "channels.manage") },
    async (request) => {
      const channel = await channelOf(actorOf(request).workspaceId, request.params.id);
      const adapter = adapterOf(channel.type);
      if (!adapter.testConnection)
        return { ok: true, detail: `This ${channel.type} channel has no remote credentials to check.` };
      return { ok: true, ...(await adapter.testConnection(ctx, channel)) };
    },
  );

  app.post(
    "/api/v1/channels/:id/inbound",
    { schema: { ...tags, params: IdParams, body: ApiInboundBody }, onRequest: guard(ctx, "channels.inbound") },
    async (request, reply) => {
      const key = `${actorOf(request).workspaceId}:${request.params.id}`;
      let channel = inboundChannels.get(key);
      if (!channel) {
        channel = await channelOf(actorOf(request).workspaceId, request.params.id);
        inboundChannels.set(key, channel);
      }
      if (channel.type !== "api") {
        throw new AppError("conflict", "channel_not_api", "Only api channels accept messages through this endpoint.");
      }
      if (channel.disabled_at) throw new AppError("conflict", "channel_disabled", "This channel is disabled.");
      const messages = "messages" in request.body ? request.body.messages : [request.body];
      const results = await ingestApiMessages(ctx, channel, messages);
      return reply.code(202).send({ data: results });
    },
  );

  app.get(
    "/api/v1/channels/:id/deliveries",
    { schema: { ...tags, params: IdParams, querystring: PageQuerySchema }, onRequest: guard(ctx, "channels.manage") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await channelOf(ws, request.params.id);
      const { limit, cursor } = request.query;
      const rows = await listWebhookDeliveries(db, ws, request.params.id, decodeCursor(cursor), limit);
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => ({
          id: r.id,
          messageId: r.message_id,
          attempt: r.attempt,
          statusCode: r.status_code,
          error: r.error,
          createdAt: r.created_at.toISOString(),
        }),
      );
    },
  );
}
