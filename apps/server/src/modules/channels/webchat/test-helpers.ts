/** Shared set-up of web chat integration tests: a test env with two workspaces and the visitor API's calls. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, type TestEnv } from "../../../../test/harness.ts";
import { createDispatcher, type Dispatcher } from "../../../platform/outbox.ts";
import { subscribeHandlers } from "../../../wiring.ts";

export type Workspace = Awaited<ReturnType<typeof buildWorkspace>>;
export type WidgetCall = {
  token?: string;
  payload?: object | Buffer;
  origin?: string;
  channel?: string;
  headers?: Record<string, string>;
};

let clientIds = 0;
/** A fresh client message id. */
export function nextClientId(): string {
  clientIds += 1;
  return `client-${Date.now()}-${clientIds}`;
}

/** Polls until check returns something truthy. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens an env (files under a temp DATA_DIR, jobs and the outbox running) with workspaces a and b. */
export function setupWebchatTests(kind: "pglite" | "postgres", settings: Record<string, string> = {}) {
  const t = {} as {
    env: TestEnv;
    a: Workspace;
    b: Workspace;
    dataDir: string;
    dispatcher: Dispatcher;
  };
  beforeAll(async () => {
    t.dataDir = await mkdtemp(join(tmpdir(), "rapport-webchat-"));
    t.env = await openTestEnv(kind, { DATA_DIR: t.dataDir, ...settings });
    t.a = await buildWorkspace(t.env);
    t.b = await buildWorkspace(t.env);
    t.dispatcher = createDispatcher(t.env.database, { pollIntervalMs: 50 });
    subscribeHandlers(t.env, t.dispatcher);
    await t.env.jobs.start({ work: true, supervise: false });
    await t.dispatcher.start();
  });
  afterAll(async () => {
    await t.dispatcher?.stop();
    await t.env?.close();
    if (t.dataDir) await rm(t.dataDir, { recursive: true, force: true });
  });

  const createChannel = async (ws: Workspace, config: Record<string, unknown> = {}, type = "webchat") => {
    const created = await t.env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: ws.auth("admin"),
      payload: { type, name: `${type} channel`, config },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json() as { channel: { id: string; config: Record<string, unknown> }; identitySecret?: string };
  };
  const patchChannel = async (ws: Workspace, id: string, config: Record<string, unknown>) =>
    t.env.app.inject({
      method: "PATCH",
      url: `/api/v1/channels/${id}`,
      headers: ws.auth("admin"),
      payload: { config },
    });
  const widget = (channel: string, method: "GET" | "POST", path: string, o: WidgetCall = {}) =>
    t.env.app.inject({
      method,
      url: `/widget/v1/channels/${channel}${path}`,
      headers: {
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(o.origin ? { origin: o.origin } : {}),
        ...o.headers,
      },
      ...(o.payload ? { payload: o.payload } : {}),
    });
  const startSession = async (channel: string) => {
    const res = await widget(channel, "POST", "/sessions", { payload: {} });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { visitorId: string; token: string };
  };
  const say = (channel: string, token: string, text: string) =>
    widget(channel, "POST", "/messages", { token, payload: { clientMessageId: nextClientId(), text } });
  /** The open case of workspace ws whose subject contains a text. */
  const caseWith = async (ws: Workspace, text: string) =>
    waitFor(async () => {
      const res = await t.env.app.inject({ url: "/api/v1/cases?limit=100", headers: ws.auth("agent") });
      return (res.json().data as { id: string; subject: string; contactId: string }[]).find((c) =>
        c.subject.includes(text),
      );
    });
  const messagesOf = async (ws: Workspace, caseId: string) =>
    (await t.env.app.inject({ url: `/api/v1/cases/${caseId}/messages`, headers: ws.auth("agent") })).json().data as {
      id: string;
      type: string;
      text: string;
      private: boolean;
      content: Record<string, unknown>;
    }[];
  return { t, createChannel, patchChannel, widget, startSession, say, caseWith, messagesOf };
}
