import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { createDispatcher, type Dispatcher } from "../../../platform/outbox.ts";
import { createRealtimeHub, type RealtimeHub } from "../../../platform/realtime.ts";
import { subscribeHandlers } from "../../../wiring.ts";
import { realtimeAuthenticator } from "../../tenancy/index.ts";
import { registerWebchatRealtime, VISITOR_SOCKET_PATH } from "./realtime.ts";
import { identityHash, signVisitorToken } from "./token.ts";

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let clientIds = 0;
function nextClientId(): string {
  clientIds += 1;
  return `client-${Date.now()}-${clientIds}`;
}

describe.each(TEST_DATABASES)("web chat visitor API on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let dispatcher: Dispatcher;
  let hub: RealtimeHub;
  let url: string;
  let channelId: string;
  let secret: string;
  let otherChannelId: string;
  const sockets: Socket[] = [];
  const roomEvents: { workspaceId: string; room: string; event: string; payload: unknown }[] = [];

  const createChannel = async (ws: typeof a, config: Record<string, unknown> = {}) => {
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: ws.auth("admin"),
      payload: { type: "webchat", name: "Site chat", config },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json() as { channel: { id: string; config: Record<string, unknown> }; identitySecret: string };
  };
  const widget = (
    method: "GET" | "POST",
    path: string,
    options: { token?: string; payload?: object; origin?: string; channel?: string } = {},
  ) =>
    env.app.inject({
      method,
      url: `/widget/v1/channels/${options.channel ?? channelId}${path}`,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.origin ? { origin: options.origin } : {}),
      },
      ...(options.payload ? { payload: options.payload } : {}),
    });
  const startSession = async (channel = channelId) => {
    const res = await widget("POST", "/sessions", { channel, payload: {}, origin: "https://shop.example" });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { visitorId: string; token: string };
  };
  const say = (token: string, text: string, clientMessageId = nextClientId()) =>
    widget("POST", "/messages", { token, payload: { clientMessageId, text } });

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    // Both socket servers on one HTTP server, as in `rapport start`.
    const consoleHub = createRealtimeHub({ authenticate: realtimeAuthenticator(env), httpServer: env.app.server });
    // What web chat sends to the console's rooms, recorded on the way through.
    const recordingHub: RealtimeHub = {
      ...consoleHub,
      toRoom(workspaceId, room, event, payload) {
        roomEvents.push({ workspaceId, room, event, payload });
        consoleHub.toRoom(workspaceId, room, event, payload);
      },
    };
    hub = registerWebchatRealtime(env, recordingHub, env.app.server);
    url = await env.app.listen({ port: 0, host: "127.0.0.1" });
    const created = await createChannel(a, { allowedOrigins: ["https://shop.example", "https://*.brand.example"] });
    channelId = created.channel.id;
    secret = created.identitySecret;
    otherChannelId = (await createChannel(b)).channel.id;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await dispatcher?.stop();
    await hub?.close();
    await env?.close();
  });

  it("shows the identity secret once and never again", async () => {
    expect(secret).toMatch(/^wcs_/);
    const shown = await env.app.inject({ url: `/api/v1/channels/${channelId}`, headers: a.auth("agent") });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain(secret);
    const bad = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "webchat", name: "x", config: { allowedOrigins: ["shop.example/path"] } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe("config.allowedOrigins[0]");
  });

  it("offers the help center's search once the workspace publishes an article, and only its own", async () => {
    const config = async () => (await widget("GET", "/config", { origin: "https://shop.example" })).json();
    expect((await config()).helpCenter).toBeNull();
    const draft = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/articles",
      headers: a.auth("supervisor"),
      payload: { slug: "widget-draft", status: "draft", versions: { en: { title: "Draft", body: "Not yet" } } },
    });
    expect(draft.statusCode, draft.body).toBe(201);
    // Another workspace's published article does not count.
    const theirs = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/articles",
      headers: b.auth("supervisor"),
      payload: { slug: "theirs", status: "published", versions: { en: { title: "Theirs", body: "Elsewhere" } } },
    });
    expect(theirs.statusCode, theirs.body).toBe(201);
    expect((await config()).helpCenter).toBeNull();
    const published = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/articles",
      headers: a.auth("supervisor"),
      payload: {
        slug: "returns",
        status: "published",
        versions: { en: { title: "Returns", body: "Send the parcel back within 30 days." } },
      },
    });
    expect(published.statusCode, published.body).toBe(201);
    expect((await config()).helpCenter).toEqual({ slug: a.workspace.slug });
    const search = await env.app.inject({ url: `/help/${a.workspace.slug}/search?q=parcel&lang=en` });
    expect(search.json().data.map((h: { slug: string }) => h.slug)).toEqual(["returns"]);
  });

  it("serves the public config to allowed sites and refuses other origins", async () => {
    const ok = await widget("GET", "/config", { origin: "https://shop.example" });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe("https://shop.example");
    expect(ok.json()).toMatchObject({ position: "bottom-right", languages: ["en", "fr", "es", "zh-CN"] });
    expect(ok.body).not.toContain("identitySecret");
    expect((await widget("GET", "/config", { origin: "https://www.brand.example" })).statusCode).toBe(200);
    const evil = await widget("POST", "/sessions", { origin: "https://evil.example", payload: {} });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.reason).toBe("origin_not_allowed");
    expect((await widget("GET", "/config", { origin: "https://brand.example.evil.example" })).statusCode).toBe(403);
    const preflight = await env.app.inject({
      method: "OPTIONS",
      url: `/widget/v1/channels/${channelId}/messages`,
      headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-headers"]).toContain("authorization");
  });

  it("turns a visitor's message into a case once, however often it is sent", async () => {
    const { token } = await startSession();
    const clientMessageId = nextClientId();
    const first = await say(token, "<b>Hello</b>, is the green tea in stock?", clientMessageId);
    expect(first.statusCode, first.body).toBe(201);
    const again = await say(token, "<b>Hello</b>, is the green tea in stock?", clientMessageId);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, message: { id: first.json().message.id } });
    const convo = await widget("GET", "/conversation", { token });
    expect(convo.statusCode).toBe(200);
    expect(convo.json().data).toEqual([
      expect.objectContaining({
        direction: "inbound",
        author: "visitor",
        clientMessageId,
        text: "<b>Hello</b>, is the green tea in stock?",
      }),
    ]);
    const cases = await env.app.inject({ url: "/api/v1/cases?status=open", headers: a.auth("agent") });
    expect(cases.body).toContain("is the green tea in stock?");
  });

  it("delivers an agent's reply live to the visitor's socket and in the catch-up", async () => {
    const { token } = await startSession();
    const socket = connect(url, {
      path: VISITOR_SOCKET_PATH,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      auth: { token },
      extraHeaders: { origin: "https://shop.example" },
    });
    sockets.push(socket);
    const received: { text: string; direction: string }[] = [];
    socket.on("message", (m: { text: string; direction: string }) => received.push(m));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const sent = await say(token, "Do you ship to Lyon?");
    const messageId = sent.json().message.id as string;
    await waitFor(() => received.some((m) => m.text === "Do you ship to Lyon?"));
    const inbound = await env.app.inject({ url: "/api/v1/cases?status=open&limit=100", headers: a.auth("agent") });
    const caseId = (inbound.json().data as { id: string; subject: string }[]).find((c) =>
      c.subject.includes("Lyon"),
    )?.id;
    expect(caseId).toBeDefined();
    const note = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "VIP, check stock", private: true },
    });
    expect(note.statusCode).toBe(201);
    const reply = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "Yes, in 2 days." },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    await waitFor(() => received.some((m) => m.text === "Yes, in 2 days." && m.direction === "outbound"));
    const after = await widget("GET", `/conversation?after=${messageId}`, { token });
    expect(after.json().data.map((m: { text: string }) => m.text)).toEqual(["Yes, in 2 days."]);
    await waitFor(async () => {
      const m = await env.app.inject({ url: `/api/v1/cases/${caseId}/messages`, headers: a.auth("agent") });
      return (m.json().data as { text: string; status: string }[]).some(
        (x) => x.text === "Yes, in 2 days." && x.status === "sent",
      );
    });
  });

  it("sends the visitor's typing to the case's room and pushes queued replies at once", async () => {
    const { token } = await startSession();
    const visitor = connect(url, {
      path: VISITOR_SOCKET_PATH,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      auth: { token },
    });
    sockets.push(visitor);
    const received: string[] = [];
    visitor.on("message", (m: { text: string }) => received.push(m.text));
    await new Promise((resolve, reject) => {
      visitor.once("connect", () => resolve(undefined));
      visitor.once("connect_error", reject);
    });
    await say(token, "Typing test question");
    const cases = await env.app.inject({ url: "/api/v1/cases?status=open&limit=100", headers: a.auth("agent") });
    const caseId = (cases.json().data as { id: string; subject: string }[]).find((c) =>
      c.subject.includes("Typing test"),
    )?.id;
    visitor.emit("typing", { typing: true });
    await waitFor(() => roomEvents.some((e) => e.event === "visitor.typing"));
    expect(roomEvents.find((e) => e.event === "visitor.typing")).toEqual({
      workspaceId: a.workspace.id,
      room: `case:${caseId}`,
      event: "visitor.typing",
      payload: { caseId, typing: true },
    });

    // The hub hears every committed event (main.ts broadcasts them); a queued web chat reply goes out at once.
    const reply = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "Pushed on commit" },
    });
    const { id: messageId, channelId: replyChannel } = reply.json() as { id: string; channelId: string };
    hub.toWorkspace(a.workspace.id, "message.queued", { messageId, channelId: replyChannel });
    await waitFor(() => received.includes("Pushed on commit"));
  });

  it("refuses sockets without a valid token or from another site", async () => {
    const attempt = (auth: object, origin = "https://shop.example") =>
      new Promise<string>((resolve) => {
        const socket = connect(url, {
          path: VISITOR_SOCKET_PATH,
          transports: ["websocket"],
          reconnection: false,
          forceNew: true,
          auth,
          extraHeaders: { origin },
        });
        sockets.push(socket);
        socket.once("connect", () => resolve("connected"));
        socket.once("connect_error", (err) => resolve(err.message));
      });
    const { token } = await startSession();
    expect(await attempt({})).toMatch(/token is required/);
    expect(await attempt({ token: `${token.slice(0, -4)}AAAA` })).toMatch(/not valid/);
    expect(await attempt({ token }, "https://evil.example")).toMatch(/may not use/);
    expect(await attempt({ token })).toBe("connected");
  });

  it("never lets a visitor token read another visitor's conversation or another channel", async () => {
    const alice = await startSession();
    const bob = await startSession();
    await say(alice.token, "Alice's secret question");
    const bobs = await widget("GET", "/conversation", { token: bob.token });
    expect(bobs.statusCode).toBe(200);
    expect(bobs.body).not.toContain("Alice");
    // A token of this channel on another workspace's channel, and that channel's id with a forged token.
    const cross = await widget("GET", "/conversation", { token: alice.token, channel: otherChannelId });
    expect(cross.statusCode).toBe(401);
    const forged = signVisitorToken("not-the-secret-of-this-channel", {
      workspaceId: a.workspace.id,
      channelId,
      visitorId: alice.visitorId,
    });
    expect((await widget("GET", "/conversation", { token: forged })).statusCode).toBe(401);
    expect((await widget("GET", "/conversation", {})).json().error.reason).toBe("visitor_token_missing");
    // A channel that is not a web chat (or does not exist) is not found.
    const api = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "api" },
    });
    const apiChannel = api.json().channel.id as string;
    expect((await widget("GET", "/config", { channel: apiChannel })).statusCode).toBe(404);
    expect((await widget("GET", "/config", { channel: "0190a0b0-0000-7000-8000-000000000000" })).statusCode).toBe(404);
  });

  it("identifies a visitor only with the right hash", async () => {
    const { token } = await startSession();
    const identify = (payload: object) => widget("POST", "/identify", { token, payload });
    const unsigned = await identify({ userId: "user-42", email: "mei@example.com" });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.reason).toBe("identity_unverified");
    const forged = await identify({ userId: "user-42", hash: identityHash("guess", "user-42") });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.reason).toBe("identity_hash_invalid");
    // A valid hash of another user id does not identify this one.
    expect((await identify({ userId: "user-42", hash: identityHash(secret, "user-43") })).statusCode).toBe(401);
    const ok = await identify({
      userId: "user-42",
      email: "mei@example.com",
      name: "Mei",
      hash: identityHash(secret, "user-42"),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    await say(token, "I am signed in now");
    const contacts = await env.app.inject({
      url: "/api/v1/contacts?query=mei%40example.com",
      headers: a.auth("agent"),
    });
    expect(contacts.body).toContain("Mei");
  });

  it("records page views on the contact's timeline once the visitor is a contact", async () => {
    const { token } = await startSession();
    const view = (url: string) =>
      widget("POST", "/page-views", {
        token,
        payload: { url, title: "Tea", referrer: "https://search.example/?q=tea", context: { cartValue: 120 } },
      });
    expect((await view("https://shop.example/tea")).statusCode).toBe(202);
    const sent = await say(token, "Question about tea");
    expect(sent.statusCode).toBe(201);
    expect((await view("https://shop.example/checkout")).statusCode).toBe(202);
    const caseList = await env.app.inject({ url: "/api/v1/cases?status=open&limit=100", headers: a.auth("agent") });
    const found = (caseList.json().data as { subject: string; contactId: string }[]).find((c) =>
      c.subject.includes("Question about tea"),
    );
    expect(found).toBeDefined();
    const timeline = await env.app.inject({
      url: `/api/v1/contacts/${found?.contactId}/timeline`,
      headers: a.auth("agent"),
    });
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(timeline.body).toContain("https://shop.example/tea");
    expect(timeline.body).toContain("https://shop.example/checkout");
    expect(timeline.body).toContain("cartValue");
    expect(timeline.body).toContain("https://search.example/?q=tea");
  });

  it("rejects bad input with clear errors", async () => {
    const { token } = await startSession();
    const cases = [
      { clientMessageId: "short", text: "hi" },
      { clientMessageId: nextClientId(), text: "" },
      { clientMessageId: nextClientId(), text: 42 },
      { clientMessageId: nextClientId(), text: "x".repeat(5001) },
      { clientMessageId: nextClientId(), text: "hi", extra: true },
    ];
    for (const payload of cases) {
      const res = await widget("POST", "/messages", { token, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.reason).toBe("validation_failed");
    }
    expect((await widget("GET", "/conversation", { token: "wv1.garbage" })).statusCode).toBe(401);
    expect((await widget("GET", "/conversation", { token: "x".repeat(5000) })).statusCode).toBe(401);
    const badView = await widget("POST", "/page-views", { token, payload: { url: "javascript:alert(1)" } });
    expect(badView.statusCode).toBe(400);
    expect((await env.app.inject({ url: "/widget/v1/channels/not-a-uuid/config" })).statusCode).toBe(400);
  });

  it("rate-limits a visitor's messages", async () => {
    const { token } = await startSession();
    // Sent at once, so that the bucket (burst 5, 1/s) barely refills while they are handled.
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => say(token, `burst ${i}`)));
    const accepted = responses.filter((r) => r.statusCode === 201).length;
    const limited = responses.filter((r) => r.statusCode === 429);
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(accepted).toBeLessThanOrEqual(7);
    expect(limited.length).toBe(12 - accepted);
    expect(limited[0]?.json().error).toMatchObject({ kind: "rate_limited", reason: "widget_rate_limited" });
    // Another visitor is not slowed down by this one.
    const other = await startSession();
    expect((await say(other.token, "unrelated")).statusCode).toBe(201);
  });
});
