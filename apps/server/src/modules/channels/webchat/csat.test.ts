import { sql } from "kysely";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace, TEST_PASSWORD } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { createDispatcher, type Dispatcher } from "../../../platform/outbox.ts";
import { createRealtimeHub, type RealtimeHub } from "../../../platform/realtime.ts";
import { subscribeHandlers } from "../../../wiring.ts";
import { realtimeAuthenticator } from "../../tenancy/index.ts";
import { setWebchatAvailability } from "./availability.ts";
import { registerWebchatRealtime, VISITOR_SOCKET_PATH } from "./realtime.ts";
import { signVisitorToken } from "./token.ts";

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Ws = Awaited<ReturnType<typeof buildWorkspace>>;
let seq = 0;

describe.each(TEST_DATABASES)("web chat CSAT, triggers and availability on %s", (kind) => {
  let env: TestEnv;
  let a: Ws;
  let b: Ws;
  let dispatcher: Dispatcher;
  let hub: RealtimeHub;
  let url: string;
  let channelA: string;
  let secretA: string;
  let channelB: string;
  const sockets: Socket[] = [];

  const createChannel = async (ws: Ws, config: Record<string, unknown> = {}) =>
    env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: ws.auth("admin"),
      payload: { type: "webchat", name: "Site chat", config },
    });
  const widget = (method: "GET" | "POST", channel: string, path: string, token?: string, payload?: unknown) =>
    env.app.inject({
      method,
      url: `/widget/v1/channels/${channel}${path}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  /** A visitor who wrote once, so they have a conversation and a case. */
  const chattingVisitor = async (channel: string) => {
    const session = (await widget("POST", channel, "/sessions", undefined, {})).json() as {
      visitorId: string;
      token: string;
    };
    seq += 1;
    const sent = await widget("POST", channel, "/messages", session.token, {
      clientMessageId: `csat-client-${seq}-${Date.now()}`,
      text: "my order is late",
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const cases = await sql<{
      case_id: string;
    }>`select case_id from webchat_visitors where id = ${session.visitorId}`.execute(env.database.db);
    const caseId = cases.rows[0]?.case_id;
    if (!caseId) throw new Error("the visitor has no case");
    return { ...session, caseId };
  };
  const setStatus = async (ws: Ws, caseId: string, status: string) => {
    const res = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/cases/${caseId}`,
      headers: ws.auth("agent"),
      payload: { status },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const rate = (channel: string, token: string, body: unknown) => widget("POST", channel, "/csat", token, body);
  const list = (ws: Ws, query = "", role: "supervisor" | "agent" | "analyst" = "supervisor") =>
    env.app.inject({ url: `/api/v1/csat${query}`, headers: ws.auth(role) });
  const summary = (ws: Ws, query = "") =>
    env.app.inject({ url: `/api/v1/csat/summary${query}`, headers: ws.auth("supervisor") });

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    const consoleHub = createRealtimeHub({ authenticate: realtimeAuthenticator(env), httpServer: env.app.server });
    hub = registerWebchatRealtime(env, consoleHub, env.app.server);
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    // As main.ts does: every committed domain event passes through the hub.
    dispatcher.on("*", "test.realtime-broadcast", async (event) => {
      hub.toWorkspace(event.workspaceId, event.type, { id: event.id, ...(event.payload as object) });
    });
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    url = await env.app.listen({ port: 0, host: "127.0.0.1" });
    const created = (await createChannel(a)).json();
    channelA = created.channel.id;
    secretA = created.identitySecret;
    channelB = (await createChannel(b)).json().channel.id;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await dispatcher?.stop();
    await hub?.close();
    await env?.close();
  });

  it("prompts the visitor live when their case is solved, once, and stores one rating per case", async () => {
    const v = await chattingVisitor(channelA);
    expect((await widget("GET", channelA, "/csat", v.token)).json()).toEqual({ prompt: null });
    // Not solved yet: nothing to rate.
    const early = await rate(channelA, v.token, { caseId: v.caseId, rating: 5 });
    expect(early.statusCode).toBe(404);
    expect(early.json().error.reason).toBe("csat_case_not_found");

    const socket = connect(url, {
      path: VISITOR_SOCKET_PATH,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      auth: { token: v.token },
    });
    sockets.push(socket);
    const prompts: { caseId: string }[] = [];
    socket.on("csat", (p: { caseId: string }) => prompts.push(p));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });

    await setStatus(a, v.caseId, "solved");
    await waitFor(() => prompts.length > 0);
    expect(prompts[0]).toEqual({ caseId: v.caseId });
    expect((await widget("GET", channelA, "/csat", v.token)).json()).toEqual({ prompt: { caseId: v.caseId } });

    const first = await rate(channelA, v.token, { caseId: v.caseId, rating: 2, comment: "  slow  " });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toEqual({ rating: 2, comment: "slow", updated: false });
    // Answered: no prompt any more, on reload or on another status change.
    expect((await widget("GET", channelA, "/csat", v.token)).json()).toEqual({ prompt: null });
    const second = await rate(channelA, v.token, { caseId: v.caseId, rating: 4 });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ rating: 4, comment: null, updated: true });

    const rows = await sql<{ rating: number; contact_id: string | null; channel_id: string }>`
      select rating, contact_id, channel_id from csat_responses where case_id = ${v.caseId}`.execute(env.database.db);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ rating: 4, channel_id: channelA });
    expect(rows.rows[0]?.contact_id).toBeTruthy();

    // After 24 hours the answer is final.
    await sql`update csat_responses set created_at = now() - interval '25 hours' where case_id = ${v.caseId}`.execute(
      env.database.db,
    );
    const late = await rate(channelA, v.token, { caseId: v.caseId, rating: 5 });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.reason).toBe("csat_answer_final");
    expect(late.json().error.message).toMatch(/24 hours/);
  });

  it("refuses forged tokens, other visitors' cases and bad ratings", async () => {
    const v = await chattingVisitor(channelA);
    const other = await chattingVisitor(channelA);
    await setStatus(a, v.caseId, "solved");
    await setStatus(a, other.caseId, "solved");

    // Another visitor's case, with a valid token of their own.
    const stolen = await rate(channelA, other.token, { caseId: v.caseId, rating: 1 });
    expect(stolen.statusCode).toBe(404);
    // A token signed with the wrong secret, and one naming this visitor but forged.
    const forged = signVisitorToken("not-the-channel-secret-at-all-000", {
      workspaceId: a.workspace.id,
      channelId: channelA,
      visitorId: v.visitorId,
    });
    expect((await rate(channelA, forged, { caseId: v.caseId, rating: 5 })).statusCode).toBe(401);
    expect((await rate(channelA, "wv1.abc.def", { caseId: v.caseId, rating: 5 })).statusCode).toBe(401);
    expect((await rate(channelA, "", { caseId: v.caseId, rating: 5 })).statusCode).toBe(401);
    // A token of channel A sent to workspace B's channel.
    expect((await rate(channelB, v.token, { caseId: v.caseId, rating: 5 })).statusCode).toBe(401);
    // Valid token of this visitor: sanity (the secret is the real one).
    const genuine = signVisitorToken(secretA, {
      workspaceId: a.workspace.id,
      channelId: channelA,
      visitorId: v.visitorId,
    });

    for (const bad of [
      { caseId: v.caseId, rating: 0 },
      { caseId: v.caseId, rating: 6 },
      { caseId: v.caseId, rating: 3.5 },
      { caseId: v.caseId, rating: "5" },
      { caseId: v.caseId },
      { caseId: "not-a-uuid", rating: 3 },
      { caseId: v.caseId, rating: 3, comment: "x".repeat(1001) },
      { caseId: v.caseId, rating: 3, comment: 42 },
      { caseId: v.caseId, rating: 3, extra: true },
    ]) {
      const res = await rate(channelA, genuine, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.message).toBeTruthy();
    }
    expect((await rate(channelA, genuine, { caseId: v.caseId, rating: 5, comment: "x".repeat(1000) })).statusCode).toBe(
      201,
    );
  });

  it("lists and summarises answers for supervisors, per workspace and period", async () => {
    const ratings = [5, 4, 4, 1];
    for (const r of ratings) {
      const v = await chattingVisitor(channelB);
      await setStatus(b, v.caseId, "solved");
      expect((await rate(channelB, v.token, { caseId: v.caseId, rating: r })).statusCode).toBe(201);
    }
    const all: { rating: number; caseId: string }[] = [];
    let cursor = "";
    for (let i = 0; i < 10; i += 1) {
      const page = await list(b, `?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.statusCode, page.body).toBe(200);
      all.push(...page.json().data);
      cursor = page.json().nextCursor ?? "";
      if (!cursor) break;
    }
    expect(all.map((r) => r.rating)).toEqual([...ratings].reverse());
    expect(new Set(all.map((r) => r.caseId)).size).toBe(4);

    const s = (await summary(b)).json();
    expect(s).toEqual({ count: 4, average: 3.5, distribution: { 1: 1, 2: 0, 3: 0, 4: 2, 5: 1 }, csatPercent: 75 });
    // A period before any answer, and one that holds them all.
    expect((await summary(b, "?to=2020-01-01")).json()).toMatchObject({ count: 0, average: null, csatPercent: null });
    expect((await summary(b, "?from=2020-01-01&to=2100-01-01T00:00:00Z")).json().count).toBe(4);
    expect((await list(b, "?from=2100-01-01")).json().data).toEqual([]);

    // Workspace A sees only its own answers, never B's.
    const listedA = (await list(a)).json().data as { channelId: string }[];
    expect(listedA.every((r) => r.channelId === channelA)).toBe(true);
    expect(listedA.some((r) => all.some((x) => x.caseId === (r as unknown as { caseId: string }).caseId))).toBe(false);
    expect((await summary(a)).json().count).toBe(listedA.length);

    // Analysts may read; agents may not; bad input is a clear 400.
    expect((await list(b, "", "analyst")).statusCode).toBe(200);
    expect((await list(b, "", "agent")).statusCode).toBe(403);
    expect((await list(b, "?from=yesterday")).statusCode).toBe(400);
    expect((await list(b, "?cursor=!!")).statusCode).toBe(400);
    const reversed = await summary(b, "?from=2026-02-01&to=2026-01-01");
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error.details.field).toBe("from");
    expect((await env.app.inject({ url: "/api/v1/csat/summary" })).statusCode).toBe(401);
  });

  it("pages answers of one millisecond without skipping any (the cursor holds milliseconds)", async () => {
    const ws = await buildWorkspace(env);
    for (const micros of ["123456", "123300", "123100"]) {
      await sql`
        insert into csat_responses (workspace_id, id, case_id, channel_id, rating, created_at, updated_at)
        values (${ws.workspace.id}, gen_random_uuid(), gen_random_uuid(), ${channelA}, 4,
          ${`2026-11-30T10:00:00.${micros}Z`}::timestamptz, now())`.execute(env.database.db);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/v1/csat?from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await env.app.inject({ url: query, headers: ws.auth("admin") })).json() as {
        data: { id: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 10);
    expect(new Set(seen).size).toBe(3);
    expect(seen).toHaveLength(3);
  });

  it("validates proactive triggers, naming the field", async () => {
    const triggers = [
      { id: "t1", message: "Need help?", when: { timeOnPageSeconds: 30 } },
      { id: "t2", message: "Still there?", when: { inactivitySeconds: 60, urlPattern: "/checkout/*" } },
      {
        id: "t3",
        message: "Free shipping over 100!",
        when: { urlPattern: "re:(", context: { key: "cartValue", op: "gt", value: 100 } },
      },
    ];
    const bad = await createChannel(a, { triggers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe("config.triggers[2].when.urlPattern");
    expect(bad.json().error.message).toMatch(
      /^config\.triggers\[2\]\.when\.urlPattern: is not a valid regular expression/,
    );

    const empty = await createChannel(a, { triggers: [{ id: "t", message: "hi", when: {} }] });
    expect(empty.json().error.details.field).toBe("config.triggers[0].when");
    const op = await createChannel(a, {
      triggers: [{ id: "t", message: "hi", when: { context: { key: "cartValue", op: "between", value: 1 } } }],
    });
    expect(op.json().error.details.field).toBe("config.triggers[0].when.context.op");
    const dup = await createChannel(a, { triggers: [triggers[0], triggers[0]] });
    expect(dup.json().error.details.field).toBe("config.triggers");

    const good = triggers.map((t) =>
      t.id === "t3" ? { ...t, when: { ...t.when, urlPattern: "re:^https://shop\\.example/cart" } } : t,
    );
    const created = await createChannel(a, { triggers: good });
    expect(created.statusCode, created.body).toBe(201);
    const config = (await widget("GET", created.json().channel.id, "/config")).json();
    expect(config.triggers).toEqual(good);
  });

  it("says whether someone can answer: business hours and an online agent", async () => {
    const ws = await buildWorkspace(env);
    const channel = (await createChannel(ws)).json().channel.id as string;
    setWebchatAvailability(null);
    // The app's check: nobody online yet.
    const { wireWebchatAvailability } = await import("../../../webchat-availability.ts");
    wireWebchatAvailability();
    expect((await widget("GET", channel, "/config")).json().available).toBe(false);

    const login = await env.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: ws.users.agent.email, password: TEST_PASSWORD },
    });
    const cookie = `rapport_session=${login.cookies.find((c) => c.name === "rapport_session")?.value}`;
    const online = await env.app.inject({
      method: "PUT",
      url: "/api/v1/presence",
      headers: { cookie },
      payload: { status: "online" },
    });
    expect(online.statusCode, online.body).toBe(200);
    wireWebchatAvailability(); // forgets the cached answer
    expect((await widget("GET", channel, "/config")).json().available).toBe(true);

    // Outside business hours (a calendar open one minute a week, on a day that is not today), nobody can answer.
    const tomorrow = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][(new Date().getUTCDay() + 2) % 7] as string;
    const policy = await env.app.inject({
      method: "PUT",
      url: "/api/v1/sla/policy",
      headers: ws.auth("admin"),
      payload: {
        name: "Hours",
        targets: {},
        calendar: { timeZone: "UTC", weekly: { [tomorrow]: [{ start: "09:00", end: "09:01" }] } },
      },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    wireWebchatAvailability();
    expect((await widget("GET", channel, "/config")).json().available).toBe(false);
  });
});
