import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";

type Entry = { id: string; action: string; actorId: string | null; objectType: string | null; createdAt: string };

describe.each(TEST_DATABASES)("the audit log viewer's API on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let before: string;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    before = new Date(Date.now() - 1000).toISOString();
    const post = (url: string, payload: object, role: "admin" | "supervisor" = "admin") =>
      env.app.inject({ method: "POST", url, headers: a.auth(role), payload });
    const status = await post("/api/v1/case-statuses", { name: "Waiting on parts", type: "pending" });
    expect(status.statusCode, status.body).toBe(201);
    await env.app.inject({
      method: "PATCH",
      url: `/api/v1/case-statuses/${status.json().id}`,
      headers: a.auth("admin"),
      payload: { name: "Waiting for parts" },
    });
    const reply = await post("/api/v1/quick-replies", {
      scope: "workspace",
      shortcut: "thanks",
      title: "Thanks",
      body: "Thank you {{contact.first_name|there}}!",
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const macro = await post(
      "/api/v1/macros",
      { name: "Close politely", actions: [{ type: "set_status", status: "solved" }] },
      "supervisor",
    );
    expect(macro.statusCode, macro.body).toBe(201);
    await env.app.inject({ method: "DELETE", url: `/api/v1/macros/${macro.json().id}`, headers: a.auth("admin") });
    await post("/api/v1/case-fields", { key: "order_ref", label: "Order", type: "text" });
    await env.app.inject({
      method: "POST",
      url: "/api/v1/case-statuses",
      headers: b.auth("admin"),
      payload: { name: "B only", type: "open" },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  const list = async (query: string, auth = a.auth("admin")) => {
    const res = await env.app.inject({ url: `/api/v1/audit-log?${query}`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { data: Entry[]; nextCursor: string | null };
  };

  it("records admin changes to statuses, fields, quick replies and macros", async () => {
    const actions = (await list("limit=200")).data.map((e) => e.action);
    for (const action of [
      "case_status.created",
      "case_status.updated",
      "case_field.created",
      "quick_reply.created",
      "macro.created",
      "macro.deleted",
    ]) {
      expect(actions, action).toContain(action);
    }
    const [created] = (await list("action=quick_reply.created")).data as (Entry & { details: unknown })[];
    expect(created?.details).toEqual({ shortcut: "thanks", title: "Thanks", scope: "workspace" });
  });

  it("filters by action family, actor and date, newest first", async () => {
    const macros = (await list("action=macro.")).data;
    expect(macros.map((e) => e.action)).toEqual(["macro.deleted", "macro.created"]);
    // The supervisor's token created the macro and did nothing else.
    const supervisor = macros[1]?.actorId;
    expect(supervisor).toBeTruthy();
    const bySupervisor = (await list(`actorId=${supervisor}`)).data;
    expect(bySupervisor.map((e) => e.action)).toEqual(["macro.created"]);
    expect((await list(`from=${encodeURIComponent(before)}&action=case_status.`)).data).toHaveLength(2);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await list(`from=${encodeURIComponent(future)}`)).data).toEqual([]);
    expect((await list(`to=${encodeURIComponent(before)}&action=case_status.`)).data).toEqual([]);
    // A family filter is a prefix, never a pattern.
    expect((await list("action=%25.")).data).toEqual([]);
  });

  it("pages with a keyset cursor without repeating or skipping an entry", async () => {
    const all = (await list("limit=200")).data.map((e) => e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Entry[]; nextCursor: string | null } = await list(
        `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it("refuses bad filters with the field named", async () => {
    for (const query of ["from=yesterday", "to=2026-13-01T00:00:00Z", "limit=0", "cursor=%%%"]) {
      const res = await env.app.inject({ url: `/api/v1/audit-log?${query}`, headers: a.auth("admin") });
      expect(res.statusCode, query).toBe(400);
    }
    const reversed = await env.app.inject({
      url: "/api/v1/audit-log?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
      headers: a.auth("admin"),
    });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error).toMatchObject({ reason: "date_range_invalid", details: { field: "to" } });
  });

  it("is for admins only", async () => {
    for (const role of ["supervisor", "agent", "analyst"] as const) {
      const res = await env.app.inject({ url: "/api/v1/audit-log", headers: a.auth(role) });
      expect(res.statusCode, role).toBe(403);
    }
  });

  it("never shows another workspace's entries, even filtered by its actor", async () => {
    const mine = await list("limit=200", b.auth("owner"));
    expect(mine.data.map((e) => e.action)).toContain("case_status.created");
    const body = JSON.stringify(mine);
    expect(body).not.toContain("Waiting");
    expect(body).not.toContain("thanks");
    for (const u of Object.values(a.users)) expect(body).not.toContain(u.id);
    const actorInA = (await list("action=macro.created")).data[0]?.actorId;
    expect(actorInA).toBeTruthy();
    expect(body).not.toContain(actorInA);
    expect((await list(`actorId=${actorInA}`, b.auth("owner"))).data).toEqual([]);
  });
});
