import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import type { OutboxEvent } from "../../platform/outbox.ts";
import { runRules } from "./index.ts";
import { cachedHasMenus } from "./keyword-menus.ts";
import { type AutomationWorld, setUpAutomationWorld } from "./test-factories.ts";

describe.each(TEST_DATABASES)("automation rules on %s", (kind) => {
  const world = setUpAutomationWorld(kind);
  let env: TestEnv;
  let a: AutomationWorld["a"];
  let b: AutomationWorld["b"];
  beforeAll(() => {
    ({ env, a, b } = world);
  });

  const createRule = (payload: object, auth?: Record<string, string>) => world.createRule(payload, auth);
  const inbound = (id: string, customer: string, text: string) => world.inbound(id, customer, text);
  const messagesOf = async (caseId: string) =>
    (await env.app.inject({ url: `/api/v1/cases/${caseId}/messages`, headers: a.auth("agent") })).json().data as {
      text: string;
      direction: string;
      authorType: string;
      private: boolean;
    }[];

  it("answers a keyword, tags and prioritises by content, and stops at a stop action", async () => {
    const menu = await createRule({
      name: "Keyword 1: track delivery",
      trigger: "keyword",
      keywords: ["1"],
      actions: [{ type: "reply", text: "Your parcel is on its way: https://track.example/88231" }],
    });
    expect(menu.statusCode, menu.body).toBe(201);
    expect(
      (
        await createRule({
          name: "Refunds are urgent",
          trigger: "message.received",
          conditions: { any: [{ field: "message.text", op: "contains", value: ["refund", "退款"] }] },
          actions: [
            { type: "add_tags", tags: ["refund"] },
            { type: "set_priority", priority: "high" },
            { type: "stop" },
          ],
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await createRule({
          name: "Never reached after stop",
          trigger: "message.received",
          actions: [{ type: "note", text: "catch-all" }],
        })
      ).statusCode,
    ).toBe(201);

    const refund = await inbound("a-1", "cust-a", "我要退款");
    await waitFor(async () => {
      const c = (await env.app.inject({ url: `/api/v1/cases/${refund.caseId}`, headers: a.auth("agent") })).json();
      return c.priority === "high";
    });
    const c = (await env.app.inject({ url: `/api/v1/cases/${refund.caseId}`, headers: a.auth("agent") })).json();
    expect(c.tags).toEqual(["refund"]);
    expect((await messagesOf(refund.caseId)).filter((m) => m.private)).toEqual([]);
    const log = (
      await env.app.inject({ url: `/api/v1/cases/${refund.caseId}/automation-log`, headers: a.auth("agent") })
    ).json().data;
    expect(log).toHaveLength(1);
    expect(log[0].results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, true]);

    const keyword = await inbound("a-2", "cust-b", " 1 ");
    await waitFor(async () => (await messagesOf(keyword.caseId)).some((m) => m.direction === "outbound"));
    const reply = (await messagesOf(keyword.caseId)).find((m) => m.direction === "outbound");
    expect(reply).toMatchObject({ authorType: "bot", text: expect.stringContaining("on its way") });
    // The catch-all (third) rule ran for the keyword message: no stop before it.
    await waitFor(async () => (await messagesOf(keyword.caseId)).some((m) => m.private));
  });

  it("runs a rule once per event even when the event is delivered again", async () => {
    const msg = await inbound("a-3", "cust-c", "refund now");
    await waitFor(async () => {
      const log = (
        await env.app.inject({ url: `/api/v1/cases/${msg.caseId}/automation-log`, headers: a.auth("agent") })
      ).json().data;
      return log.length === 1;
    });
    const { rows } = await sql<{ id: string; created_at: Date }>`select id, created_at from outbox
      where workspace_id = ${a.workspace.id} and type = 'message.created' and payload->>'messageId' = ${msg.messageId}`.execute(
      env.database.db,
    );
    const event: OutboxEvent = {
      id: rows[0]?.id ?? "",
      workspaceId: a.workspace.id,
      type: "message.created",
      payload: { caseId: msg.caseId, messageId: msg.messageId, direction: "inbound" },
      createdAt: new Date(),
    };
    await runRules(env, event);
    await runRules(env, event);
    const log = (
      await env.app.inject({ url: `/api/v1/cases/${msg.caseId}/automation-log`, headers: a.auth("agent") })
    ).json().data;
    expect(log).toHaveLength(1);
  });

  it("dry-runs a rule over recent cases", async () => {
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules/dry-run",
      headers: a.auth("analyst"),
      payload: {
        name: "would it?",
        trigger: "message.received",
        conditions: { field: "message.text", op: "matches", value: "refund|退款" },
        actions: [{ type: "stop" }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ matched: 2 });
    expect(res.json().scanned).toBeGreaterThanOrEqual(3);
  });

  it("refuses invalid rules with the path, non-supervisors, and other workspaces", async () => {
    const bad = await createRule({
      name: "bad",
      trigger: "message.received",
      conditions: { all: [{ field: "message.text", op: "matches", value: "([" }] },
      actions: [{ type: "stop" }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe("conditions.all[0].value");
    const unknownField = await createRule({
      name: "bad",
      trigger: "message.received",
      conditions: { field: "contact.password", op: "equals", value: "x" },
      actions: [{ type: "stop" }],
    });
    expect(unknownField.statusCode).toBe(400);
    expect(
      (await createRule({ name: "x", trigger: "case.created", actions: [{ type: "stop" }] }, a.auth("agent")))
        .statusCode,
    ).toBe(403);
    const rules = (await env.app.inject({ url: "/api/v1/automation/rules", headers: a.auth("agent") })).json().data;
    expect(rules.map((r: { position: number }) => r.position)).toEqual([1, 2, 3]);
    const theirs = (await env.app.inject({ url: "/api/v1/automation/rules", headers: b.auth("agent") })).json().data;
    expect(theirs).toEqual([]);
    const foreignPut = await env.app.inject({
      method: "PUT",
      url: `/api/v1/automation/rules/${rules[0].id}`,
      headers: b.auth("supervisor"),
      payload: { name: "x", trigger: "case.created", actions: [{ type: "stop" }] },
    });
    expect(foreignPut.statusCode).toBe(404);
    const foreignDelete = await env.app.inject({
      method: "DELETE",
      url: `/api/v1/automation/rules/${rules[0].id}`,
      headers: b.auth("supervisor"),
    });
    expect(foreignDelete.statusCode).toBe(404);
    const reorder = await env.app.inject({
      method: "PUT",
      url: "/api/v1/automation/rules/order",
      headers: a.auth("supervisor"),
      payload: { ids: [rules[2].id, rules[0].id, rules[1].id] },
    });
    expect(reorder.json().data.map((r: { id: string }) => r.id)).toEqual([rules[2].id, rules[0].id, rules[1].id]);
    const incomplete = await env.app.inject({
      method: "PUT",
      url: "/api/v1/automation/rules/order",
      headers: a.auth("supervisor"),
      payload: { ids: [rules[0].id] },
    });
    expect(incomplete.statusCode).toBe(400);
  });

  // Rules and "has keyword menus" are cached 5 s per workspace for the handlers; a save drops them at once.
  it("runs a rule on the next event right after it is saved, and not after it is switched off", async () => {
    const eventOf = async (messageId: string): Promise<OutboxEvent> => {
      const { rows } = await sql<{ id: string; payload: unknown; created_at: Date }>`select id, payload, created_at
        from outbox where workspace_id = ${a.workspace.id} and type = 'message.created'
          and payload->>'messageId' = ${messageId}`.execute(env.database.db);
      const row = rows[0];
      if (!row) throw new Error(`no event for message ${messageId}`);
      const { id, payload, created_at: createdAt } = row;
      return { id, workspaceId: a.workspace.id, type: "message.created", payload, createdAt };
    };
    const ranOn = async (caseId: string, ruleId: string) =>
      (await env.app.inject({ url: `/api/v1/cases/${caseId}/automation-log`, headers: a.auth("agent") }))
        .json()
        .data.some((l: { ruleId: string }) => l.ruleId === ruleId);
    const rule = {
      name: "Fresh",
      trigger: "keyword",
      keywords: ["fresh"],
      actions: [{ type: "add_tags", tags: ["fresh"] }],
    };
    // Cached: the rules as they are before the new one.
    await runRules(env, await eventOf((await inbound("fresh-1", "cust-fresh-1", "fresh")).messageId));
    const created = await createRule(rule);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const second = await inbound("fresh-2", "cust-fresh-2", "fresh");
    await runRules(env, await eventOf(second.messageId));
    expect(await ranOn(second.caseId, id)).toBe(true);

    const off = await env.app.inject({
      method: "PUT",
      url: `/api/v1/automation/rules/${id}`,
      headers: a.auth("supervisor"),
      payload: { ...rule, enabled: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    const third = await inbound("fresh-3", "cust-fresh-3", "fresh");
    await runRules(env, await eventOf(third.messageId));
    expect(await ranOn(third.caseId, id)).toBe(false);
    const deleted = await env.app.inject({
      method: "DELETE",
      url: `/api/v1/automation/rules/${id}`,
      headers: a.auth("supervisor"),
    });
    expect(deleted.statusCode).toBe(204);
  });

  it("sees a keyword menu created or deleted a moment ago", async () => {
    const ws = b.workspace.id;
    expect(await cachedHasMenus(env.database.db, ws)).toBe(false);
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/keyword-menus",
      headers: b.auth("supervisor"),
      payload: {
        name: "Help",
        tree: { text: "Help:", options: [{ key: "1", label: "Hours", reply: { kind: "text", text: "9 to 5" } }] },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(await cachedHasMenus(env.database.db, ws)).toBe(true);
    const deleted = await env.app.inject({
      method: "DELETE",
      url: `/api/v1/automation/keyword-menus/${created.json().id}`,
      headers: b.auth("supervisor"),
    });
    expect(deleted.statusCode).toBe(204);
    expect(await cachedHasMenus(env.database.db, ws)).toBe(false);
  });
});
