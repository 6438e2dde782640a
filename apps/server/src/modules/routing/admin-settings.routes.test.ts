import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";

const week = {
  timeZone: "Asia/Shanghai",
  weekly: { mon: [{ start: "09:00", end: "18:00" }], tue: [{ start: "09:00", end: "18:00" }] },
  holidays: [{ date: "2026-10-01", name: "National Day" }],
};

describe.each(TEST_DATABASES)("business hours and skills on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  const call = (
    method: "GET" | "PUT" | "POST" | "DELETE",
    url: string,
    auth: Record<string, string>,
    payload?: unknown,
  ) => env.app.inject({ method, url, headers: auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const audit = async (action: string, auth = a.auth("admin")) =>
    (await call("GET", `/api/v1/audit-log?action=${action}`, auth)).json().data as {
      action: string;
      details: Record<string, unknown>;
    }[];

  it("stores the workspace's business hours, audits them, and the SLA policy reads them as its calendar", async () => {
    expect((await call("GET", "/api/v1/business-hours", a.auth("agent"))).json()).toEqual({ calendar: null });
    const put = await call("PUT", "/api/v1/business-hours", a.auth("supervisor"), { calendar: week });
    expect(put.statusCode, put.body).toBe(200);
    expect((await call("GET", "/api/v1/business-hours", a.auth("agent"))).json().calendar).toEqual(week);
    const [entry] = await audit("business_hours.updated");
    expect(entry?.details).toEqual({ timeZone: "Asia/Shanghai", openDays: ["mon", "tue"], holidays: 1 });

    await call("PUT", "/api/v1/sla/policy", a.auth("admin"), { name: "Std", targets: { normal: { resolution: 60 } } });
    expect((await call("GET", "/api/v1/sla/policy", a.auth("agent"))).json().calendar).toEqual(week);
    // Saving the policy with a calendar changes the one shared calendar.
    const other = { ...week, timeZone: "Europe/Paris" };
    await call("PUT", "/api/v1/sla/policy", a.auth("admin"), { name: "Std", targets: {}, calendar: other });
    expect((await call("GET", "/api/v1/business-hours", a.auth("agent"))).json().calendar.timeZone).toBe(
      "Europe/Paris",
    );
    expect((await audit("sla_policy.updated")).length).toBe(2);
  });

  it("refuses a bad calendar with the problem named, and agents may not change it", async () => {
    const zone = await call("PUT", "/api/v1/business-hours", a.auth("admin"), {
      calendar: { timeZone: "Mars/Olympus", weekly: { mon: [{ start: "10:00", end: "10:00" }] } },
    });
    expect(zone.statusCode).toBe(400);
    expect(zone.json().error).toMatchObject({ reason: "calendar_invalid", details: { field: "calendar" } });
    expect(zone.json().error.message).toContain("Mars/Olympus");
    expect(zone.json().error.message).toContain("mon[0] is empty");
    const time = await call("PUT", "/api/v1/business-hours", a.auth("admin"), {
      calendar: { timeZone: "UTC", weekly: { mon: [{ start: "9:00", end: "18:00" }] } },
    });
    expect(time.statusCode).toBe(400);
    expect(JSON.stringify(time.json().error.details)).toContain("weekly");
    const holiday = await call("PUT", "/api/v1/business-hours", a.auth("admin"), {
      calendar: { timeZone: "UTC", weekly: {}, holidays: [{ date: "2026-02-30" }] },
    });
    expect(holiday.statusCode).toBe(400);
    expect((await call("PUT", "/api/v1/business-hours", a.auth("agent"), { calendar: null })).statusCode).toBe(403);
  });

  it("keeps business hours per workspace, and clearing them means always open", async () => {
    expect((await call("GET", "/api/v1/business-hours", b.auth("admin"))).json()).toEqual({ calendar: null });
    await call("PUT", "/api/v1/business-hours", b.auth("admin"), { calendar: { timeZone: "UTC", weekly: {} } });
    expect((await call("GET", "/api/v1/business-hours", a.auth("admin"))).json().calendar.timeZone).toBe(
      "Europe/Paris",
    );
    const cleared = await call("PUT", "/api/v1/business-hours", b.auth("admin"), { calendar: null });
    expect(cleared.json()).toEqual({ calendar: null });
    expect((await call("GET", "/api/v1/business-hours", b.auth("admin"))).json()).toEqual({ calendar: null });
    expect((await audit("business_hours.cleared", b.auth("admin"))).length).toBe(1);
  });

  it("defines skills, lists them with how many agents have each, and removes one from every agent", async () => {
    const created = await call("POST", "/api/v1/routing/skills", a.auth("admin"), { name: "billing" });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({ name: "billing", agents: 0, defined: true });
    const twice = await call("POST", "/api/v1/routing/skills", a.auth("admin"), { name: "Billing" });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({ reason: "skill_exists", details: { field: "name" } });
    expect((await call("POST", "/api/v1/routing/skills", a.auth("admin"), { name: " " })).statusCode).toBe(400);
    expect((await call("POST", "/api/v1/routing/skills", a.auth("agent"), { name: "x" })).statusCode).toBe(403);

    const agent = a.users.agent.id;
    const put = await call("PUT", `/api/v1/routing/agents/${agent}`, a.auth("admin"), {
      skills: { billing: 3, chinese: 5 },
      capacity: { api: 4 },
    });
    expect(put.statusCode, put.body).toBe(200);
    const [updated] = await audit("routing.agent.updated");
    expect(updated?.details).toEqual({ skills: { billing: 3, chinese: 5 }, capacity: { api: 4 } });
    const list = (await call("GET", "/api/v1/routing/skills", a.auth("agent"))).json().data;
    expect(list).toEqual([
      { name: "billing", agents: 1, defined: true },
      { name: "chinese", agents: 1, defined: false },
    ]);

    expect((await call("DELETE", "/api/v1/routing/skills/billing", a.auth("admin"))).statusCode).toBe(204);
    const agents = (await call("GET", "/api/v1/routing/agents", a.auth("admin"))).json().data as {
      userId: string;
      skills: Record<string, number>;
    }[];
    expect(agents.find((x) => x.userId === agent)?.skills).toEqual({ chinese: 5 });
    expect((await call("DELETE", "/api/v1/routing/skills/billing", a.auth("admin"))).statusCode).toBe(404);
    expect((await audit("skill.")).map((e) => e.action)).toEqual(["skill.deleted", "skill.created"]);
  });

  it("never shows or deletes another workspace's skills", async () => {
    await call("POST", "/api/v1/routing/skills", a.auth("admin"), { name: "secret-skill" });
    const body = (await call("GET", "/api/v1/routing/skills", b.auth("admin"))).body;
    expect(body).not.toContain("secret-skill");
    expect(body).not.toContain("chinese");
    expect((await call("DELETE", "/api/v1/routing/skills/secret-skill", b.auth("admin"))).statusCode).toBe(404);
    const names = (await call("GET", "/api/v1/routing/skills", a.auth("admin")))
      .json()
      .data.map((s: { name: string }) => s.name);
    expect(names).toContain("secret-skill");
  });
});
