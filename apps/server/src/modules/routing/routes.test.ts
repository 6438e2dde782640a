import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace, TEST_PASSWORD } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { createDispatcher, type Dispatcher } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";
import { cachedSettings } from "./repository.ts";

describe.each(TEST_DATABASES)("routing on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let dispatcher: Dispatcher;
  let channelId: string;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await dispatcher.start();
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "Shop" },
    });
    channelId = created.json().channel.id;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await env?.close();
  });

  const sessionOf = async (email: string) => {
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email, password: TEST_PASSWORD },
    });
    return { cookie: `rapport_session=${res.cookies.find((c) => c.name === "rapport_session")?.value}` };
  };
  const inbound = (id: string, customer: string) =>
    env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/inbound`,
      headers: a.auth("agent"),
      payload: { externalMessageId: id, from: { externalId: customer }, text: `hello from ${customer}` },
    });

  it("auto-assigns by settings saved a moment ago (the handler's cached settings are dropped on save)", async () => {
    const ws = b.workspace.id;
    expect((await cachedSettings(env.database.db, ws)).auto_assign).toBe(false);
    const put = (autoAssign: boolean) =>
      env.app.inject({
        method: "PUT",
        url: "/api/v1/routing/settings",
        headers: b.auth("supervisor"),
        payload: { autoAssign, strategy: "round_robin", sticky: false },
      });
    expect((await put(true)).statusCode).toBe(200);
    expect(await cachedSettings(env.database.db, ws)).toEqual({
      auto_assign: true,
      strategy: "round_robin",
      sticky: false,
    });
    expect((await put(false)).statusCode).toBe(200);
    expect((await cachedSettings(env.database.db, ws)).auto_assign).toBe(false);
  });

  it("assigns new cases to an online agent with spare capacity, and says why in the case history", async () => {
    const put = await env.app.inject({
      method: "PUT",
      url: "/api/v1/routing/settings",
      headers: a.auth("supervisor"),
      payload: { autoAssign: true, strategy: "least_loaded", sticky: true },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await env.app.inject({ url: "/api/v1/routing/settings", headers: a.auth("agent") })).json()).toMatchObject({
      autoAssign: true,
    });

    // Nobody online: the case waits unassigned.
    const first = (await inbound("r-1", "c-1")).json().data[0];
    await new Promise((r) => setTimeout(r, 300));
    expect(
      (await env.app.inject({ url: `/api/v1/cases/${first.caseId}`, headers: a.auth("agent") })).json().assigneeId,
    ).toBeNull();

    const agentSession = await sessionOf(a.users.agent.email);
    const online = await env.app.inject({
      method: "PUT",
      url: "/api/v1/presence",
      headers: agentSession,
      payload: { status: "online" },
    });
    expect(online.statusCode, online.body).toBe(200);
    const second = (await inbound("r-2", "c-2")).json().data[0];
    await waitFor(async () => {
      const c = (await env.app.inject({ url: `/api/v1/cases/${second.caseId}`, headers: a.auth("agent") })).json();
      return c.assigneeId === a.users.agent.id;
    });
    const history = (
      await env.app.inject({ url: `/api/v1/cases/${second.caseId}/events`, headers: a.auth("agent") })
    ).json().data;
    const routed = history.find((e: { details: { why?: string[] } }) => e.details.why);
    expect(routed).toMatchObject({ actorType: "system" });
    expect(routed.details.why.join(" ")).toMatch(/least_loaded/);
    // The realtime invalidation says who holds the case now, so the agent's console can notify them.
    const { rows } = await env.database.query<{ payload: Record<string, unknown> }>(
      "select payload from outbox where type = 'case.updated' and payload->>'caseId' = $1",
      [second.caseId],
    );
    expect(rows.map((r) => r.payload)).toContainEqual(
      expect.objectContaining({ assigneeId: a.users.agent.id, actorType: "system", changed: ["assigneeId"] }),
    );

    // A supervisor routes the waiting case by hand.
    const manual = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${first.caseId}/route`,
      headers: a.auth("supervisor"),
    });
    expect(manual.json()).toMatchObject({ agentId: a.users.agent.id, assigned: true });

    const agents = (await env.app.inject({ url: "/api/v1/routing/agents", headers: a.auth("agent") })).json().data;
    const me = agents.find((x: { userId: string }) => x.userId === a.users.agent.id);
    expect(me).toMatchObject({ presence: "online", load: { api: 2 } });
    expect(agents.some((x: { userId: string }) => x.userId === a.users.analyst.id)).toBe(false);
  });

  it("respects capacity: a full agent gets no more cases", async () => {
    const cap = await env.app.inject({
      method: "PUT",
      url: `/api/v1/routing/agents/${a.users.agent.id}`,
      headers: a.auth("supervisor"),
      payload: { capacity: { api: 2 }, skills: { fr: 4 } },
    });
    expect(cap.statusCode, cap.body).toBe(200);
    const third = (await inbound("r-3", "c-3")).json().data[0];
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (await env.app.inject({ url: `/api/v1/cases/${third.caseId}`, headers: a.auth("agent") })).json().assigneeId,
    ).toBeNull();
    const manual = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${third.caseId}/route`,
      headers: a.auth("supervisor"),
    });
    expect(manual.json()).toMatchObject({ agentId: null, assigned: false });
    expect(manual.json().explanation.join(" ")).toMatch(/capacity|no agent/i);
  });

  it("reads back the signed-in member's own presence, never another workspace's", async () => {
    const mine = await sessionOf(a.users.supervisor.email);
    const theirs = await sessionOf(b.users.supervisor.email);
    const before = await env.app.inject({ url: "/api/v1/presence", headers: mine });
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toEqual({ status: "offline", changedAt: null });
    const put = await env.app.inject({
      method: "PUT",
      url: "/api/v1/presence",
      headers: mine,
      payload: { status: "away" },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await env.app.inject({ url: "/api/v1/presence", headers: mine })).json()).toMatchObject({
      status: "away",
      changedAt: expect.any(String),
    });
    expect((await env.app.inject({ url: "/api/v1/presence", headers: theirs })).json()).toEqual({
      status: "offline",
      changedAt: null,
    });
    const byToken = await env.app.inject({ url: "/api/v1/presence", headers: a.auth("agent") });
    expect(byToken.statusCode).toBe(409);
    const bad = await env.app.inject({
      method: "PUT",
      url: "/api/v1/presence",
      headers: mine,
      payload: { status: "busy" },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("refuses what it should: tokens setting presence, agents managing routing, bad input, other workspaces", async () => {
    const tokenPresence = await env.app.inject({
      method: "PUT",
      url: "/api/v1/presence",
      headers: a.auth("agent"),
      payload: { status: "online" },
    });
    expect(tokenPresence.statusCode).toBe(409);
    const agentManage = await env.app.inject({
      method: "PUT",
      url: "/api/v1/routing/settings",
      headers: a.auth("agent"),
      payload: { autoAssign: false, strategy: "least_loaded", sticky: true },
    });
    expect(agentManage.statusCode).toBe(403);
    const badSkill = await env.app.inject({
      method: "PUT",
      url: `/api/v1/routing/agents/${a.users.agent.id}`,
      headers: a.auth("supervisor"),
      payload: { skills: { fr: 9 } },
    });
    expect(badSkill.statusCode).toBe(400);
    const foreignMember = await env.app.inject({
      method: "PUT",
      url: `/api/v1/routing/agents/${b.users.agent.id}`,
      headers: a.auth("supervisor"),
      payload: { skills: { fr: 3 } },
    });
    expect(foreignMember.statusCode).toBe(404);
    const cases = (await env.app.inject({ url: "/api/v1/cases", headers: a.auth("agent") })).json().data;
    const foreignCase = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${cases[0].id}/route`,
      headers: b.auth("supervisor"),
    });
    expect(foreignCase.statusCode).toBe(404);
    const theirAgents = (await env.app.inject({ url: "/api/v1/routing/agents", headers: b.auth("agent") })).json().data;
    expect(theirAgents.map((x: { userId: string }) => x.userId)).not.toContain(a.users.agent.id);
    expect(
      (await env.app.inject({ url: "/api/v1/routing/settings", headers: b.auth("agent") })).json().autoAssign,
    ).toBe(false);
  });
});
