import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace, TEST_PASSWORD } from "../../../test/factories.ts";
import { countingDatabase, openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { createDispatcher, type Dispatcher, runTransaction } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";
import { declareChannelType, receiveMessage } from "../conversations/index.ts";
import { resolveContact } from "../profiles/index.ts";
import { ingestApiMessages, signWebhook } from "./index.ts";
import { findChannel } from "./repository.ts";

type Hook = { body: string; headers: IncomingMessage["headers"] };

/** A webhook receiver whose answers the test scripts (a status per call, then 200). */
async function webhookReceiver() {
  const received: Hook[] = [];
  const script: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ body, headers: req.headers });
      const status = script.shift() ?? 200;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `ext-${received.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, script, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(TEST_DATABASES)("inbound and outbound through the api channel on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let dispatcher: Dispatcher;
  let channelId: string;
  let secret: string;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    hook = await webhookReceiver();
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "Shop", config: { webhookUrl: hook.url, allowPrivateNetwork: true } },
    });
    expect(created.statusCode, created.body).toBe(201);
    channelId = created.json().channel.id;
    secret = created.json().webhookSecret;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await hook?.close();
    await env?.close();
  });

  const inbound = (payload: object, auth = a.auth("agent")) =>
    env.app.inject({ method: "POST", url: `/api/v1/channels/${channelId}/inbound`, headers: auth, payload });
  const get = (url: string, auth: Record<string, string> = a.auth("agent")) => env.app.inject({ url, headers: auth });

  it("creates channels for admins only and never shows their secret again", async () => {
    expect(secret).toMatch(/^whsec_/);
    const agent = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("agent"),
      payload: { type: "api", name: "x" },
    });
    expect(agent.statusCode).toBe(403);
    const shown = await get(`/api/v1/channels/${channelId}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain(secret);
    const unknownType = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "carrier-pigeon", name: "x" },
    });
    expect(unknownType.statusCode).toBe(400);
    const privateHook = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "x", config: { webhookUrl: "http://127.0.0.1:9/hook" } },
    });
    expect(privateHook.statusCode).toBe(400);
    expect(privateHook.json().error.reason).toBe("url_private_network");
  });

  it("stores a message once however often it is sent, in one case per customer", async () => {
    const msg = {
      externalMessageId: "m-1",
      from: { externalId: "cust-1", name: "Li Wei" },
      text: "Where is my order?",
    };
    const first = await inbound(msg);
    expect(first.statusCode, first.body).toBe(202);
    const again = await inbound(msg);
    expect(again.json().data[0]).toMatchObject({ duplicate: true, caseId: first.json().data[0].caseId });
    const batch = await inbound({
      messages: [
        { externalMessageId: "m-2", from: { externalId: "cust-1" }, text: "Order 1234" },
        {
          externalMessageId: "m-3",
          from: { externalId: "cust-2", name: "Amélie" },
          text: "Bonjour, un remboursement ?",
        },
        { externalMessageId: "m-2", from: { externalId: "cust-1" }, text: "Order 1234" },
      ],
    });
    expect(batch.statusCode, batch.body).toBe(202);
    const [m2, m3, m2again] = batch.json().data;
    expect(m2.caseId).toBe(first.json().data[0].caseId);
    expect(m3.caseId).not.toBe(m2.caseId);
    expect(m2again).toMatchObject({ duplicate: true, messageId: m2.messageId });

    const messages = await get(`/api/v1/cases/${m2.caseId}/messages`);
    expect(messages.json().data.map((m: { text: string }) => m.text)).toEqual(["Where is my order?", "Order 1234"]);
    expect(messages.json().data[0]).toMatchObject({
      direction: "inbound",
      type: "text",
      status: "received",
      channelId,
    });
    const detail = (await get(`/api/v1/cases/${m2.caseId}`)).json();
    expect(detail).toMatchObject({ subject: "Where is my order?", status: "open", priority: "normal" });
    expect(detail.channelIds).toEqual([channelId]);
    expect(detail.contact).toMatchObject({ id: detail.contactId, displayName: "Li Wei" });
  });

  it("stores a batch of known customers' messages in as many statements as one message", async () => {
    const { database, statements } = countingDatabase(env);
    const ctx = { ...env, database };
    const channel = await findChannel(env.database.db, a.workspace.id, channelId);
    if (!channel) throw new Error("no channel");
    const batch = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        externalMessageId: `count-${tag}-${i}`,
        from: { externalId: `count-cust-${i}` },
        text: `Counting ${i}`,
      }));
    await ingestApiMessages(ctx, channel, batch("warm", 10)); // the 10 customers become known
    statements.length = 0;
    await ingestApiMessages(ctx, channel, batch("one", 1));
    const forOne = statements.length;
    statements.length = 0;
    await ingestApiMessages(ctx, channel, batch("ten", 10));
    expect(statements.length).toBe(forOne);
    expect(forOne).toBeLessThanOrEqual(10);
    // New customers too: ten new contacts cost the statements of one.
    const fresh = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        externalMessageId: `count-${tag}-${i}`,
        from: { externalId: `count-${tag}-cust-${i}`, email: `count-${tag}-${i}@example.com` },
        text: `New ${i}`,
      }));
    await ingestApiMessages(ctx, channel, fresh("new-warm", 1)); // the workspace's case numbers are known
    statements.length = 0;
    await ingestApiMessages(ctx, channel, fresh("new-one", 1));
    const forOneNew = statements.length;
    statements.length = 0;
    const stored = await ingestApiMessages(ctx, channel, fresh("new-ten", 10));
    expect(statements.length).toBe(forOneNew);
    expect(new Set(stored.map((r) => r.caseId)).size).toBe(10);
  });

  it("group-commits concurrent requests: every message once, one case per customer, a bad request alone refused", async () => {
    const sends = Array.from({ length: 60 }, (_, i) =>
      inbound({
        externalMessageId: `gc-${i % 50}`,
        from: { externalId: `gc-cust-${(i % 50) % 7}` },
        text: `Concurrent ${i % 50}`,
      }),
    );
    const bad = inbound({ externalMessageId: "gc-bad", from: { externalId: "  " }, text: "no sender" });
    const [responses, refused] = await Promise.all([Promise.all(sends), bad]);
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 202));
    expect(refused.statusCode).toBe(400);
    const results = responses.map((r) => r.json().data[0] as { messageId: string; caseId: string; duplicate: boolean });
    // The 10 repeated ids come back as duplicates of the same messages.
    expect(new Set(results.map((r) => r.messageId)).size).toBe(50);
    expect(results.filter((r) => r.duplicate)).toHaveLength(10);
    const casesByCustomer = new Map<number, Set<string>>();
    for (const [i, r] of results.entries()) {
      casesByCustomer.set((i % 50) % 7, (casesByCustomer.get((i % 50) % 7) ?? new Set()).add(r.caseId));
    }
    expect([...casesByCustomer.values()].map((s) => s.size)).toEqual(Array(7).fill(1));
    const thread = await get(`/api/v1/cases/${results[0]?.caseId}/messages?limit=100`);
    expect(thread.json().data.map((m: { text: string }) => m.text)).toEqual(
      [0, 7, 14, 21, 28, 35, 42, 49].map((n) => `Concurrent ${n}`),
    );
  });

  it("lists, filters, searches and pages cases", async () => {
    const page = (await get("/api/v1/cases?limit=1")).json();
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).toBeTruthy();
    const next = (await get(`/api/v1/cases?limit=1&cursor=${page.nextCursor}`)).json();
    expect(next.data).toHaveLength(1);
    expect(next.data[0].id).not.toBe(page.data[0].id);
    const found = (await get(`/api/v1/cases?q=${encodeURIComponent("remboursement")}`)).json();
    expect(found.data.map((c: { subject: string }) => c.subject)).toEqual(["Bonjour, un remboursement ?"]);
    const unassigned = (await get("/api/v1/cases?assigneeId=none&status=open,pending")).json();
    expect(unassigned.data.length).toBeGreaterThanOrEqual(2);
    const bad = await get("/api/v1/cases?status=lost");
    expect(bad.statusCode).toBe(400);
    const badCursor = await get("/api/v1/cases?cursor=bm9wZQ");
    expect(badCursor.statusCode).toBe(400);
  });

  it("assigns, tags and solves a case, records why, and refuses what cannot be", async () => {
    const c = (await get("/api/v1/cases?q=remboursement")).json().data[0];
    const patch = (payload: object, auth = a.auth("agent")) =>
      env.app.inject({ method: "PATCH", url: `/api/v1/cases/${c.id}`, headers: auth, payload });
    const assigned = await patch({ assigneeId: a.users.agent.id, tags: ["Refund", "refund", "VIP"], priority: "high" });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json()).toMatchObject({ assigneeId: a.users.agent.id, tags: ["refund", "vip"], priority: "high" });
    const login = await env.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: a.users.agent.email, password: TEST_PASSWORD },
    });
    const session = { cookie: `rapport_session=${login.cookies.find((k) => k.name === "rapport_session")?.value}` };
    expect((await get("/api/v1/cases?assigneeId=me", session)).json().data.map((x: { id: string }) => x.id)).toEqual([
      c.id,
    ]);
    expect((await get("/api/v1/cases?tag=vip")).json().data).toHaveLength(1);

    const foreign = await patch({ assigneeId: b.users.agent.id });
    expect(foreign.statusCode).toBe(409);
    expect(foreign.json().error.reason).toBe("assignee_not_member");
    const analyst = await patch({ assigneeId: a.users.analyst.id });
    expect(analyst.json().error.reason).toBe("assignee_cannot_work_cases");
    expect((await patch({ status: "solved" }, a.auth("analyst"))).statusCode).toBe(403);
    expect((await patch({})).statusCode).toBe(400);
    expect((await patch({ status: "solved" })).json()).toMatchObject({ status: "solved" });

    // A new message within the reopen period reopens the solved case.
    const reopened = await inbound({ externalMessageId: "m-4", from: { externalId: "cust-2" }, text: "Still waiting" });
    expect(reopened.json().data[0].caseId).toBe(c.id);
    expect((await get(`/api/v1/cases/${c.id}`)).json()).toMatchObject({ status: "open" });

    expect((await patch({ status: "closed" })).statusCode).toBe(200);
    const refused = await patch({ status: "open" });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.reason).toBe("case_closed");
    const fresh = await inbound({ externalMessageId: "m-5", from: { externalId: "cust-2" }, text: "New question" });
    expect(fresh.json().data[0].caseId).not.toBe(c.id);

    const history = (await get(`/api/v1/cases/${c.id}/events`)).json().data;
    expect(history.map((e: { action: string }) => e.action)).toEqual([
      "case.created",
      "case.updated",
      "case.updated",
      "case.reopened",
      "case.updated",
    ]);
    expect(history[1].details.changes.assigneeId).toEqual({ from: null, to: a.users.agent.id });
  });

  it("delivers a reply as a signed webhook and marks it sent; notes stay private", async () => {
    const c = (await get("/api/v1/cases?q=order")).json().data[0];
    const before = hook.received.length;
    const reply = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${c.id}/messages`,
      headers: a.auth("agent"),
      payload: { text: "It ships tomorrow." },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json()).toMatchObject({ direction: "outbound", status: "queued", text: "It ships tomorrow." });
    const note = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${c.id}/messages`,
      headers: a.auth("agent"),
      payload: { text: "@supervisor check the stock", private: true },
    });
    expect(note.json()).toMatchObject({ private: true, status: "sent", channelId: null });

    await waitFor(async () => {
      const m = (await get(`/api/v1/cases/${c.id}/messages`)).json().data;
      return m.some((x: { id: string; status: string }) => x.id === reply.json().id && x.status === "sent");
    });
    const delivered = hook.received.slice(before);
    expect(delivered).toHaveLength(1);
    const [call] = delivered;
    expect(call?.headers["x-rapport-signature"]).toBe(signWebhook(secret, call?.body ?? ""));
    expect(call?.headers["idempotency-key"]).toBe(reply.json().id);
    expect(JSON.parse(call?.body ?? "{}")).toMatchObject({
      message: { text: "It ships tomorrow." },
      recipient: { externalId: "cust-1" },
    });
    const m = (await get(`/api/v1/cases/${c.id}/messages`))
      .json()
      .data.find((x: { id: string }) => x.id === reply.json().id);
    expect(m.platformMessageId).toMatch(/^ext-/);
    const deliveries = (await get(`/api/v1/channels/${channelId}/deliveries`, a.auth("admin"))).json().data;
    expect(deliveries[0]).toMatchObject({ messageId: reply.json().id, statusCode: 200 });
  });

  it("retries a webhook that fails for a while, and fails a message the receiver refuses", async () => {
    const c = (await get("/api/v1/cases?q=order")).json().data[0];
    const send = async (text: string) =>
      (
        await env.app.inject({
          method: "POST",
          url: `/api/v1/cases/${c.id}/messages`,
          headers: a.auth("agent"),
          payload: { text },
        })
      ).json().id as string;
    const statusOf = async (id: string) =>
      (await get(`/api/v1/cases/${c.id}/messages?limit=200`)).json().data.find((x: { id: string }) => x.id === id);

    hook.script.push(503);
    const retried = await send("retry me");
    await waitFor(async () => (await statusOf(retried)).status === "sent", 30_000);

    hook.script.push(400);
    const refused = await send("refuse me");
    await waitFor(async () => (await statusOf(refused)).status === "failed");
    expect((await statusOf(refused)).error).toBe("webhook answered 400");
    const count = hook.received.filter((h) => h.body.includes("refuse me")).length;
    expect(count).toBe(1);
  });

  it("refuses content the channel cannot carry, and replies outside the reply window", async () => {
    const c = (await get("/api/v1/cases?q=order")).json().data[0];
    const voice = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${c.id}/messages`,
      headers: a.auth("agent"),
      payload: { content: { type: "voice", mediaId: "x" } },
    });
    expect(voice.statusCode).toBe(422);
    expect(voice.json().error).toMatchObject({ reason: "content_not_supported" });
    expect(voice.json().error.details.allowed).toContain("text");

    // A channel type with WeChat's rules: 48 h, 2 replies per window here.
    declareChannelType("test-window", { contentTypes: ["text"], replyWindow: { hours: 48, maxMessages: 2 } });
    const ws = a.workspace.id;
    const received = await runTransaction(env.database, async (tx) => {
      const { contactId } = await resolveContact(tx, { workspaceId: ws }, { kind: "crm_id", externalId: "win-1" });
      return receiveMessage(tx, {
        workspaceId: ws,
        channel: { id: "00000000-0000-7000-8000-00000000000a", type: "test-window" },
        contactId,
        externalThreadId: "win-1",
        platformMessageId: "w-1",
        type: "text",
        text: "Hello",
      });
    });
    const caseId = received.caseId;
    const reply = () =>
      env.app.inject({
        method: "POST",
        url: `/api/v1/cases/${caseId}/messages`,
        headers: a.auth("agent"),
        payload: { text: "hi" },
      });
    expect((await get(`/api/v1/cases/${caseId}`)).json().replyWindowClosesAt).toBeTruthy();
    expect((await reply()).statusCode).toBe(201);
    expect((await reply()).statusCode).toBe(201);
    const quota = await reply();
    expect(quota.statusCode).toBe(409);
    expect(quota.json().error.reason).toBe("reply_window_quota_reached");

    await sql`update conversations set last_inbound_at = now() - interval '49 hours', window_messages_sent = 0
      where workspace_id = ${ws} and case_id = ${caseId}`.execute(env.database.db);
    const closed = await reply();
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.reason).toBe("reply_window_closed");
    expect(Date.parse(closed.json().error.details.closedAt)).toBeLessThan(Date.now());
  });

  it("never shows another workspace's channels, cases or messages", async () => {
    const c = (await get("/api/v1/cases")).json().data[0];
    const theirs = b.auth("admin");
    expect((await get(`/api/v1/cases/${c.id}`, theirs)).statusCode).toBe(404);
    expect((await get(`/api/v1/cases/${c.id}/messages`, theirs)).statusCode).toBe(404);
    expect((await get(`/api/v1/cases/${c.id}/events`, theirs)).statusCode).toBe(404);
    expect((await get(`/api/v1/channels/${channelId}`, theirs)).statusCode).toBe(404);
    expect((await get(`/api/v1/channels/${channelId}/deliveries`, theirs)).statusCode).toBe(404);
    expect((await get("/api/v1/cases", theirs)).json().data).toEqual([]);
    expect((await get("/api/v1/channels", theirs)).json().data).toEqual([]);
    const patch = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/cases/${c.id}`,
      headers: theirs,
      payload: { status: "solved" },
    });
    expect(patch.statusCode).toBe(404);
    const post = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${c.id}/messages`,
      headers: theirs,
      payload: { text: "x" },
    });
    expect(post.statusCode).toBe(404);
    const inject = await inbound({ externalMessageId: "x", from: { externalId: "x" }, text: "x" }, theirs);
    expect(inject.statusCode).toBe(404);
  });

  it("answers bad inbound payloads with the field at fault", async () => {
    const missing = await inbound({ externalMessageId: "z", from: { externalId: "" }, text: "x" });
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json().error)).toContain("from");
    const noText = await inbound({ externalMessageId: "z", from: { externalId: "q" } });
    expect(noText.statusCode).toBe(400);
    const tooMany = await inbound({
      messages: Array.from({ length: 501 }, (_, i) => ({
        externalMessageId: `t${i}`,
        from: { externalId: "q" },
        text: "x",
      })),
    });
    expect(tooMany.statusCode).toBe(400);
  });
});
