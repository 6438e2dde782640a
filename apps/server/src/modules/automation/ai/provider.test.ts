import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";

type Call = {
  url: string;
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[] };
};

/**
 * A fake OpenAI-compatible server on loopback: answers `POST …/chat/completions` with the last user message
 * echoed (`mode` "fail" answers 500, "slow" waits 2 s, "garbled" answers no choices).
 */
async function fakeOpenAi() {
  const calls: Call[] = [];
  const state = { mode: "ok" as "ok" | "fail" | "slow" | "garbled" };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = JSON.parse(raw) as Call["body"];
      calls.push({ url: req.url ?? "", headers: req.headers, body });
      const answer = () => {
        if (state.mode === "fail") return res.writeHead(500).end('{"error":{"message":"boom"}}');
        const content = `ECHO ${body.messages.at(-1)?.content ?? ""}`;
        const payload =
          state.mode === "garbled" ? { id: "x" } : { choices: [{ message: { role: "assistant", content } }] };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(payload));
      };
      if (state.mode === "slow") setTimeout(answer, 2000);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { url, calls, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const KEY = "sk-test-very-secret-123";

describe.each(TEST_DATABASES)("the optional external AI provider on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let fake: Awaited<ReturnType<typeof fakeOpenAi>>;
  let caseId: string;

  beforeAll(async () => {
    fake = await fakeOpenAi();
    env = await openTestEnv(kind, { AI_PROVIDER_TIMEOUT_MS: "500" });
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    await env.jobs.start({ work: false, supervise: false });
    const channel = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "Shop" },
    });
    const inbound = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channel.json().channel.id}/inbound`,
      headers: a.auth("agent"),
      payload: { externalMessageId: "p1", from: { externalId: "zoe" }, text: "My blender arrived broken, order 77." },
    });
    caseId = inbound.json().data[0].caseId;
    await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "Sorry to hear that! Could you send a photo?" },
    });
  });
  afterAll(async () => {
    await env?.close();
    await fake?.close();
  });

  const post = (url: string, payload: object, auth = a.auth("agent")) =>
    env.app.inject({ method: "POST", url, headers: auth, payload });

  it("answers 409 ai_provider_not_configured while no provider is set", async () => {
    for (const [url, payload] of [
      ["/api/v1/ai/summarize", { caseId }],
      ["/api/v1/ai/draft", { caseId }],
      ["/api/v1/ai/translate", { text: "Bonjour", to: "en" }],
    ] as const) {
      const res = await post(url, payload);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.body).toContain("ai_provider_not_configured");
    }
    const view = await env.app.inject({ url: "/api/v1/ai/provider", headers: a.auth("analyst") });
    expect(view.json()).toMatchObject({ configured: false, source: null });
  });

  it("is configured per workspace by admins; the key is encrypted at rest and never shown", async () => {
    const payload = { url: fake.url, model: "tiny-1", apiKey: KEY, allowPrivateNetwork: true };
    expect(
      (await env.app.inject({ method: "PUT", url: "/api/v1/ai/provider", headers: a.auth("agent"), payload }))
        .statusCode,
    ).toBe(403);
    const loopback = await env.app.inject({
      method: "PUT",
      url: "/api/v1/ai/provider",
      headers: a.auth("admin"),
      payload: { ...payload, allowPrivateNetwork: false },
    });
    expect(loopback.statusCode).toBe(400);
    const put = await env.app.inject({ method: "PUT", url: "/api/v1/ai/provider", headers: a.auth("admin"), payload });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({
      configured: true,
      source: "workspace",
      url: fake.url,
      model: "tiny-1",
      hasApiKey: true,
      allowPrivateNetwork: true,
    });
    expect(put.body).not.toContain(KEY);
    const read = await env.app.inject({ url: "/api/v1/ai/provider", headers: a.auth("analyst") });
    expect(read.body).not.toContain(KEY);
    const { rows } = await sql<{ k: string }>`select provider_key_encrypted as k from ai_settings
      where workspace_id = ${a.workspace.id}`.execute(env.database.db);
    expect(rows[0]?.k).toBeTruthy();
    expect(rows[0]?.k).not.toContain(KEY);
    // Another workspace is still off.
    expect((await post("/api/v1/ai/translate", { text: "Hola", to: "en" }, b.auth("agent"))).statusCode).toBe(409);
  });

  it("summarises and drafts from the case transcript, translates, with the key as bearer token", async () => {
    const before = fake.calls.length;
    const summary = await post("/api/v1/ai/summarize", { caseId });
    expect(summary.statusCode, summary.body).toBe(200);
    expect(summary.json().summary).toContain("Customer: My blender arrived broken, order 77.");
    expect(summary.json().summary).toContain("Agent: Sorry to hear that! Could you send a photo?");
    const call = fake.calls[before];
    expect(call?.url).toBe("/v1/chat/completions");
    expect(call?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call?.body.model).toBe("tiny-1");
    expect(call?.body.messages[0]?.role).toBe("system");

    const draft = await post("/api/v1/ai/draft", { caseId, instructions: "Offer a replacement" });
    expect(draft.statusCode, draft.body).toBe(200);
    expect(draft.json().draft).toContain("Instructions from the agent: Offer a replacement");
    expect((await post("/api/v1/ai/draft", { caseId }, a.auth("analyst"))).statusCode).toBe(403);

    const translated = await post("/api/v1/ai/translate", { text: "Où est mon colis ?", to: "zh-CN" });
    expect(translated.statusCode, translated.body).toBe(200);
    expect(translated.json()).toEqual({ to: "zh-CN", text: "ECHO Où est mon colis ?" });
    expect(fake.calls.at(-1)?.body.messages[0]?.content).toContain('"zh-CN"');
  });

  it("answers clear errors: bad input 400, another workspace's case 404, provider failure or timeout 503", async () => {
    expect((await post("/api/v1/ai/translate", { text: "Hi", to: "english!" })).statusCode).toBe(400);
    expect((await post("/api/v1/ai/summarize", { caseId: "nope" })).statusCode).toBe(400);
    expect((await post("/api/v1/ai/summarize", { caseId }, b.auth("admin"))).statusCode).toBe(404);
    for (const mode of ["fail", "slow", "garbled"] as const) {
      fake.state.mode = mode;
      const res = await post("/api/v1/ai/summarize", { caseId });
      expect(res.statusCode, `${mode}: ${res.body}`).toBe(503);
      expect(res.json().error?.reason ?? res.body).toContain("ai_provider_failed");
      expect(res.body).not.toContain(KEY);
    }
    fake.state.mode = "ok";
  });

  it("falls back to the server's provider when the workspace removes its own", async () => {
    const off = await env.app.inject({
      method: "PUT",
      url: "/api/v1/ai/provider",
      headers: a.auth("admin"),
      payload: { url: null },
    });
    expect(off.json()).toMatchObject({ configured: false, source: null, hasApiKey: false });
    const { rows } = await sql<{ k: string | null }>`select provider_key_encrypted as k from ai_settings
      where workspace_id = ${a.workspace.id}`.execute(env.database.db);
    expect(rows[0]?.k).toBeNull();
    const server = await openTestEnv(kind, { AI_PROVIDER_URL: fake.url, AI_PROVIDER_MODEL: "server-model" });
    try {
      const ws = await buildWorkspace(server);
      await server.jobs.start({ work: false, supervise: false });
      const view = await server.app.inject({ url: "/api/v1/ai/provider", headers: ws.auth("agent") });
      expect(view.json()).toMatchObject({
        configured: true,
        source: "server",
        model: "server-model",
        hasApiKey: false,
      });
      const res = await server.app.inject({
        method: "POST",
        url: "/api/v1/ai/translate",
        headers: ws.auth("agent"),
        payload: { text: "Hola", to: "en" },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(fake.calls.at(-1)?.headers.authorization).toBeUndefined();
      expect(fake.calls.at(-1)?.body.model).toBe("server-model");
    } finally {
      await server.close();
    }
  });
});
