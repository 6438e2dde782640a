/**
 * The realtime hub: Socket.IO with one room per workspace and rooms per object inside it.
 *
 * A socket authenticates in the handshake (the caller supplies `authenticate`: the session cookie the
 * browser sends, or `auth: { token }` from an API client); an unauthenticated handshake is refused with
 * the reason. Every socket joins `ws:<workspaceId>` and `ws:<workspaceId>:<actorType>:<actorId>`. It may
 * `subscribe` to object rooms (`case:<uuid>`), which are always prefixed with its own workspace, so no
 * name a client can send reaches another workspace's room. Payloads are small invalidations; clients
 * refetch through the API.
 *
 * Typing: a socket may say `typing` `{room, typing}` in an object room it follows; the other sockets following
 * that room (in the same workspace, by construction) get `typing` `{room, actorType, actorId, typing}`.
 * Nothing is stored; "typing" is sent at most once per 2 s per socket and room, "stopped" always.
 *
 * Several nodes: with `postgres`, broadcasts go through `@socket.io/postgres-adapter` (LISTEN/NOTIFY),
 * so a worker process without an HTTP server can still reach the browsers connected to web nodes.
 */
import type { Server as HttpServer, IncomingHttpHeaders } from "node:http";
import { createAdapter } from "@socket.io/postgres-adapter";
import pg from "pg";
import { Server } from "socket.io";
import { z } from "zod";

export type RealtimeIdentity = { workspaceId: string; actorType: string; actorId: string };

export type Handshake = { headers: IncomingHttpHeaders; token: string | undefined; address: string };

export type RealtimeOptions = {
  /** The HTTP server to accept sockets on; without it the hub only broadcasts (worker processes). */
  httpServer?: HttpServer;
  /** Resolves the identity of a handshake or throws an error whose message is shown to the client. */
  authenticate(handshake: Handshake): Promise<RealtimeIdentity>;
  /** Decides whether an identity may follow an object room, e.g. `case:<id>`; default: any room of its workspace. */
  authorizeRoom?(identity: RealtimeIdentity, room: string): Promise<boolean>;
  /** Multi-node fan-out through PostgreSQL. */
  postgres?: { url: string; schema?: string };
  logger?: { warn(obj: object, msg: string): void };
};

export type RealtimeHub = {
  /** Sends an event to every socket of a workspace. */
  toWorkspace(workspaceId: string, event: string, payload: unknown): void;
  /** Sends an event to the sockets of a workspace that follow a room (`case:<id>`) or to one actor (`user:<id>`). */
  toRoom(workspaceId: string, room: string, event: string, payload: unknown): void;
  close(): Promise<void>;
};

const ROOM = /^[a-z]+:[0-9a-f-]{36}$/;
const SubscribeSchema = z.string().regex(ROOM);
const TypingSchema = z.strictObject({ room: z.string().regex(ROOM), typing: z.boolean() });
/** A socket's "typing" in one room is relayed at most this often ("stopped" always is). */
const TYPING_EVERY_MS = 2000;

export const workspaceRoom = (workspaceId: string) => `ws:${workspaceId}`;
const objectRoom = (workspaceId: string, room: string) => `ws:${workspaceId}:${room}`;

/** Starts a hub; `close()` disconnects its sockets and its PostgreSQL connections. */
export function createRealtimeHub(options: RealtimeOptions): RealtimeHub {
  let pool: pg.Pool | undefined;
  const io = new Server({
    path: "/socket.io",
    serveClient: false,
    cors: { origin: false },
    maxHttpBufferSize: 64 * 1024,
  });
  if (options.postgres) {
    pool = new pg.Pool({
      connectionString: options.postgres.url,
      max: 2,
      ...(options.postgres.schema ? { options: `-c search_path=${options.postgres.schema}` } : {}),
    });
    pool.on("error", () => undefined);
    io.adapter(
      createAdapter(pool, {
        tableName: "socket_io_attachments",
        errorHandler: (err) => options.logger?.warn({ err }, "realtime adapter error"),
      }),
    );
  }
  if (options.httpServer) io.attach(options.httpServer);

  io.use((socket, next) => {
    const raw = (socket.handshake.auth as { token?: unknown }).token;
    options
      .authenticate({
        headers: socket.handshake.headers,
        token: typeof raw === "string" ? raw : undefined,
        address: socket.handshake.address,
      })
      .then((identity) => {
        socket.data.identity = identity;
        next();
      })
      .catch((err: unknown) => next(new Error(err instanceof Error ? err.message : "Authentication failed.")));
  });

  io.on("connection", (socket) => {
    const identity = socket.data.identity as RealtimeIdentity;
    void socket.join([
      workspaceRoom(identity.workspaceId),
      objectRoom(identity.workspaceId, `${identity.actorType}:${identity.actorId}`),
    ]);
    socket.on("subscribe", async (room: unknown, ack?: unknown) => {
      const reply = typeof ack === "function" ? (ack as (r: object) => void) : () => undefined;
      const parsed = SubscribeSchema.safeParse(room);
      if (!parsed.success) return reply({ ok: false, error: "Room names read `<kind>:<uuid>`, e.g. case:…" });
      const allowed = options.authorizeRoom ? await options.authorizeRoom(identity, parsed.data) : true;
      if (!allowed) return reply({ ok: false, error: "You may not follow this room." });
      await socket.join(objectRoom(identity.workspaceId, parsed.data));
      reply({ ok: true });
    });
    socket.on("unsubscribe", async (room: unknown) => {
      if (typeof room === "string" && ROOM.test(room)) await socket.leave(objectRoom(identity.workspaceId, room));
    });
    const lastTyping = new Map<string, number>();
    socket.on("typing", (payload: unknown) => {
      const parsed = TypingSchema.safeParse(payload);
      if (!parsed.success) return;
      const { room, typing } = parsed.data;
      const target = objectRoom(identity.workspaceId, room);
      // Only in a room it follows (subscribe checked it), so typing never reaches a room it may not see.
      if (!socket.rooms.has(target)) return;
      const now = Date.now();
      if (typing && now - (lastTyping.get(room) ?? 0) < TYPING_EVERY_MS) return;
      if (typing) lastTyping.set(room, now);
      else lastTyping.delete(room);
      socket.to(target).emit("typing", { room, actorType: identity.actorType, actorId: identity.actorId, typing });
    });
  });

  return {
    toWorkspace(workspaceId, event, payload) {
      io.to(workspaceRoom(workspaceId)).emit(event, payload);
    },
    toRoom(workspaceId, room, event, payload) {
      io.to(objectRoom(workspaceId, room)).emit(event, payload);
    },
    async close() {
      // Not io.close(): that would also close the HTTP server, which the web role closes itself
      // (after its in-flight requests). Sockets go first so that close does not wait on them.
      io.disconnectSockets(true);
      if (options.httpServer) io.engine.close();
      await io.of("/").adapter.close();
      await pool?.end().catch(() => undefined);
    },
  };
}
