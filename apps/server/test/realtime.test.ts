import { randomUUID } from "node:crypto";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realtimeAuthenticator, SESSION_COOKIE } from "../src/modules/tenancy/index.ts";
import { createDispatcher, emitEvent, runTransaction } from "../src/platform/outbox.ts";
import { createRealtimeHub, type RealtimeHub } from "../src/platform/realtime.ts";
import { buildWorkspace, TEST_PASSWORD } from "./factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "./harness.ts";
import { waitFor } from "./wait.ts";

type Received = { event: string; payload: unknown }[];

function listen(socket: Socket): Received {
  const received: Received = [];
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload }));
  return received;
}

describe.each(TEST_DATABASES)("realtime hub on %s", (kind) => {
  let env: TestEnv;
  let url: string;
  let hub: RealtimeHub;
  let postgres: { url: string; schema: string } | undefined;
  const sockets: Socket[] = [];

  const hubOptions = () => ({
    ...(postgres ? { postgres } : {}),
    authenticate: realtimeAuthenticator(env),
  });

  beforeAll(async () => {
    env = await openTestEnv(kind);
    if (kind === "postgres" && env.config.TEST_DATABASE_URL) {
      const { rows } = await env.database.query<{ schema: string }>("select current_schema() as schema");
      postgres = { url: env.config.TEST_DATABASE_URL, schema: rows[0]?.schema ?? "public" };
    }
    hub = createRealtimeHub({ ...hubOptions(), httpServer: env.app.server });
    url = await env.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await hub?.close();
    await env?.close();
  });

  async function open(auth: { token?: string; cookie?: string }): Promise<Socket> {
    const socket = connect(url, {
      transports: ["websocket"],
      reconnection: false,
      ...(auth.token ? { auth: { token: auth.token } } : {}),
      ...(auth.cookie ? { extraHeaders: { cookie: `${SESSION_COOKIE}=${auth.cookie}` } } : {}),
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.on("connect", () => resolve());
      socket.on("connect_error", (err) => reject(err));
    });
    return socket;
  }

  it("refuses a handshake without credentials or with a bad token, saying why", async () => {
    await expect(open({})).rejects.toThrow(/Sign in/);
    await expect(open({ token: "rpt_unknown" })).rejects.toThrow(/unknown or has been revoked/);
  });

  it("delivers committed domain events to the sockets of their workspace only", async () => {
    const a = await buildWorkspace(env);
    const b = await buildWorkspace(env);
    const login = await env.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: a.users.agent.email, password: TEST_PASSWORD },
    });
    const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)?.value;
    expect(cookie).toBeTruthy();
    const mine = listen(await open({ cookie: cookie ?? "" }));
    const theirs = listen(await open({ token: b.tokens.agent }));

    const dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    dispatcher.on("*", "realtime.broadcast", async (e) =>
      hub.toWorkspace(e.workspaceId, e.type, { id: e.id, ...(e.payload as object) }),
    );
    await dispatcher.start();
    try {
      await runTransaction(env.database, (tx) =>
        emitEvent(tx, { workspaceId: a.workspace.id, type: "case.updated", payload: { caseId: "c1" } }),
      );
      await expect(
        runTransaction(env.database, async (tx) => {
          await emitEvent(tx, { workspaceId: a.workspace.id, type: "case.created", payload: {} });
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      await waitFor(() => mine.length > 0);
      await new Promise((r) => setTimeout(r, 200));
      expect(mine.map((m) => m.event)).toEqual(["case.updated"]);
      expect(mine[0]?.payload).toMatchObject({ caseId: "c1" });
      expect(theirs).toEqual([]);
    } finally {
      await dispatcher.stop();
    }
  });

  it("keeps object rooms inside the caller's workspace", async () => {
    const a = await buildWorkspace(env);
    const b = await buildWorkspace(env);
    const caseId = randomUUID();
    const socketA = await open({ token: a.tokens.agent });
    const socketB = await open({ token: b.tokens.agent });
    const gotA = listen(socketA);
    const gotB = listen(socketB);
    for (const s of [socketA, socketB]) {
      expect(await s.emitWithAck("subscribe", `case:${caseId}`)).toEqual({ ok: true });
    }
    expect(await socketA.emitWithAck("subscribe", "ws:../../x")).toMatchObject({ ok: false });
    hub.toRoom(a.workspace.id, `case:${caseId}`, "message.created", { caseId });
    await waitFor(() => gotA.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(gotA.map((m) => m.event)).toEqual(["message.created"]);
    expect(gotB).toEqual([]);
  });

  it("relays an agent's typing to the others following the case, never to another workspace", async () => {
    const a = await buildWorkspace(env);
    const b = await buildWorkspace(env);
    const caseId = randomUUID();
    const room = `case:${caseId}`;
    const typist = await open({ token: a.tokens.agent });
    const colleague = await open({ token: a.tokens.supervisor });
    const elsewhere = await open({ token: a.tokens.admin });
    const stranger = await open({ token: b.tokens.agent });
    const gotTypist = listen(typist);
    const gotColleague = listen(colleague);
    const gotElsewhere = listen(elsewhere);
    const gotStranger = listen(stranger);
    // The stranger follows the same room name in its own workspace; `elsewhere` follows no room.
    for (const s of [typist, colleague, stranger]) expect(await s.emitWithAck("subscribe", room)).toEqual({ ok: true });

    typist.emit("typing", { room, typing: true });
    typist.emit("typing", { room, typing: true }); // within 2 s: not relayed again
    typist.emit("typing", { room, typing: false });
    stranger.emit("typing", { room: `case:${randomUUID()}`, typing: true }); // a room it does not follow
    elsewhere.emit("typing", { room, typing: true }); // not following the room: dropped
    typist.emit("typing", { room: "ws:../../x", typing: true }); // not a room name: dropped
    await waitFor(() => gotColleague.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(gotColleague).toEqual([
      { event: "typing", payload: { room, actorType: "token", actorId: expect.any(String), typing: true } },
      { event: "typing", payload: { room, actorType: "token", actorId: expect.any(String), typing: false } },
    ]);
    expect(gotTypist).toEqual([]);
    expect(gotElsewhere).toEqual([]);
    expect(gotStranger).toEqual([]);
  });

  it.runIf(kind === "postgres")("fans out from a process without sockets (a worker) through PostgreSQL", async () => {
    const a = await buildWorkspace(env);
    const got = listen(await open({ token: a.tokens.agent }));
    const worker = createRealtimeHub(hubOptions());
    try {
      // The adapters discover each other through LISTEN/NOTIFY; give them a moment.
      await new Promise((r) => setTimeout(r, 300));
      worker.toWorkspace(a.workspace.id, "presence.changed", { userId: a.users.agent.id });
      await waitFor(() => got.length > 0);
      expect(got[0]).toMatchObject({ event: "presence.changed" });
    } finally {
      await worker.close();
    }
  });
});
