import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { countingDatabase, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { waitFor } from "../../../../test/wait.ts";
import { type AutomationWorld, setUpAutomationWorld } from "../test-factories.ts";
import { checkSpikes, watchesKeywords } from "./spikes.ts";
import { ensureMessageAnalyses, workspaceModels } from "./store.ts";

describe.each(TEST_DATABASES)("AI triage and suggestions on %s", (kind) => {
  const world = setUpAutomationWorld(kind);
  let env: TestEnv;
  let a: AutomationWorld["a"];
  let b: AutomationWorld["b"];
  beforeAll(() => {
    ({ env, a, b } = world);
  });

  const inbound = (id: string, customer: string, text: string) => world.inbound(id, customer, text);
  const analysisOf = async (caseId: string, auth = a.auth("agent")) =>
    env.app.inject({ url: `/api/v1/cases/${caseId}/analysis`, headers: auth });
  const analyze = async (text: string, auth = a.auth("agent")) =>
    (await env.app.inject({ method: "POST", url: "/api/v1/ai/analyze", headers: auth, payload: { text } })).json();

  it("analyses a text: language, sentiment, category, confidence, intents", async () => {
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/analyze",
      headers: a.auth("analyst"),
      payload: { text: "我要投诉！退款三十天了还没到" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      language: "zh",
      sentiment: { label: "negative" },
      category: "complaint",
      intents: ["refund", "complaint"],
    });
    const empty = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/analyze",
      headers: a.auth("agent"),
      payload: { text: " " },
    });
    expect(empty.statusCode).toBe(400);
  });

  it("stores the analysis of every inbound message and aggregates the worst sentiment on the case", async () => {
    const first = await inbound("m1", "alice", "Hello, how do I change my delivery address?");
    await waitFor(async () => (await analysisOf(first.caseId)).json().messagesAnalyzed === 1);
    const second = await inbound("m2", "alice", "This is unacceptable, my order arrived broken and nobody answers!");
    expect(second.caseId).toBe(first.caseId);
    await waitFor(async () => (await analysisOf(first.caseId)).json().messagesAnalyzed === 2);
    const body = (await analysisOf(first.caseId)).json();
    expect(body.worstSentiment.label).toBe("negative");
    expect(body.lastCategory).toBe("complaint");
    expect(body.lastLanguage).toBe("en");
    expect(body.messages.map((m: { category: string }) => m.category)).toEqual(["question", "complaint"]);
    expect(body.messages[1].messageId).toBe(second.messageId);
  });

  it("keeps corrections per workspace and applies them to the case they name", async () => {
    const text = "The parcel came wrapped in newspaper";
    const before = await analyze(text);
    expect(before.category).not.toBe("praise");
    const m = await inbound("m3", "bob", text);
    await waitFor(async () => (await analysisOf(m.caseId)).json().messagesAnalyzed === 1);

    const denied = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/corrections",
      headers: a.auth("analyst"),
      payload: { text, category: "praise" },
    });
    expect(denied.statusCode).toBe(403);
    const invalid = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/corrections",
      headers: a.auth("agent"),
      payload: { text },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain("category");
    const corrected = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/corrections",
      headers: a.auth("agent"),
      payload: { messageId: m.messageId, category: "praise", sentiment: "positive" },
    });
    expect(corrected.statusCode, corrected.body).toBe(201);
    expect(corrected.json().text).toBe(text);

    expect((await analyze(text)).category).toBe("praise");
    expect((await analyze(text, b.auth("agent"))).category).toBe(before.category);
    const caseBody = (await analysisOf(m.caseId)).json();
    expect(caseBody.lastCategory).toBe("praise");
    expect(caseBody.worstSentiment.label).toBe("positive");
    expect(caseBody.messages[0].corrected).toBe(true);
    const list = await env.app.inject({ url: "/api/v1/ai/corrections", headers: a.auth("agent") });
    expect(list.json().data).toHaveLength(1);
    expect((await env.app.inject({ url: "/api/v1/ai/corrections", headers: b.auth("agent") })).json().data).toEqual([]);
    const foreign = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/corrections",
      headers: b.auth("agent"),
      payload: { messageId: m.messageId, category: "spam" },
    });
    expect(foreign.statusCode).toBe(404);
  });

  it("lets rules test the sentiment, category, language and intents, and refuses unknown values", async () => {
    const bad = await world.createRule({
      name: "bad",
      trigger: "message.received",
      conditions: { field: "message.sentiment", op: "equals", value: "angry" },
      actions: [{ type: "stop" }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe("conditions.value");
    const rule = await world.createRule({
      name: "Angry Chinese refunds are urgent",
      trigger: "message.received",
      conditions: {
        all: [
          { field: "message.sentiment", op: "equals", value: "negative" },
          { field: "message.category", op: "in", value: ["complaint"] },
          { field: "message.language", op: "equals", value: "zh" },
          { field: "message.intents", op: "includes", value: "refund" },
          { field: "case.sentiment", op: "equals", value: "negative" },
        ],
      },
      actions: [
        { type: "add_tags", tags: ["refund-complaint"] },
        { type: "set_priority", priority: "urgent" },
      ],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const calm = await inbound("m4", "carol", "请问退款多久到账？");
    const angry = await inbound("m5", "dave", "太过分了！退款一个月还没到，我要投诉");
    const caseOf = async (id: string) =>
      (await env.app.inject({ url: `/api/v1/cases/${id}`, headers: a.auth("agent") })).json();
    await waitFor(async () => (await caseOf(angry.caseId)).priority === "urgent");
    expect((await caseOf(angry.caseId)).tags).toContain("refund-complaint");
    await waitFor(async () => (await analysisOf(calm.caseId)).json().messagesAnalyzed === 1);
    expect((await caseOf(calm.caseId)).priority).not.toBe("urgent");
    const dry = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules/dry-run",
      headers: a.auth("agent"),
      payload: {
        name: "complaints",
        trigger: "message.received",
        conditions: { field: "message.category", op: "equals", value: "complaint" },
        actions: [{ type: "stop" }],
      },
    });
    expect(dry.json().sample).toContain(angry.caseId);
    expect(dry.json().sample).not.toContain(calm.caseId);
  });

  it("suggests knowledge-base articles and past agent replies for the case's last message", async () => {
    for (const versions of [
      { en: { title: "How to request a refund", body: "Ask within 14 days; the money is back in 5 days." } },
      { en: { title: "Change your password", body: "Open Settings, then Security." } },
    ]) {
      const res = await env.app.inject({
        method: "POST",
        url: "/api/v1/knowledge/articles",
        headers: a.auth("admin"),
        payload: { status: "published", versions },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const past = await inbound("m6", "erin", "When will I get my refund for order 1234?");
    const reply = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${past.caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "Refunds reach your card within 5 working days after we receive the parcel." },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const other = await inbound("m7", "frank", "Where is my parcel?");
    await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${other.caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text: "It ships tomorrow." },
    });
    await waitFor(async () => (await analysisOf(other.caseId)).json().messagesAnalyzed === 1);

    const now = await inbound("m8", "gina", "Hi, I still have not received my refund, how long does it take?");
    const res = await env.app.inject({ url: `/api/v1/cases/${now.caseId}/suggestions`, headers: a.auth("agent") });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.messageId).toBe(now.messageId);
    expect(body.articles[0].title).toBe("How to request a refund");
    expect(body.articles[0].titleHighlight).toContain("<mark>refund</mark>");
    expect(body.articles.map((x: { title: string }) => x.title)).not.toContain("Change your password");
    expect(body.replies[0].text).toContain("Refunds reach your card");
    expect(body.replies[0].caseId).toBe(past.caseId);
    expect(body.replies[0].similarMessage.highlight).toContain("<mark>refund</mark>");
    expect(body.replies.map((r: { text: string }) => r.text)).not.toContain("It ships tomorrow.");
  });

  it("auto-triages: tags the category and intents, raises the priority, never lowers it", async () => {
    const rule = await world.createRule({
      name: "Triage Spanish messages",
      trigger: "message.received",
      conditions: { field: "message.language", op: "equals", value: "es" },
      actions: [{ type: "auto_triage" }],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const caseOf = async (id: string) =>
      (await env.app.inject({ url: `/api/v1/cases/${id}`, headers: a.auth("agent") })).json();
    const angry = await inbound("t1", "ines", "Es inaceptable, me cobraron dos veces y quiero un reembolso ya");
    await waitFor(async () => (await caseOf(angry.caseId)).tags.includes("refund"));
    const c = await caseOf(angry.caseId);
    expect(c.tags).toEqual(expect.arrayContaining(["complaint", "refund"]));
    expect(["high", "urgent"]).toContain(c.priority);
    const spam = await inbound("t2", "juan", "Gana dinero rápido desde casa, haz clic en www.dinero-facil.xyz");
    await waitFor(async () => (await caseOf(spam.caseId)).tags.includes("spam"));
    expect((await caseOf(spam.caseId)).priority).toBe("normal");
  });

  it("detects a spike of a watched keyword, records it once an hour and emits it", async () => {
    const settings = { watchedKeywords: ["recall"], minCount: 3, factor: 2 };
    const denied = await env.app.inject({
      method: "PUT",
      url: "/api/v1/ai/settings",
      headers: a.auth("agent"),
      payload: settings,
    });
    expect(denied.statusCode).toBe(403);
    const put = await env.app.inject({
      method: "PUT",
      url: "/api/v1/ai/settings",
      headers: a.auth("supervisor"),
      payload: settings,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await env.app.inject({ url: "/api/v1/ai/settings", headers: a.auth("analyst") })).json()).toEqual(settings);
    const ids: string[] = [];
    for (const [i, text] of [
      "Is my kettle part of the recall?",
      "RECALL notice received, what now",
      "recall 召回",
    ].entries()) {
      const m = await inbound(`s${i}`, `spiker-${i}`, text);
      ids.push(m.messageId);
      await waitFor(async () => (await analysisOf(m.caseId)).json().messagesAnalyzed === 1);
    }
    const found = await checkSpikes(env, a.workspace.id);
    const recall = found.find((f) => f.metric === "keyword:recall");
    expect(recall?.count).toBe(3);
    expect(recall?.messageIds.sort()).toEqual([...ids].sort());
    expect((await checkSpikes(env, a.workspace.id)).find((f) => f.metric === "keyword:recall")).toBeUndefined();
    const alerts = (await env.app.inject({ url: "/api/v1/ai/alerts", headers: a.auth("agent") })).json().data;
    expect(alerts.filter((x: { metric: string }) => x.metric === "keyword:recall")).toHaveLength(1);
    expect((await env.app.inject({ url: "/api/v1/ai/alerts", headers: b.auth("agent") })).json().data).toEqual([]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from outbox
      where workspace_id = ${a.workspace.id} and type = 'ai.spike-detected' and payload->>'metric' = 'keyword:recall'`.execute(
      env.database.db,
    );
    expect(rows[0]?.n).toBe(1);
  });

  it("moderates customer messages: flags spam and abuse on the analysis and tags the case", async () => {
    const caseOf = async (id: string, auth = a.auth("agent")) =>
      env.app.inject({ url: `/api/v1/cases/${id}`, headers: auth });
    const verdict = await analyze("Espèce de connard, rendez-moi mon argent");
    expect(verdict.moderation.flagged).toBe(true);
    expect(verdict.moderation.reasons).toContain("abuse");
    expect((await analyze("Where is my parcel?")).moderation).toEqual({ flagged: false, reasons: [] });

    const abusive = await inbound("x1", "rude", "You are a bunch of idiots, where is my refund?");
    await waitFor(async () => (await caseOf(abusive.caseId)).json().tags.includes("moderation:flagged"));
    const analysis = (await analysisOf(abusive.caseId)).json();
    expect(analysis.messages[0].moderation.flagged).toBe(true);
    expect(analysis.messages[0].moderation.reasons).toContain("abuse");

    const spam = await inbound("x2", "spammer", "Cheap followers! Click www.free-likes.biz to win a prize now");
    await waitFor(async () => (await analysisOf(spam.caseId)).json().messagesAnalyzed === 1);
    const spamAnalysis = (await analysisOf(spam.caseId)).json().messages[0];
    expect(spamAnalysis.category).toBe("spam");
    expect(spamAnalysis.moderation.reasons).toContain("spam");
    // Corrected away from spam, the message is no longer flagged as spam.
    const corrected = await env.app.inject({
      method: "POST",
      url: "/api/v1/ai/corrections",
      headers: a.auth("agent"),
      payload: { messageId: spam.messageId, category: "lead" },
    });
    expect(corrected.statusCode, corrected.body).toBe(201);
    expect((await analysisOf(spam.caseId)).json().messages[0].moderation).toEqual({ flagged: false, reasons: [] });

    const calm = await inbound("x3", "calm", "Hello, could you check my order status?");
    await waitFor(async () => (await analysisOf(calm.caseId)).json().messagesAnalyzed === 1);
    expect((await analysisOf(calm.caseId)).json().messages[0].moderation.flagged).toBe(false);
    expect((await caseOf(calm.caseId)).json().tags).not.toContain("moderation:flagged");
    // Another workspace sees neither the case nor its analysis.
    expect((await caseOf(abusive.caseId, b.auth("admin"))).statusCode).toBe(404);
    expect((await analysisOf(abusive.caseId, b.auth("admin"))).statusCode).toBe(404);
  });

  it("analyses a batch's new messages in two statements and finds stored ones in one", async () => {
    // Workspace b: no rules there, so only the triage handler analyses its messages.
    const ws = b.workspace.id;
    const channel = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: b.auth("admin"),
      payload: { type: "api", name: "Triage" },
    });
    const send = async (id: string, customer: string, text: string) =>
      (
        await env.app.inject({
          method: "POST",
          url: `/api/v1/channels/${channel.json().channel.id}/inbound`,
          headers: b.auth("agent"),
          payload: { externalMessageId: id, from: { externalId: customer }, text },
        })
      ).json().data[0] as { caseId: string; messageId: string };
    const aggregate = async (caseId: string) => (await analysisOf(caseId, b.auth("agent"))).json();
    const first = await send("t1", "tess", "Hello, how do I change my delivery address?");
    const second = await send("t2", "tess", "This is unacceptable, my order arrived broken and nobody answers!");
    const other = await send("t3", "toby", "Do you ship to Canada?");
    await waitFor(async () => (await aggregate(first.caseId)).messagesAnalyzed === 2);
    await waitFor(async () => (await aggregate(other.caseId)).messagesAnalyzed === 1);
    const handled = [await aggregate(first.caseId), await aggregate(other.caseId)];
    expect(handled[0]).toMatchObject({
      messagesAnalyzed: 2,
      worstSentiment: { label: "negative" },
      lastCategory: "complaint",
      lastLanguage: "en",
    });
    const reply = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${first.caseId}/messages`,
      headers: b.auth("agent"),
      payload: { text: "On it." },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    // The handler's work undone: the analyses are stored again, with the same results.
    await sql`delete from message_analyses where workspace_id = ${ws}`.execute(env.database.db);
    await sql`delete from case_analyses where workspace_id = ${ws}`.execute(env.database.db);
    await workspaceModels(env.database.db, ws);
    const { database, statements } = countingDatabase(env);
    const ids = [
      first.messageId,
      second.messageId,
      other.messageId,
      reply.json().id,
      "0190f3a4-0000-7000-8000-000000000000",
    ];
    const stored = await ensureMessageAnalyses(database.db, ws, ids);
    expect(statements).toHaveLength(2);
    expect([...stored.keys()].sort()).toEqual([first.messageId, second.messageId, other.messageId].sort());
    expect([await aggregate(first.caseId), await aggregate(other.caseId)]).toEqual(handled);

    statements.length = 0;
    expect(await ensureMessageAnalyses(database.db, ws, ids)).toEqual(stored);
    expect(statements).toHaveLength(1);
  });

  it("watches keywords saved a moment ago (the cached answer is dropped on save)", async () => {
    const ws = b.workspace.id;
    const put = (watchedKeywords: string[]) =>
      env.app.inject({
        method: "PUT",
        url: "/api/v1/ai/settings",
        headers: b.auth("supervisor"),
        payload: { watchedKeywords, minCount: 5, factor: 3 },
      });
    expect(await watchesKeywords(env.database.db, ws)).toBe(false);
    expect((await put(["recall"])).statusCode).toBe(200);
    expect(await watchesKeywords(env.database.db, ws)).toBe(true);
    expect((await put([])).statusCode).toBe(200);
    expect(await watchesKeywords(env.database.db, ws)).toBe(false);
  });

  it("answers 404 for another workspace's case", async () => {
    const m = await inbound("m9", "hank", "Where is my order?");
    expect((await analysisOf(m.caseId, b.auth("admin"))).statusCode).toBe(404);
    const s = await env.app.inject({ url: `/api/v1/cases/${m.caseId}/suggestions`, headers: b.auth("admin") });
    expect(s.statusCode).toBe(404);
  });
});
