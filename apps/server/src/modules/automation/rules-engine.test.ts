import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEnv } from "../../../test/harness.ts";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { jobIdFor } from "../../platform/jobs.ts";
import { emitEvent, runTransaction } from "../../platform/outbox.ts";
import { ingestEvents } from "../profiles/index.ts";
import { createTeam } from "../tenancy/index.ts";
import { forgetRules } from "./repository.ts";
import { MAX_DEPTH, MAX_RUNS_PER_CASE_HOUR } from "./runner.ts";
import { runScheduled } from "./scheduled.ts";
import { type AutomationWorld, setUpAutomationWorld } from "./test-factories.ts";
import { deliverWebhook, signBody, type WebhookJobData } from "./webhooks.ts";

type LogRow = {
  ruleId: string;
  ruleName: string | null;
  depth: number;
  results: { action: string; ok: boolean; skipped?: boolean; error?: string }[];
};
type Message = {
  text: string;
  type: string;
  direction: string;
  authorType: string;
  private: boolean;
  content: Record<string, unknown> | null;
};

describe.each(TEST_DATABASES)("rule engine on %s", (kind) => {
  const world = setUpAutomationWorld(kind);
  let env: TestEnv;
  let a: AutomationWorld["a"];
  let b: AutomationWorld["b"];
  beforeAll(() => {
    ({ env, a, b } = world);
  });

  const created = async (payload: object, headers?: Record<string, string>) => {
    const res = await world.createRule(payload, headers);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; updatedAt: string };
  };
  const get = async (url: string, headers = a.auth("agent")) => (await env.app.inject({ url, headers })).json();
  const messagesOf = async (caseId: string) => (await get(`/api/v1/cases/${caseId}/messages`)).data as Message[];
  const logOf = async (caseId: string) => (await get(`/api/v1/cases/${caseId}/automation-log`)).data as LogRow[];
  const caseOf = async (caseId: string) => get(`/api/v1/cases/${caseId}`);
  const patchCase = (caseId: string, payload: object) =>
    env.app.inject({ method: "PATCH", url: `/api/v1/cases/${caseId}`, headers: a.auth("agent"), payload });
  // Straight to the table, so the handlers' cached rules are dropped by hand (the API does it on every save).
  const disable = async (id: string) => {
    await sql`update automation_rules set enabled = false where workspace_id = ${a.workspace.id} and id = ${id}`.execute(
      env.database.db,
    );
    forgetRules(a.workspace.id);
  };

  it("replies with rich content mapped to the channel, and skips a kind the channel cannot carry", async () => {
    const rule = await created({
      name: "Card",
      trigger: "keyword",
      keywords: ["card"],
      actions: [
        { type: "reply", content: { kind: "article", title: "Returns", url: "https://help.example/returns" } },
        { type: "reply", content: { kind: "voice", mediaId: "V1" } },
        { type: "reply", content: { kind: "quick_replies", text: "Pick one", options: [{ id: "1", label: "Track" }] } },
        { type: "note", text: "sent the returns card" },
      ],
    });
    const msg = await world.inbound("rich-1", "cust-rich", "Card");
    await waitFor(async () => (await logOf(msg.caseId)).some((l) => l.results.length === 4));
    const [log] = await logOf(msg.caseId);
    expect(log?.ruleName).toBe("Card");
    expect(log?.results.map((r) => [r.action, r.ok, r.skipped ?? false])).toEqual([
      ["reply", true, false],
      ["reply", false, true],
      ["reply", true, false],
      ["note", true, false],
    ]);
    expect(log?.results[1]?.error).toMatch(
      /^content_not_supported: a voice reply needs one of voice; this channel carries text/,
    );
    const sent = (await messagesOf(msg.caseId)).filter((m) => m.direction === "outbound" && !m.private);
    expect(sent.map((m) => m.type).sort()).toEqual(["card", "quick-replies"]);
    await disable(rule.id);
  });

  it("runs the case actions: tags, fields, assignment by team and skill, notifications", async () => {
    const field = await env.app.inject({
      method: "POST",
      url: "/api/v1/case-fields",
      headers: a.auth("admin"),
      payload: { key: "store", label: "Store", type: "text" },
    });
    expect(field.statusCode, field.body).toBe(201);
    const team = await createTeam(env, { type: "system", workspaceId: a.workspace.id }, "Paris store");
    const rule = await created({
      name: "Paris",
      trigger: "keyword",
      keywords: ["paris"],
      conditions: { field: "case.replyWindow", op: "equals", value: "none" },
      actions: [
        { type: "add_tags", tags: ["paris", "store"] },
        { type: "remove_tags", tags: ["STORE"] },
        { type: "set_fields", fields: { store: "Paris 1er" } },
        { type: "assign", teamId: team.id, skill: "french" },
        { type: "assign", teamId: team.id },
        { type: "notify", assignee: true, text: "nobody assigned yet" },
        { type: "notify", userIds: [a.users.supervisor.id], text: "a Paris customer wrote" },
        { type: "set_status", status: "pending" },
      ],
    });
    const msg = await world.inbound("paris-1", "cust-paris", "Paris");
    await waitFor(async () => (await logOf(msg.caseId)).some((l) => l.results.length === 8));
    const [log] = await logOf(msg.caseId);
    expect(log?.results.map((r) => [r.action, r.ok, r.skipped ?? false])).toEqual([
      ["add_tags", true, false],
      ["remove_tags", true, false],
      ["set_fields", true, false],
      ["assign", false, true],
      ["assign", true, false],
      ["notify", false, true],
      ["notify", true, false],
      ["set_status", true, false],
    ]);
    expect(log?.results[3]?.error).toBe('no_agent: nobody available has the skill "french"');
    expect(log?.results[5]?.error).toMatch(/^no_recipient:/);
    const c = await caseOf(msg.caseId);
    expect(c).toMatchObject({
      tags: ["paris"],
      teamId: team.id,
      status: "pending",
      customFields: { store: "Paris 1er" },
    });
    const { rows } = await sql<{
      payload: { userIds: string[]; text: string; caseId: string };
    }>`select payload from outbox
      where workspace_id = ${a.workspace.id} and type = 'automation.notification'`.execute(env.database.db);
    expect(rows.map((r) => r.payload)).toContainEqual(
      expect.objectContaining({ userIds: [a.users.supervisor.id], text: "a Paris customer wrote", caseId: msg.caseId }),
    );
    await disable(rule.id);
  });

  it("fires menu, follow-with-scene and order rules on the contact's latest case, and logs a contact without a case", async () => {
    const msg = await world.inbound("menu-1", "cust-menu", "hello");
    const contactId = (await caseOf(msg.caseId)).contactId as string;
    const menu = await created({
      name: "Menu service",
      trigger: "menu.clicked",
      keys: ["SERVICE"],
      actions: [{ type: "note", text: "menu: service" }],
    });
    const scan = await created({
      name: "Spring QR",
      trigger: "qr.scanned",
      keys: ["spring"],
      actions: [{ type: "add_tags", tags: ["spring-campaign"] }],
    });
    const paid = await created({
      name: "Paid → follow-up",
      trigger: "order.event",
      keys: ["paid"],
      actions: [{ type: "follow_up_case", subject: "Order paid: check delivery", note: "from the payment rule" }],
    });
    const system = { type: "system" as const, workspaceId: a.workspace.id };
    await ingestEvents(env, system, [
      { id: "menu-other", type: "wechat.menu-clicked", contactId, properties: { eventKey: "OTHER" } },
      { id: "menu-svc", type: "wechat.menu-clicked", contactId, properties: { eventKey: "SERVICE" } },
      { id: "follow-1", type: "wechat.followed", contactId, properties: { scene: "spring" } },
      { id: "order-1", type: "order.paid", contactId, properties: { orderId: "o-1" } },
    ]);
    await waitFor(async () => (await logOf(msg.caseId)).length >= 3);
    const log = await logOf(msg.caseId);
    expect(log.map((l) => l.ruleName).sort()).toEqual(["Menu service", "Paid → follow-up", "Spring QR"]);
    expect(log.every((l) => l.results.every((r) => r.ok))).toBe(true);
    expect((await messagesOf(msg.caseId)).filter((m) => m.private).map((m) => m.text)).toEqual(["menu: service"]);
    expect((await caseOf(msg.caseId)).tags).toEqual(["spring-campaign"]);
    const cases = (await get(`/api/v1/cases?limit=100`)).data as { id: string; subject: string; contactId: string }[];
    expect(cases.filter((c) => c.contactId === contactId).map((c) => c.subject)).toContain(
      "Order paid: check delivery",
    );

    // A follower with no case yet: the rule runs, its case actions are skipped and say why.
    const [fresh] = await ingestEvents(env, system, [
      {
        id: "menu-new",
        type: "wechat.menu-clicked",
        identity: { kind: "crm_id", externalId: "nobody-yet" },
        properties: { eventKey: "SERVICE" },
      },
    ]);
    await waitFor(async () => {
      const rows = (await get(`/api/v1/automation/log?ruleId=${menu.id}`, a.auth("supervisor"))).data as (LogRow & {
        contactId: string;
      })[];
      return rows.some((r) => r.contactId === fresh?.contactId);
    });
    const rows = (await get(`/api/v1/automation/log?ruleId=${menu.id}`, a.auth("supervisor"))).data as (LogRow & {
      contactId: string;
    })[];
    expect(rows.find((r) => r.contactId === fresh?.contactId)?.results[0]).toMatchObject({
      skipped: true,
      error: expect.stringMatching(/^no_case:/),
    });
    for (const r of [menu, scan, paid]) await disable(r.id);
  });

  it("fires status-changed, SLA and attribute rules", async () => {
    const msg = await world.inbound("st-1", "cust-status", "my order");
    const contactId = (await caseOf(msg.caseId)).contactId as string;
    const rules = [
      await created({
        name: "Waiting",
        trigger: "case.status-changed",
        keys: ["pending"],
        actions: [{ type: "add_tags", tags: ["waiting"] }],
      }),
      await created({
        name: "Breach",
        trigger: "sla.breached",
        actions: [{ type: "set_priority", priority: "urgent" }],
      }),
      await created({
        name: "Tier",
        trigger: "contact.attribute-changed",
        keys: ["tier"],
        actions: [
          { type: "set_fields", fields: {} },
          { type: "note", text: "tier changed" },
        ],
      }),
    ];
    expect((await patchCase(msg.caseId, { status: "pending" })).statusCode).toBe(200);
    await waitFor(async () => (await caseOf(msg.caseId)).tags.includes("waiting"));
    await runTransaction(env.database, async (tx) => {
      await emitEvent(tx, { workspaceId: a.workspace.id, type: "sla.breached", payload: { caseId: msg.caseId } });
      await emitEvent(tx, {
        workspaceId: a.workspace.id,
        type: "contact.updated",
        payload: { contactId, attributes: ["tier"] },
      });
    });
    await waitFor(async () => (await caseOf(msg.caseId)).priority === "urgent");
    await waitFor(async () => (await messagesOf(msg.caseId)).some((m) => m.private && m.text === "tier changed"));
    for (const r of rules) await disable(r.id);
  });

  it("never lets a rule retrigger itself, and stops a chain of rules at the depth limit with a logged stop", async () => {
    const msg = await world.inbound("loop-1", "cust-loop", "ping");
    const tagger = await created({
      name: "Self",
      trigger: "case.updated",
      keys: ["tags"],
      actions: [{ type: "add_tags", tags: ["self"] }],
    });
    const up = await created({
      name: "Up",
      trigger: "case.updated",
      keys: ["priority"],
      conditions: { field: "case.priority", op: "equals", value: "low" },
      actions: [{ type: "set_priority", priority: "high" }],
    });
    const down = await created({
      name: "Down",
      trigger: "case.updated",
      keys: ["priority"],
      conditions: { field: "case.priority", op: "equals", value: "high" },
      actions: [{ type: "set_priority", priority: "low" }],
    });
    expect((await patchCase(msg.caseId, { tags: ["start"] })).statusCode).toBe(200);
    expect((await patchCase(msg.caseId, { priority: "low" })).statusCode).toBe(200);
    await waitFor(async () => (await logOf(msg.caseId)).some((l) => l.results[0]?.action === "loop_guard"));
    const log = await logOf(msg.caseId);
    // The tagger ran once for the agent's change, never for its own.
    expect(log.filter((l) => l.ruleId === tagger.id)).toHaveLength(1);
    const chain = log.filter((l) => l.ruleId === up.id || l.ruleId === down.id);
    expect(chain.map((l) => l.depth)).toEqual([...Array.from({ length: MAX_DEPTH + 1 }, (_, i) => i), MAX_DEPTH + 1]);
    expect(chain.at(-1)?.results[0]?.error).toMatch(/^stopped: depth limit 3 reached/);
    for (const r of [tagger, up, down]) await disable(r.id);

    // A loop through the system (which loses the depth) meets the per-case backstop.
    const again = await created({ name: "Again", trigger: "case.updated", actions: [{ type: "note", text: "again" }] });
    for (let i = 0; i < MAX_RUNS_PER_CASE_HOUR; i++)
      await sql`insert into automation_log (workspace_id, id, rule_id, event_id, case_id, results)
        values (${a.workspace.id}, ${jobIdFor(`l${i}`)}, ${again.id}, ${jobIdFor(`e${i}`)}, ${msg.caseId}, '[]')`.execute(
        env.database.db,
      );
    expect((await patchCase(msg.caseId, { priority: "urgent" })).statusCode).toBe(200);
    await waitFor(async () =>
      (await logOf(msg.caseId)).some((l) => l.ruleId === again.id && l.results[0]?.action === "loop_guard"),
    );
    expect((await logOf(msg.caseId)).find((l) => l.ruleId === again.id && l.results.length)?.results[0]?.error).toBe(
      `stopped: the rule already ran ${MAX_RUNS_PER_CASE_HOUR} times on this case in the last hour`,
    );
    await disable(again.id);
  });

  it("opens follow-up cases once: a case a rule opened gets no rule-made follow-up", async () => {
    const one = await created({
      name: "Follow up 1",
      trigger: "case.created",
      actions: [{ type: "follow_up_case", subject: "Check in (1)" }],
    });
    const two = await created({
      name: "Follow up 2",
      trigger: "case.created",
      actions: [{ type: "follow_up_case", subject: "Check in (2)" }],
    });
    const msg = await world.inbound("fu-1", "cust-follow", "new here");
    const contactId = (await caseOf(msg.caseId)).contactId as string;
    await waitFor(async () => {
      const rows = (await get(`/api/v1/automation/log?ruleId=${two.id}`, a.auth("supervisor"))).data as LogRow[];
      return rows.some((r) => r.results[0]?.skipped);
    });
    const cases = (await get("/api/v1/cases?limit=100")).data as { contactId: string; subject: string }[];
    expect(
      cases
        .filter((c) => c.contactId === contactId)
        .map((c) => c.subject)
        .sort(),
    ).toEqual(["Check in (1)", "Check in (2)", "new here"]);
    const skipped = (await get(`/api/v1/automation/log?ruleId=${two.id}`, a.auth("supervisor"))).data as LogRow[];
    expect(skipped.find((r) => r.results[0]?.skipped)?.results[0]?.error).toMatch(
      /^loop_guard: this case was itself opened by a rule/,
    );
    for (const r of [one, two]) await disable(r.id);
  });

  it("rejects references to missing teams, agents and templates with their path, and disables a rule whose team is deleted later", async () => {
    const missing = "0190a000-0000-7000-8000-0000000000ff";
    const bad = await world.createRule({
      name: "Bad refs",
      trigger: "message.received",
      actions: [
        { type: "note", text: "x" },
        { type: "assign", teamId: missing },
        { type: "notify", userIds: [missing], text: "x" },
        { type: "send_template", templateId: "TPL_NONE", data: {} },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.problems).toEqual([
      `actions[1].teamId: team ${missing} does not exist in this workspace`,
      `actions[2].userIds[0]: agent ${missing} does not exist in this workspace`,
      "actions[3].templateId: no WeChat channel of this workspace has template TPL_NONE",
    ]);
    // Another workspace's team is as missing as a made-up one.
    const theirTeam = await createTeam(env, { type: "system", workspaceId: b.workspace.id }, "Theirs");
    const foreign = await world.createRule({
      name: "x",
      trigger: "case.created",
      actions: [{ type: "assign", teamId: theirTeam.id }],
    });
    expect(foreign.json().error.details.field).toBe("actions[0].teamId");

    const team = await createTeam(env, { type: "system", workspaceId: a.workspace.id }, "Returns");
    const rule = await created({
      name: "To returns",
      trigger: "keyword",
      keywords: ["return"],
      actions: [{ type: "assign", teamId: team.id }],
    });
    await sql`delete from teams where workspace_id = ${a.workspace.id} and id = ${team.id}`.execute(env.database.db);
    const msg = await world.inbound("gone-1", "cust-gone", "return");
    await waitFor(async () => (await logOf(msg.caseId)).length === 1);
    expect((await logOf(msg.caseId))[0]?.results[0]).toMatchObject({ action: "rule_disabled", ok: false });
    const listed = (await get("/api/v1/automation/rules")).data.find((r: { id: string }) => r.id === rule.id);
    expect(listed).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/^actions\[0\]\.teamId: team .* does not exist/),
    });
  });

  describe("webhooks", () => {
    let server: Server;
    let url: string;
    const hits: { headers: IncomingHttpHeaders; body: string }[] = [];
    let answer = 500;
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          hits.push({ headers: req.headers, body });
          res.writeHead(answer).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("signs the call, retries a failure, records each attempt and never blocks the other actions", async () => {
      const secret = "s3cret-s3cret-s3cret";
      const payload = {
        name: "Hook",
        trigger: "keyword",
        keywords: ["hook"],
        actions: [
          { type: "webhook", url, secret, allowPrivateNetwork: true },
          { type: "note", text: "after the webhook" },
        ],
      };
      const refused = await world.createRule(payload);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.details.field).toBe("actions[0].allowPrivateNetwork");
      const rule = await created(payload, a.auth("admin"));
      const shown = await env.app.inject({ url: "/api/v1/automation/rules", headers: a.auth("agent") });
      expect(shown.body).not.toContain(secret);
      expect(shown.body).not.toContain("secretSealed");
      expect(shown.json().data.find((r: { id: string }) => r.id === rule.id).actions[0]).toEqual({
        type: "webhook",
        url,
        allowPrivateNetwork: true,
        hasSecret: true,
      });

      const msg = await world.inbound("hook-1", "cust-hook", "hook");
      await waitFor(async () => (await messagesOf(msg.caseId)).some((m) => m.text === "after the webhook"));
      const calls = (await get(`/api/v1/automation/webhook-calls?ruleId=${rule.id}`)).data as {
        id: string;
        status: string;
      }[];
      expect(calls).toHaveLength(1);
      expect(calls[0]?.status).toBe("pending");
      const [event] = (await logOf(msg.caseId)).map((l) => l);
      expect(event?.results.map((r) => r.ok)).toEqual([true, true]);

      const data: WebhookJobData = {
        workspaceId: a.workspace.id,
        callId: calls[0]?.id ?? "",
        ruleId: rule.id,
        eventId: jobIdFor("e"),
        caseId: msg.caseId,
        contactId: null,
        trigger: "keyword",
      };
      await expect(deliverWebhook(env, data, 1)).rejects.toThrow(/HTTP 500.*retries/);
      expect((await get(`/api/v1/automation/webhook-calls?ruleId=${rule.id}`)).data[0]).toMatchObject({
        status: "retrying",
        attempts: 1,
        responseStatus: 500,
      });
      answer = 204;
      await deliverWebhook(env, data, 2);
      expect((await get(`/api/v1/automation/webhook-calls?ruleId=${rule.id}`)).data[0]).toMatchObject({
        status: "delivered",
        attempts: 2,
        responseStatus: 204,
      });
      expect(hits).toHaveLength(2);
      for (const hit of hits) {
        expect(hit.headers["x-rapport-signature"]).toBe(signBody(secret, hit.body));
        expect(JSON.parse(hit.body)).toMatchObject({ ruleId: rule.id, caseId: msg.caseId, trigger: "keyword" });
      }
      // Saving the rule again without the secret keeps it.
      const resaved = await env.app.inject({
        method: "PUT",
        url: `/api/v1/automation/rules/${rule.id}`,
        headers: a.auth("admin"),
        payload: { ...payload, enabled: false, actions: [{ type: "webhook", url, allowPrivateNetwork: true }] },
      });
      expect(resaved.statusCode, resaved.body).toBe(200);
      expect(resaved.json().actions[0].hasSecret).toBe(true);
    });
  });

  it("runs no-reply, after-solved and cron rules only when the case still qualifies", async () => {
    const msg = await world.inbound("sched-1", "cust-sched", "anyone?");
    const tiny = 0.0002; // under a second
    const noReply = await created({
      name: "Nudge",
      trigger: "schedule.no-reply",
      schedule: { hours: tiny },
      actions: [{ type: "note", text: "no reply yet" }],
    });
    const afterSolved = await created({
      name: "Survey",
      trigger: "schedule.after-solved",
      schedule: { hours: tiny },
      actions: [{ type: "add_tags", tags: ["surveyed"] }],
    });
    const cron = await created({
      name: "Hourly",
      trigger: "schedule.cron",
      schedule: { cron: "0 * * * *" },
      conditions: { field: "case.tags", op: "includes", value: "cronme" },
      actions: [{ type: "note", text: "cron ran" }],
    });
    const ws = a.workspace.id;
    await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${msg.caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "We're on it" },
    });
    await new Promise((r) => setTimeout(r, 900));
    const at = new Date().toISOString();
    await runScheduled(
      env,
      { workspaceId: ws, ruleId: noReply.id, kind: "no-reply", caseId: msg.caseId, at },
      jobIdFor("nr-1"),
    );
    await waitFor(async () => (await messagesOf(msg.caseId)).some((m) => m.text === "no reply yet"));

    // Still open: the after-solved run does nothing; once solved it runs.
    await runScheduled(
      env,
      { workspaceId: ws, ruleId: afterSolved.id, kind: "after-solved", caseId: msg.caseId, at },
      jobIdFor("as-0"),
    );
    expect((await caseOf(msg.caseId)).tags).not.toContain("surveyed");
    expect((await patchCase(msg.caseId, { status: "solved" })).statusCode).toBe(200);
    await runScheduled(
      env,
      { workspaceId: ws, ruleId: afterSolved.id, kind: "after-solved", caseId: msg.caseId, at },
      jobIdFor("as-1"),
    );
    expect((await caseOf(msg.caseId)).tags).toContain("surveyed");

    const other = await world.inbound("sched-2", "cust-cron", "hi");
    await patchCase(other.caseId, { tags: ["cronme"] });
    const version = new Date(cron.updatedAt).getTime();
    await runScheduled(
      env,
      { workspaceId: ws, ruleId: cron.id, kind: "cron", version: version - 1, at },
      jobIdFor("c-0"),
    );
    expect((await messagesOf(other.caseId)).some((m) => m.text === "cron ran")).toBe(false);
    await runScheduled(env, { workspaceId: ws, ruleId: cron.id, kind: "cron", version, at }, jobIdFor("c-1"));
    expect((await messagesOf(other.caseId)).filter((m) => m.text === "cron ran")).toHaveLength(1);
    expect((await messagesOf(msg.caseId)).some((m) => m.text === "cron ran")).toBe(false);
    for (const r of [noReply, afterSolved, cron]) await disable(r.id);
  });

  it("dry-runs on contact facts and lists the matched cases", async () => {
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules/dry-run",
      headers: a.auth("analyst"),
      payload: {
        name: "would it?",
        trigger: "message.received",
        conditions: {
          all: [
            { field: "message.text", op: "contains", value: "hook" },
            { not: { field: "contact.tags", op: "includes", value: "none" } },
          ],
        },
        actions: [{ type: "webhook", url: "https://example.com/x" }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ matched: 1, cases: [{ firstMessage: "hook", number: expect.any(Number) }] });
    const bad = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules/dry-run",
      headers: a.auth("analyst"),
      payload: {
        name: "x",
        trigger: "message.received",
        conditions: { field: "message.text", op: "matches", value: "(" },
        actions: [{ type: "stop" }],
      },
    });
    expect(bad.json().error.details.field).toBe("conditions.value");
  });

  it("keeps rules, logs and webhook calls to their workspace", async () => {
    const theirs = await world.createRule(
      { name: "B catch-all", trigger: "message.received", actions: [{ type: "note", text: "workspace b" }] },
      b.auth("supervisor"),
    );
    expect(theirs.statusCode).toBe(201);
    const msg = await world.inbound("iso-1", "cust-iso", "hello there");
    await new Promise((r) => setTimeout(r, 500));
    expect((await messagesOf(msg.caseId)).some((m) => m.text === "workspace b")).toBe(false);
    expect((await get(`/api/v1/automation/log?ruleId=${theirs.json().id}`, b.auth("supervisor"))).data).toEqual([]);
    expect((await get(`/api/v1/automation/log`, b.auth("supervisor"))).data).toEqual([]);
    expect((await get(`/api/v1/cases/${msg.caseId}/automation-log`, b.auth("supervisor"))).data).toEqual([]);
    expect((await get(`/api/v1/automation/webhook-calls`, b.auth("supervisor"))).data).toEqual([]);
    const dry = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules/dry-run",
      headers: b.auth("analyst"),
      payload: { name: "x", trigger: "message.received", actions: [{ type: "stop" }] },
    });
    expect(dry.json()).toMatchObject({ scanned: 0, matched: 0 });
  });
});
