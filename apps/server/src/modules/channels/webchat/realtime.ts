/**
 * Realtime for widget visitors. Visitors are not workspace members, so they never touch the console's hub:
 * they connect to a Socket.IO server of their own at `/widget/socket.io`, authenticated by their visitor
 * token, and each socket joins the one room of its visitor (`visitor:<channelId>:<visitorId>`). The send job
 * of the webchat channel emits agents' replies into that room; a visitor's typing goes to the console's
 * `case:<id>` room through the workspace hub.
 */
import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/postgres-adapter";
import pg from "pg";
import { Server } from "socket.io";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { RealtimeHub } from "../../../platform/realtime.ts";
import { findConversation, findMessage } from "../../conversations/index.ts";
import { forgetWorkspaceAvailability } from "./availability.ts";
import { loadWebchatChannel } from "./channel.ts";
import { isOriginAllowed } from "./config.ts";
import { visitorsToPrompt } from "./csat.ts";
import { presentVisitorMessage } from "./present.ts";
import { findVisitor } from "./repository.ts";
import { peekTokenChannel, type VisitorClaims, verifyVisitorToken } from "./token.ts";

export const VISITOR_SOCKET_PATH = "/widget/socket.io";

type VisitorSockets = { io: Server; hub: RealtimeHub };
let registered: VisitorSockets | undefined;

const visitorRoom = (channelId: string, visitorId: string) => `visitor:${channelId}:${visitorId}`;

/** Sends an event to the sockets of one visitor (no-op in a process without realtime). */
export function emitToVisitor(channelId: string, visitorId: string, event: string, payload: unknown): void {
  registered?.io.to(visitorRoom(channelId, visitorId)).emit(event, payload);
}

const TypingSchema = z.strictObject({ typing: z.boolean() });

/**
 * Starts the visitors' Socket.IO server beside the workspace hub (on the same HTTP server when this process
 * serves sockets; through PostgreSQL to other nodes when DATABASE_URL is set) and returns the hub, whose
 * `close()` now closes both. Called once from main.ts where the hub is created.
 */
export function registerWebchatRealtime(
  ctx: AppContext,
  hub: RealtimeHub,
  httpServer: HttpServer | undefined,
): RealtimeHub {
  let pool: pg.Pool | undefined;
  const io = new Server({
    path: VISITOR_SOCKET_PATH,
    serveClient: false,
    // Visitors authenticate with a token, never a cookie: any site may open the socket, the token decides.
    cors: { origin: true, credentials: false },
    maxHttpBufferSize: 8 * 1024,
    destroyUpgrade: false,
  });
  if (ctx.config.DATABASE_URL) {
    pool = new pg.Pool({ connectionString: ctx.config.DATABASE_URL, max: 2 });
    pool.on("error", () => undefined);
    io.adapter(createAdapter(pool, { tableName: "socket_io_attachments", channelPrefix: "rapport-webchat" }));
  }
  if (httpServer) io.attach(httpServer);

  io.use((socket, next) => {
    const raw = (socket.handshake.auth as { token?: unknown }).token;
    authenticateVisitor(ctx, typeof raw === "string" ? raw : "", socket.handshake.headers)
      .then((claims) => {
        socket.data.visitor = claims;
        next();
      })
      .catch((err: unknown) => next(new Error(err instanceof Error ? err.message : "Authentication failed.")));
  });

  io.on("connection", (socket) => {
    const claims = socket.data.visitor as VisitorClaims;
    void socket.join(visitorRoom(claims.channelId, claims.visitorId));
    let lastTyping = 0;
    socket.on("typing", async (payload: unknown) => {
      const parsed = TypingSchema.safeParse(payload);
      const now = Date.now();
      if (!parsed.success || (parsed.data.typing && now - lastTyping < 2000)) return;
      lastTyping = parsed.data.typing ? now : 0;
      const { db } = ctx.database;
      const visitor = await findVisitor(db, claims.workspaceId, claims.channelId, claims.visitorId);
      if (!visitor?.conversation_id) return;
      const conversation = await findConversation(db, claims.workspaceId, visitor.conversation_id);
      if (!conversation) return;
      hub.toRoom(claims.workspaceId, `case:${conversation.case_id}`, "visitor.typing", {
        caseId: conversation.case_id,
        typing: parsed.data.typing,
      });
    });
  });

  registered = { io, hub };
  return {
    toWorkspace(workspaceId, event, payload) {
      hub.toWorkspace(workspaceId, event, payload);
      if (event === "message.queued") {
        pushQueuedReply(ctx, workspaceId, payload).catch((err: unknown) =>
          ctx.logger.warn({ err }, "webchat: could not push a reply to its visitor"),
        );
      }
      if (event === "presence.changed") forgetWorkspaceAvailability(workspaceId);
      if (event === "case.updated") {
        pushCsatPrompt(ctx, workspaceId, payload).catch((err: unknown) =>
          ctx.logger.warn({ err }, "webchat: could not ask a visitor for a rating"),
        );
      }
    },
    toRoom: (workspaceId, room, event, payload) => hub.toRoom(workspaceId, room, event, payload),
    async close() {
      registered = undefined;
      io.disconnectSockets(true);
      if (httpServer) io.engine.close();
      await io.of("/").adapter.close();
      await pool?.end().catch(() => undefined);
      await hub.close();
    },
  };
}

