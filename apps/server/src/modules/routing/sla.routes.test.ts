import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { createDispatcher, type Dispatcher } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";
import { evaluateCaseSla } from "./index.ts";
import { cachedSlaPolicy } from "./repository.ts";

const MIN = 60_000;

describe.each(TEST_DATABASES)("SLA clocks on cases on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let dispatcher: Dispatcher;
  let channelId: string;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    await env.jobs.start({ work: false, supervise: false });
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await dispatcher.start();
    channelId = (
      await env.app.inject({
        method: "POST",
        url: "/api/v1/channels",
        headers: a.auth("admin"),
        payload: { type: "api", name: "Shop" },
      })
    ).json().channel.id;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await env?.close();
  });

  const get = (url: string, auth = a.auth("agent")) => env.app.inject({ url, headers: auth });

  it("validates and stores the policy; other workspaces have none", async () => {
    const bad = await env.app.inject({
      method: "PUT",
      url: "/api/v1/sla/policy",
      headers: a.auth("supervisor"),
      payload: { name: "x", targets: {}, calendar: { timeZone: "Mars/Olympus", weekly: {} } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.reason).toBe("calendar_invalid");
    const byAgent = await env.app.inject({
      method: "PUT",
      url: "/api/v1/sla/policy",
      headers: a.auth("agent"),
      payload: { name: "x", targets: {} },
    });
    expect(byAgent.statusCode).toBe(403);
    const ok = await env.app.inject({
      method: "PUT",
      url: "/api/v1/sla/policy",
      headers: a.auth("supervisor"),
      payload: { name: "Standard", targets: { normal: { firstResponse: 60, resolution: 480 } } },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await get("/api/v1/sla/policy")).json()).toMatchObject({ name: "Standard", warningThreshold: 0.8 });
    expect((await get("/api/v1/sla/policy", b.auth("agent"))).statusCode).toBe(404);
  });

  it("evaluates with a policy or business hours saved a moment ago (the cached policy is dropped on save)", async () => {
    const c = await buildWorkspace(env);
    const ws = c.workspace.id;
    const channel = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: c.auth("admin"),
      payload: { type: "api", name: "Desk" },
    });
    const received = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channel.json().channel.id}/inbound`,
      headers: c.auth("agent"),
      payload: { externalMessageId: "fresh-1", from: { externalId: "fresh" }, text: "Help" },
    });
    const caseId = received.json().data[0].caseId as string;
    // No policy: nothing to evaluate (and that answer is cached).
    expect(await evaluateCaseSla(env, ws, caseId)).toBeUndefined();
    const put = await env.app.inject({
      method: "PUT",
      url: "/api/v1/sla/policy",
      headers: c.auth("supervisor"),
      payload: { name: "Fresh", targets: { normal: { firstResponse: 30 } } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await evaluateCaseSla(env, ws, caseId))?.evaluation.policy).toBe("Fresh");
    const calendar = { timeZone: "Europe/Paris", weekly: { mon: [{ start: "09:00", end: "17:00" }] } };
    const hours = await env.app.inject({
      method: "PUT",
      url: "/api/v1/business-hours",
      headers: c.auth("supervisor"),
      payload: { calendar },
    });
    expect(hours.statusCode, hours.body).toBe(200);
    expect((await cachedSlaPolicy(env.database.db, ws))?.calendar).toEqual(calendar);
  });

  it("starts the clocks on a new case, warns, breaches, and pauses while pending", async () => {
    const res = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/inbound`,
      headers: a.auth("agent"),
      payload: { externalMessageId: "s-1", from: { externalId: "sla-1" }, text: "Help" },
    });
    const caseId = res.json().data[0].caseId as string;
    const until = Date.now() + 10_000;
    let c = (await get(`/api/v1/cases/${caseId}`)).json();
    while (c.slaState !== "ok" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      c = (await get(`/api/v1/cases/${caseId}`)).json();
    }
    expect(c.slaState).toBe("ok");
    expect(Date.parse(c.slaDueAt) - Date.parse(c.createdAt)).toBe(60 * MIN);
    // The next look is scheduled as a job at the warning time (80 % of 60 min), not polled.
    const scheduled = await env.database.query<{ n: number }>(
      `select count(*)::int as n from ${env.jobsSchema}.job where name = 'sla.evaluate' and data->>'caseId' = $1`,
      [caseId],
    );
    expect(scheduled.rows[0]?.n).toBeGreaterThan(0);

    const created = Date.parse(c.createdAt);
    expect((await evaluateCaseSla(env, a.workspace.id, caseId, new Date(created + 50 * MIN)))?.state).toBe("warning");
    expect((await evaluateCaseSla(env, a.workspace.id, caseId, new Date(created + 61 * MIN)))?.state).toBe("breached");
    const breached = (await get("/api/v1/cases?slaState=breached")).json().data.map((x: { id: string }) => x.id);
    expect(breached).toContain(caseId);
    const outbox = await sql<{ type: string }>`select type from outbox where workspace_id = ${a.workspace.id}
      and type like 'sla.%' order by id`.execute(env.database.db);
    expect(outbox.rows.map((r) => r.type)).toEqual(["sla.at-risk", "sla.breached"]);

    // Pending pauses the clocks: two hours later nothing is due.
    await env.app.inject({
      method: "PATCH",
      url: `/api/v1/cases/${caseId}`,
      headers: a.auth("agent"),
      payload: { status: "pending" },
    });
    const paused = await evaluateCaseSla(env, a.workspace.id, caseId, new Date(Date.now() + 120 * MIN));
    expect(paused?.evaluation.targets.find((t) => t.target === "resolution")?.state).toBe("paused");
    expect((await get(`/api/v1/cases/${caseId}/sla/evaluate`, a.auth("supervisor"))).statusCode).toBe(404);
    const other = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/sla/evaluate`,
      headers: b.auth("supervisor"),
    });
    expect(other.statusCode).toBe(404);
  });
});
