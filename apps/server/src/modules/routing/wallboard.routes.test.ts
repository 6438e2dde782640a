import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { evaluateCaseSla } from "./use-cases/case-sla.ts";
import { startOfDay } from "./use-cases/wallboard.ts";

describe("startOfDay", () => {
  it("is midnight of the day in the workspace's zone, not in UTC", () => {
    const now = new Date("2026-03-10T02:30:00Z");
    expect(startOfDay("UTC", now).toISOString()).toBe("2026-03-10T00:00:00.000Z");
    // 02:30 UTC is still the 9th in New York (UTC-4 after the March change, UTC-5 before it).
    expect(startOfDay("America/New_York", now).toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(startOfDay("Asia/Shanghai", now).toISOString()).toBe("2026-03-09T16:00:00.000Z");
  });
});

describe.each(TEST_DATABASES)("wallboard on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let channelId: string;
  let teamId: string;
  const caseIds: string[] = [];

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "Shop" },
    });
    channelId = created.json().channel.id;
    teamId = (
      await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: a.auth("admin"),
        payload: { name: "Billing" },
      })
    ).json().id;
    for (const n of [1, 2, 3]) {
      const res = await env.app.inject({
        method: "POST",
        url: `/api/v1/channels/${channelId}/inbound`,
        headers: a.auth("agent"),
        payload: { externalMessageId: `w-${n}`, from: { externalId: `cust-${n}` }, text: `question ${n}` },
      });
      caseIds.push(res.json().data[0].caseId);
    }
    const [first, second, third] = caseIds as [string, string, string];
    // The first is taken by the agent and answered; the second waits in the Billing team's queue.
    const patch = (id: string, payload: object) =>
      env.app.inject({ method: "PATCH", url: `/api/v1/cases/${id}`, headers: a.auth("supervisor"), payload });
    expect((await patch(first, { assigneeId: a.users.agent.id })).statusCode).toBe(200);
    expect((await patch(second, { teamId })).statusCode).toBe(200);
    const reply = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${first}/messages`,
      headers: a.auth("agent"),
      payload: { text: "on it" },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    // The third has missed a one-minute first response target.
    const policy = await env.app.inject({
      method: "PUT",
      url: "/api/v1/sla/policy",
      headers: a.auth("admin"),
      payload: { name: "Fast", targets: { normal: { firstResponse: 1 } } },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    const evaluated = await evaluateCaseSla(env, a.workspace.id, third, new Date(Date.now() + 5 * 60_000));
    expect(evaluated?.state).toBe("breached");
  });
  afterAll(async () => {
    await env?.close();
  });

  it("shows queues per team and channel, the longest waits, agents' load, SLA breaches and today's volumes", async () => {
    const res = await env.app.inject({ url: "/api/v1/wallboard", headers: a.auth("supervisor") });
    expect(res.statusCode, res.body).toBe(200);
    const board = res.json();
    const [first, second, third] = caseIds;
    expect(board.timeZone).toBe("UTC");
    expect(board.totals).toMatchObject({ open: 3, waiting: 2, slaBreached: 1, slaAtRisk: 0 });
    expect(board.totals.longestWaitSeconds).toBeGreaterThanOrEqual(0);
    expect(board.teams).toContainEqual(expect.objectContaining({ teamId, open: 1, waiting: 1 }));
    expect(board.teams).toContainEqual(expect.objectContaining({ teamId: null, open: 2, waiting: 1 }));
    expect(board.channels).toEqual([expect.objectContaining({ channelId, open: 3, waiting: 2 })]);
    // Oldest first; the assigned case is not waiting.
    expect(board.waiting.map((c: { id: string }) => c.id)).toEqual([second, third]);
    expect(board.waiting[0]).toMatchObject({ number: expect.any(Number), teamId, waitSeconds: expect.any(Number) });
    expect(board.sla).toMatchObject({ breached: 1, atRisk: 0 });
    expect(board.sla.cases).toEqual([expect.objectContaining({ id: third, slaState: "breached" })]);
    const agent = board.agents.find((x: { userId: string }) => x.userId === a.users.agent.id);
    expect(agent).toMatchObject({ presence: "offline", load: 1, loadByChannelType: { api: 1 }, capacity: 10 });
    expect(board.presence).toMatchObject({ online: 0, offline: board.agents.length });
    expect(board.today).toMatchObject({ created: 3, solved: 0, inboundMessages: 3, outboundMessages: 1 });
    expect(board.today.firstResponse).toMatchObject({ count: 1, medianSeconds: expect.any(Number) });
    expect(board.today.hourly.reduce((n: number, h: { created: number }) => n + h.created, 0)).toBe(3);
    expect(first).toBeDefined();
  });

  it("narrows the waiting and SLA lists to one team or channel, not the counts", async () => {
    const [, second, third] = caseIds;
    const byTeam = (
      await env.app.inject({ url: `/api/v1/wallboard?teamId=${teamId}`, headers: a.auth("agent") })
    ).json();
    expect(byTeam.waiting.map((c: { id: string }) => c.id)).toEqual([second]);
    expect(byTeam.sla.cases).toEqual([]);
    expect(byTeam.totals.waiting).toBe(2);
    const byChannel = (
      await env.app.inject({ url: `/api/v1/wallboard?channelId=${channelId}`, headers: a.auth("agent") })
    ).json();
    expect(byChannel.waiting.map((c: { id: string }) => c.id)).toEqual([second, third]);
    // Another workspace's channel lists nothing of this one.
    const elsewhere = (
      await env.app.inject({ url: `/api/v1/wallboard?channelId=${channelId}`, headers: b.auth("agent") })
    ).json();
    expect(elsewhere.waiting).toEqual([]);
    expect((await env.app.inject({ url: "/api/v1/wallboard?teamId=nope", headers: a.auth("agent") })).statusCode).toBe(
      400,
    );
  });

  it("counts a case solved today, and any member may read the wallboard", async () => {
    const solved = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/cases/${caseIds[0]}`,
      headers: a.auth("agent"),
      payload: { status: "solved" },
    });
    expect(solved.statusCode, solved.body).toBe(200);
    const board = (await env.app.inject({ url: "/api/v1/wallboard", headers: a.auth("analyst") })).json();
    expect(board.today.solved).toBe(1);
    expect(board.totals.open).toBe(2);
  });

  it("shows another workspace nothing of this one", async () => {
    const res = await env.app.inject({ url: "/api/v1/wallboard", headers: b.auth("admin") });
    expect(res.statusCode).toBe(200);
    const board = res.json();
    expect(board.totals).toMatchObject({ open: 0, waiting: 0, slaBreached: 0 });
    expect(board.teams).toEqual([]);
    expect(board.channels).toEqual([]);
    expect(board.waiting).toEqual([]);
    expect(board.sla.cases).toEqual([]);
    expect(board.today).toMatchObject({ created: 0, inboundMessages: 0, outboundMessages: 0 });
    const ids = board.agents.map((x: { userId: string }) => x.userId);
    expect(ids).toContain(b.users.agent.id);
    expect(ids).not.toContain(a.users.agent.id);
  });

  it("asks who is calling", async () => {
    expect((await env.app.inject({ url: "/api/v1/wallboard" })).statusCode).toBe(401);
  });
});