const QueuedPayload = z.looseObject({ messageId: z.uuid(), channelId: z.uuid().nullable().optional() });

/**
 * The fast path of a reply: as soon as `message.queued` is committed (every domain event passes through the
 * hub), a web chat visitor gets the message, without waiting for the send job behind other channels' sends.
 * The send job still runs, emits again (the widget dedupes by id) and marks the message sent.
 */
async function pushQueuedReply(ctx: AppContext, workspaceId: string, payload: unknown): Promise<void> {
  const parsed = QueuedPayload.safeParse(payload);
  if (!parsed.success || !parsed.data.channelId) return;
  const channelId = parsed.data.channelId;
  const loaded = await loadWebchatChannel(ctx, channelId).catch(() => undefined);
  if (loaded?.channel.workspace_id !== workspaceId) return;
  const { db } = ctx.database;
  const message = await findMessage(db, workspaceId, parsed.data.messageId);
  if (!message?.conversation_id || message.private) return;
  const conversation = await findConversation(db, workspaceId, message.conversation_id);
  if (conversation)
    emitToVisitor(channelId, conversation.external_thread_id, "message", presentVisitorMessage(message));
}

const CaseUpdatedPayload = z.looseObject({ caseId: z.uuid(), changed: z.array(z.string()).optional() });

/** `case.updated` with a status change: the visitors of a case just solved get the rating prompt. */
async function pushCsatPrompt(ctx: AppContext, workspaceId: string, payload: unknown): Promise<void> {
  const parsed = CaseUpdatedPayload.safeParse(payload);
  if (!parsed.success || !parsed.data.changed?.includes("status")) return;
  const caseId = parsed.data.caseId;
  for (const v of await visitorsToPrompt(ctx, workspaceId, caseId)) {
    emitToVisitor(v.channel_id, v.id, "csat", { caseId });
  }
}

async function authenticateVisitor(
  ctx: AppContext,
  token: string,
  headers: { origin?: string | undefined; host?: string | undefined },
): Promise<VisitorClaims> {
  const channelId = peekTokenChannel(token);
  if (!channelId) throw new Error("A visitor token is required.");
  const { config, secret } = await loadWebchatChannel(ctx, channelId);
  const claims = verifyVisitorToken(secret, token);
  if (!claims) throw new Error("This visitor token is not valid.");
  const serverOrigin = `${headers.origin?.startsWith("https:") ? "https" : "http"}://${headers.host ?? ""}`;
  if (!isOriginAllowed(config, headers.origin, serverOrigin)) throw new Error("This site may not use this chat.");
  if (!(await findVisitor(ctx.database.db, claims.workspaceId, claims.channelId, claims.visitorId))) {
    throw new Error("This visitor session has ended.");
  }
  return claims;
}
