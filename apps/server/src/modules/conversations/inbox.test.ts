import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

type Listed = { id: string; priority: string; lastMessageAt: string; createdAt: string; slaDueAt: string | null };

describe.each(TEST_DATABASES)("inbox views, counts, sorting and bulk actions on %s", (kind) => {
  const t = setupCaseTests(kind);
  const ids: string[] = [];
  let teamId: string;
  let agent: Awaited<ReturnType<typeof t.api.asUser>>;

  beforeAll(async () => {
    for (const [i, priority] of ["low", "urgent", "normal", "high", "urgent", "normal", "low"].entries()) {
      const { caseId } = await t.api.inbound(`Sorted ${i}`, `Question ${i}`);
      await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { priority });
      ids.push(caseId);
    }
    teamId = (await t.api.call("POST", "/api/v1/teams", { name: "Billing" }, "admin")).json().id;
    await t.api.call("PUT", `/api/v1/teams/${teamId}/members/${t.a.users.agent.id}`, undefined, "admin");
    agent = await t.api.asUser("agent");
    // Two cases for the agent's team, one assigned to the agent; SLA due times and reply windows on some.
    await t.api.call("PATCH", `/api/v1/cases/${ids[0]}`, { teamId, assigneeId: t.a.users.agent.id });
    await t.api.call("PATCH", `/api/v1/cases/${ids[1]}`, { teamId });
    const db = t.env.database.db;
    await sql`update cases set sla_state = 'breached', sla_due_at = now() - interval '1 hour' where id = ${ids[2]}`.execute(
      db,
    );
    await sql`update cases set sla_state = 'warning', sla_due_at = now() + interval '10 minutes' where id = ${ids[3]}`.execute(
      db,
    );
    await sql`update cases set reply_window_closes_at = now() + interval '30 minutes' where id = ${ids[4]}`.execute(db);
    await sql`update cases set reply_window_closes_at = now() + interval '20 hours' where id = ${ids[5]}`.execute(db);
    await sql`update cases set reply_window_closes_at = now() - interval '1 hour' where id = ${ids[6]}`.execute(db);
  });

  /** Every case of a list, following the cursor with tiny pages. */
  async function walk(query: string, limit = 2): Promise<Listed[]> {
    const all: Listed[] = [];
    let cursor = "";
    for (let page = 0; page < 50; page++) {
      const res = await t.api.call("GET", `/api/v1/cases?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.statusCode, res.body).toBe(200);
      all.push(...res.json().data);
      cursor = res.json().nextCursor ?? "";
      if (!cursor) break;
    }
    return all;
  }

  it("sorts by priority, creation and SLA due time, and pages through each order without gaps or repeats", async () => {
    const rank: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
    const byPriority = await walk("sort=priority");
    expect(byPriority.map((c) => c.id).sort()).toEqual([...ids].sort());
    for (const [i, c] of byPriority.entries()) {
      const next = byPriority[i + 1];
      if (!next) break;
      const order = (rank[c.priority] ?? 9) - (rank[next.priority] ?? 9);
      expect(order < 0 || (order === 0 && c.lastMessageAt >= next.lastMessageAt)).toBe(true);
    }
    expect(byPriority[0]?.priority).toBe("urgent");

    const newest = await walk("sort=newest", 3);
    const oldest = await walk("sort=oldest", 3);
    expect(newest.map((c) => c.id)).toEqual([...ids].reverse());
    expect(oldest.map((c) => c.id)).toEqual(ids);
    const recent = await walk("sort=recent");
    expect(new Set(recent.map((c) => c.id)).size).toBe(ids.length);

    const slaDue = await walk("sort=slaDue");
    expect(slaDue.slice(0, 2).map((c) => c.id)).toEqual([ids[2], ids[3]]);
    expect(slaDue).toHaveLength(ids.length);
    // Same activity time to the microsecond: the id breaks the tie, and pages of one still see every case once.
    await sql`update cases set last_message_at = '2026-01-01T00:00:00.123456Z' where id in (${ids[0]}, ${ids[1]}, ${ids[2]})`.execute(
      t.env.database.db,
    );
    const tied = await walk("sort=recent", 1);
    expect(tied.map((c) => c.id).slice(-3)).toEqual([ids[2], ids[1], ids[0]]);
    expect(new Set(tied.map((c) => c.id)).size).toBe(ids.length);
    const window = await walk("sort=replyWindow", 1);
    expect(window.slice(0, 3).map((c) => c.id)).toEqual([ids[6], ids[4], ids[5]]);
  });

  it("filters my teams' cases and reply windows closing soon; an unknown sort is a 400 naming the field", async () => {
    const mine = await agent("GET", "/api/v1/cases?teamId=mine");
    expect(
      mine
        .json()
        .data.map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual([ids[0], ids[1]].sort());
    // A member of no team sees nothing under "my teams".
    const supervisor = await t.api.asUser("supervisor");
    expect((await supervisor("GET", "/api/v1/cases?teamId=mine")).json().data).toEqual([]);
    const closing = await t.api.call("GET", "/api/v1/cases?windowClosingWithin=240");
    expect(closing.json().data.map((c: { id: string }) => c.id)).toEqual([ids[4]]);
    const bad = await t.api.call("GET", "/api/v1/cases?sort=loudest");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("sort");
  });

  it("counts many views in one request, for the caller, and never another workspace's cases", async () => {
    await t.other.inbound("Elsewhere", "Not yours");
    const res = await agent("POST", "/api/v1/cases/counts", {
      views: {
        mine: { assigneeId: "me", status: "open,pending,on-hold" },
        unassigned: { assigneeId: "none", status: "open,pending,on-hold" },
        myTeams: { teamId: "mine", status: "open,pending,on-hold" },
        all: { status: "open,pending,on-hold" },
        breaching: { slaState: "warning,breached" },
        closing: { windowClosingWithin: 240 },
        [`channel:${t.api.channelId}`]: { channelId: t.api.channelId },
        urgent: { priority: "urgent", q: "Question" },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().counts).toEqual({
      mine: 1,
      unassigned: ids.length - 1,
      myTeams: 2,
      all: ids.length,
      breaching: 2,
      closing: 1,
      [`channel:${t.api.channelId}`]: ids.length,
      urgent: 2,
    });
    const bad = await agent("POST", "/api/v1/cases/counts", { views: { x: { status: "lost" } } });
    expect(bad.statusCode).toBe(400);
    const other = await t.other.call("POST", "/api/v1/cases/counts", { views: { all: {} } });
    expect(other.json().counts).toEqual({ all: 1 });
  });

  it("keeps saved views per member: create, list, rename, reorder, delete; others cannot see or touch them", async () => {
    const created = await agent("POST", "/api/v1/case-views", {
      name: "Urgent billing",
      filters: { priority: ["urgent", "high"].join(","), teamId: "mine" },
      sort: "slaDue",
    });
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json();
    expect(view).toMatchObject({
      name: "Urgent billing",
      filters: { priority: "urgent,high", teamId: "mine" },
      sort: "slaDue",
    });
    expect(
      (await agent("POST", "/api/v1/case-views", { name: "urgent BILLING", filters: {} })).json().error,
    ).toMatchObject({
      reason: "case_view_name_taken",
      details: { field: "name" },
    });
    const invalid = await agent("POST", "/api/v1/case-views", { name: "Bad", filters: { status: "lost" } });
    expect(invalid.statusCode).toBe(400);
    const unknownKey = await agent("POST", "/api/v1/case-views", { name: "Bad", filters: { colour: "red" } });
    expect(unknownKey.statusCode).toBe(400);

    const second = (
      await agent("POST", "/api/v1/case-views", { name: "Closing", filters: { windowClosingWithin: 60 } })
    ).json();
    expect(second.position).toBe(view.position + 1);
    const renamed = await agent("PATCH", `/api/v1/case-views/${view.id}`, { name: "Billing", position: 5 });
    expect(renamed.json()).toMatchObject({ name: "Billing", position: 5 });
    expect((await agent("GET", "/api/v1/case-views")).json().data.map((v: { name: string }) => v.name)).toEqual([
      "Closing",
      "Billing",
    ]);

    // Another member of the same workspace, and another workspace: not found, and their lists stay empty.
    const supervisor = await t.api.asUser("supervisor");
    expect((await supervisor("GET", "/api/v1/case-views")).json().data).toEqual([]);
    expect((await supervisor("PATCH", `/api/v1/case-views/${view.id}`, { name: "Mine now" })).statusCode).toBe(404);
    expect((await supervisor("DELETE", `/api/v1/case-views/${view.id}`)).statusCode).toBe(404);
    const foreign = await t.other.asUser("agent");
    expect((await foreign("GET", "/api/v1/case-views")).json().data).toEqual([]);
    expect((await foreign("DELETE", `/api/v1/case-views/${view.id}`)).json().error.reason).toBe("case_view_not_found");

    expect((await agent("DELETE", `/api/v1/case-views/${second.id}`)).statusCode).toBe(204);
    expect((await agent("GET", "/api/v1/case-views")).json().data).toHaveLength(1);
  });

  it("applies a bulk change in one request, reporting refused cases one by one, and can be undone", async () => {
    const fresh = [
      (await t.api.inbound("Bulk 1", "a")).caseId,
      (await t.api.inbound("Bulk 2", "b")).caseId,
      (await t.api.inbound("Bulk 3", "c")).caseId,
    ];
    await t.api.call("PATCH", `/api/v1/cases/${fresh[2]}`, { status: "closed" });
    const foreignCase = (await t.other.inbound("Foreign bulk", "x")).caseId;
    const res = await t.api.call("POST", "/api/v1/cases/bulk", {
      action: "update",
      caseIds: [...fresh, foreignCase],
      patch: { status: "pending", assigneeId: t.a.users.agent.id, addTags: ["VIP", "bulk"] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ succeeded: 2, failed: 2 });
    expect(body.results[0]).toMatchObject({
      caseId: fresh[0],
      ok: true,
      before: { status: "open", assigneeId: null },
      case: { status: "pending", tags: ["bulk", "vip"] },
    });
    expect(body.results[2]).toMatchObject({ caseId: fresh[2], ok: false, error: { reason: "case_closed" } });
    expect(body.results[3]).toMatchObject({ caseId: foreignCase, ok: false, error: { reason: "case_not_found" } });
    // The refused cases are untouched; the other workspace's case too.
    expect((await t.api.getCase(fresh[2] as string)).tags).toEqual([]);
    expect((await t.other.getCase(foreignCase)).status).toBe("open");

    const removed = await t.api.call("POST", "/api/v1/cases/bulk", {
      action: "update",
      caseIds: fresh.slice(0, 2),
      patch: { status: "open", removeTags: ["bulk"] },
    });
    expect(removed.json().results.map((r: { case: { status: string; tags: string[] } }) => r.case)).toEqual([
      expect.objectContaining({ status: "open", tags: ["vip"] }),
      expect.objectContaining({ status: "open", tags: ["vip"] }),
    ]);
    const history = await t.api.events(fresh[0] as string);
    expect(history.filter((e) => e.action === "case.updated").at(-1)?.details).toMatchObject({ why: ["bulk action"] });

    const empty = await t.api.call("POST", "/api/v1/cases/bulk", { action: "update", caseIds: fresh, patch: {} });
    expect(empty.statusCode).toBe(400);
    const tooMany = await t.api.call("POST", "/api/v1/cases/bulk", {
      action: "update",
      caseIds: Array.from({ length: 501 }, () => fresh[0]),
      patch: { status: "open" },
    });
    expect(tooMany.statusCode).toBe(400);
    const analyst = await t.api.call(
      "POST",
      "/api/v1/cases/bulk",
      { action: "update", caseIds: fresh, patch: { status: "open" } },
      "analyst",
    );
    expect(analyst.statusCode).toBe(403);
  });

  it("merges several cases into one in one request; each merge can be undone", async () => {
    const [target, one, two] = [
      (await t.api.inbound("Merge T", "target")).caseId,
      (await t.api.inbound("Merge 1", "one")).caseId,
      (await t.api.inbound("Merge 2", "two")).caseId,
    ];
    const res = await t.api.call("POST", "/api/v1/cases/bulk", {
      action: "merge",
      caseIds: [target, one, two],
      targetCaseId: target,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ succeeded: 2, failed: 0 });
    expect((await t.api.messages(target)).map((m) => m.text).sort()).toEqual(["one", "target", "two"]);
    const operationId = res.json().results[0].operationId;
    expect((await t.api.call("POST", `/api/v1/case-operations/${operationId}/undo`)).statusCode).toBe(200);
    expect((await t.api.messages(one)).map((m) => m.text)).toEqual(["one"]);
  });
});
