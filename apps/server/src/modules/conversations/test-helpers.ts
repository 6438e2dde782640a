import { afterAll, beforeAll, expect } from "vitest";
import { buildWorkspace, TEST_PASSWORD } from "../../../test/factories.ts";
import { openTestEnv, type TestEnv } from "../../../test/harness.ts";

type Workspace = Awaited<ReturnType<typeof buildWorkspace>>;
type Role = Parameters<Workspace["auth"]>[0];

/** HTTP helpers over one workspace's api channel: inbound customer messages and JSON calls as a role. */
export async function caseApi(env: TestEnv, ws: Workspace, config?: Record<string, unknown>) {
  const created = await env.app.inject({
    method: "POST",
    url: "/api/v1/channels",
    headers: ws.auth("admin"),
    payload: { type: "api", name: "Shop", ...(config ? { config } : {}) },
  });
  expect(created.statusCode, created.body).toBe(201);
  const channelId: string = created.json().channel.id;
  let seq = 0;
  const call = (
    method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
    url: string,
    payload?: object,
    role: Role = "agent",
  ) => env.app.inject({ method, url, headers: ws.auth(role), ...(payload ? { payload } : {}) });
  return {
    channelId,
    call,
    /** A JSON call as a signed-in member (a session, so the actor is the user, not a token). */
    async asUser(role: Role) {
      const login = await env.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: ws.users[role].email, password: TEST_PASSWORD },
      });
      expect(login.statusCode, login.body).toBe(200);
      const cookie = `rapport_session=${login.cookies.find((c) => c.name === "rapport_session")?.value}`;
      return (method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE", url: string, payload?: object) =>
        env.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
    },
    /** A customer message; returns its case id and message id. */
    async inbound(customer: string, text: string): Promise<{ caseId: string; messageId: string }> {
      const res = await call("POST", `/api/v1/channels/${channelId}/inbound`, {
        externalMessageId: `m-${customer}-${++seq}-${Date.now()}`,
        from: { externalId: customer, name: customer },
        text,
      });
      expect(res.statusCode, res.body).toBe(202);
      return res.json().data[0];
    },
    async messages(caseId: string): Promise<{ id: string; text: string; status: string }[]> {
      const res = await call("GET", `/api/v1/cases/${caseId}/messages?limit=200`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data;
    },
    async getCase(caseId: string) {
      const res = await call("GET", `/api/v1/cases/${caseId}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    },
    async events(
      caseId: string,
    ): Promise<{ action: string; actorType: string; actorId: string; details: Record<string, unknown> }[]> {
      const res = await call("GET", `/api/v1/cases/${caseId}/events?limit=200`);
      return res.json().data;
    },
  };
}

export type CaseTests = {
  env: TestEnv;
  /** The workspace under test, and its api channel. */
  a: Workspace;
  api: Awaited<ReturnType<typeof caseApi>>;
  /** Another workspace, whose ids must stay invisible to the first. */
  b: Workspace;
  other: Awaited<ReturnType<typeof caseApi>>;
};

/**
 * Opens a test environment before the suite's tests (two workspaces, an api channel each) and closes it after;
 * `configure` adjusts the config first, `channelConfig` gives the first channel's config.
 */
export function setupCaseTests(
  kind: "pglite" | "postgres",
  options: { configure?: (env: TestEnv) => void; channelConfig?: () => Record<string, unknown> } = {},
): CaseTests {
  const t = {} as CaseTests;
  beforeAll(async () => {
    t.env = await openTestEnv(kind);
    options.configure?.(t.env);
    t.a = await buildWorkspace(t.env);
    t.b = await buildWorkspace(t.env);
    t.api = await caseApi(t.env, t.a, options.channelConfig?.());
    t.other = await caseApi(t.env, t.b);
  });
  afterAll(async () => {
    await t.env?.close();
  });
  return t;
}
