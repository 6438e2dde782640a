import { beforeAll, describe, expect, it } from "vitest";
import type { TestEnv } from "../../../../test/harness.ts";
import { TEST_DATABASES } from "../../../../test/harness.ts";
import { sleep, waitFor } from "../../../../test/wait.ts";
import { type AutomationWorld, setUpAutomationWorld } from "../test-factories.ts";
import { bots } from "./repository.ts";

type Msg = { text: string; direction: string; authorType: string; private: boolean };

describe.each(TEST_DATABASES)("bots and handover on %s", (kind) => {
  const world = setUpAutomationWorld(kind);
  let env: TestEnv;
  let a: AutomationWorld["a"];
  let b: AutomationWorld["b"];
  beforeAll(() => {
    ({ env, a, b } = world);
  });

  const api = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, headers: object, payload?: object) =>
    env.app.inject({ method, url, headers: headers as Record<string, string>, ...(payload ? { payload } : {}) });
  const messagesOf = async (caseId: string) =>
    (await api("GET", `/api/v1/cases/${caseId}/messages?limit=200`, a.auth("agent"))).json().data as Msg[];
  const botSaid = async (caseId: string) =>
    (await messagesOf(caseId)).filter((m) => m.direction === "outbound" && m.authorType === "bot").map((m) => m.text);
  /** Waits for the bot's n-th message in the case and returns it. */
  const nthBotMessage = async (caseId: string, n: number) => {
    await waitFor(async () => (await botSaid(caseId)).length >= n);
    return (await botSaid(caseId))[n - 1] as string;
  };
  const botState = async (caseId: string, headers = a.auth("agent")) =>
    (await api("GET", `/api/v1/cases/${caseId}/bot`, headers)).json();

  it("sets the bot up: settings, the order-status template, a FAQ article", async () => {
    const settings = await api("PUT", "/api/v1/bot/settings", a.auth("supervisor"), { enabled: true });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json()).toMatchObject({ enabled: true, threshold: 0.7, maxFallbacks: 2 });
    expect((await api("PUT", "/api/v1/bot/settings", a.auth("agent"), { enabled: false })).statusCode).toBe(403);
    const installed = await api("POST", "/api/v1/bot/templates/order-status", a.auth("supervisor"));
    expect(installed.statusCode, installed.body).toBe(201);
    expect((await api("POST", "/api/v1/bot/templates/order-status", a.auth("supervisor"))).statusCode).toBe(409);
    const faq = await api("POST", "/api/v1/knowledge/articles", a.auth("supervisor"), {
      tags: ["faq"],
      status: "published",
      versions: {
        en: { title: "How do I reset my password?", body: "Open **Settings → Security** and choose *Reset password*." },
        fr: { title: "Comment réinitialiser mon mot de passe ?", body: "Ouvrez **Réglages → Sécurité**." },
      },
    });
    expect(faq.statusCode, faq.body).toBe(201);
    const trained = await api("POST", "/api/v1/bot/train", a.auth("supervisor"));
    expect(trained.json()).toMatchObject({ languages: ["en", "fr", "es", "zh"], thread: "worker" });
    const recognized = await api("POST", "/api/v1/bot/recognize", a.auth("agent"), { text: "où est ma commande ?" });
    expect(recognized.json()).toMatchObject({ intent: "order.status", language: "fr", confident: true });
  });

  it("runs the order-status flow, hands over on request, and takes the case back", async () => {
    const first = await world.inbound("bot-1", "cust-bot", "Hi, where is my order?");
    const caseId = first.caseId;
    expect(await nthBotMessage(caseId, 1)).toBe("Sure — what is your order number?");
    const c = (await api("GET", `/api/v1/cases/${caseId}`, a.auth("agent"))).json();
    expect(c.control).toBe("bot");
    const order = await api("POST", "/api/v1/orders", a.auth("admin"), {
      externalId: "10042",
      contactId: c.contactId,
      status: "fulfilled",
      currency: "EUR",
      total: "59.90",
      placedAt: "2026-11-30T10:00:00Z",
    });
    expect(order.statusCode, order.body).toBe(201);

    await world.inbound("bot-2", "cust-bot", "no idea!!");
    expect(await nthBotMessage(caseId, 2)).toMatch(/doesn't look like an order number/);
    await world.inbound("bot-3", "cust-bot", "10042");
    expect(await nthBotMessage(caseId, 3)).toBe("Order 10042 (placed 2026-11-30) is shipped.");
    expect((await botState(caseId)).session).toMatchObject({
      flow: null,
      slots: { order_number: "10042", "order.status": "shipped" },
      language: "en",
    });

    await world.inbound("bot-4", "cust-bot", "I want to talk to a human");
    expect(await nthBotMessage(caseId, 4)).toMatch(/passing you to a colleague/);
    await waitFor(async () => (await botState(caseId)).control === "agent");
    const state = await botState(caseId);
    expect(state.handover).toMatchObject({
      from: "bot",
      to: "agent",
      reason: "customer_asked",
      intent: { name: "human" },
      slots: { order_number: "10042" },
      by: { type: "bot" },
    });
    expect(state.handover.summary).toContain("Customer: 10042");
    expect(state.handover.summary).toContain("Bot: Order 10042 (placed 2026-11-30) is shipped.");
    const history = (await api("GET", `/api/v1/cases/${caseId}/events`, a.auth("agent"))).json().data as {
      action: string;
      details: { to: string; reason: string };
    }[];
    expect(history.filter((e) => e.action === "case.handover").map((e) => [e.details.to, e.details.reason])).toEqual([
      ["bot", "bot_first"],
      ["agent", "customer_asked"],
    ]);

    // Under an agent's control the bot stays silent.
    await world.inbound("bot-5", "cust-bot", "where is my order?");
    await sleep(300);
    expect(await botSaid(caseId)).toHaveLength(4);

    const back = await api("POST", `/api/v1/cases/${caseId}/bot/hand-back`, a.auth("agent"));
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json().handover).toMatchObject({
      from: "agent",
      to: "bot",
      reason: "handed_back",
      by: { type: "token" },
    });
    expect((await api("POST", `/api/v1/cases/${caseId}/bot/hand-back`, a.auth("agent"))).statusCode).toBe(409);
    await world.inbound("bot-6", "cust-bot", "how do I reset my password?");
    expect(await nthBotMessage(caseId, 5)).toBe("Open Settings → Security and choose Reset password.");

    // An agent's reply takes the case from the bot.
    const reply = await api("POST", `/api/v1/cases/${caseId}/messages`, a.auth("agent"), { text: "Hello, Sam here." });
    expect(reply.statusCode, reply.body).toBe(201);
    await waitFor(async () => (await botState(caseId)).control === "agent");
    expect((await botState(caseId)).handover).toMatchObject({ reason: "agent_replied", by: { type: "token" } });
  });

  it("answers in the customer's language, abandons a flow after the timeout, hands over after repeated low confidence", async () => {
    const fr = await world.inbound("bot-7", "cust-fr", "Bonjour, où est ma commande ?");
    expect(await nthBotMessage(fr.caseId, 1)).toBe("Bien sûr — quel est votre numéro de commande ?");
    // A flow left waiting past the timeout is abandoned: the next message is read afresh (here: not understood).
    await bots(env.database.db)
      .updateTable("bot_sessions")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("workspace_id", "=", a.workspace.id)
      .where("case_id", "=", fr.caseId)
      .execute();
    await world.inbound("bot-7b", "cust-fr", "10042");
    expect(await nthBotMessage(fr.caseId, 2)).toMatch(/^Désolé, je n'ai pas compris/);
    expect((await botState(fr.caseId)).session).toMatchObject({ flow: null, stepId: null });
    const zh = await world.inbound("bot-8", "cust-zh", "查询订单");
    expect(await nthBotMessage(zh.caseId, 1)).toBe("好的，请告诉我您的订单号。");
    // The number in the opening message fills the slot: no question, straight to the lookup (no such order here).
    const zhNumber = await world.inbound("bot-8b", "cust-zh2", "查询订单10042");
    expect(await nthBotMessage(zhNumber.caseId, 1)).toBe("您的账户中没有找到订单 10042，稍后由人工客服为您处理。");
    await waitFor(async () => (await botState(zhNumber.caseId)).control === "agent");
    expect((await botState(zhNumber.caseId)).handover).toMatchObject({
      reason: "order_not_found",
      intent: { name: "order.status" },
      slots: { order_number: "10042" },
    });

    const vague = await world.inbound("bot-9", "cust-vague", "the purple elephant sings at midnight");
    expect(await nthBotMessage(vague.caseId, 1)).toMatch(/didn't understand/);
    await world.inbound("bot-10", "cust-vague", "bananas are yellow and long");
    expect(await nthBotMessage(vague.caseId, 2)).toMatch(/passing you to a colleague/);
    await waitFor(async () => (await botState(vague.caseId)).control === "agent");
    expect((await botState(vague.caseId)).handover.reason).toBe("low_confidence");
  });

  it("retrains shortly after an intent is added, and answers with it", async () => {
    const created = await api("POST", "/api/v1/bot/intents", a.auth("supervisor"), {
      name: "opening-hours",
      utterances: {
        en: ["when are you open", "what are your opening hours"],
        es: ["cuándo abren", "cuál es su horario"],
      },
      answer: { en: "We are open 9:00–18:00, Monday to Saturday.", es: "Abrimos de 9:00 a 18:00, de lunes a sábado." },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(
      (
        await api("POST", "/api/v1/bot/intents", a.auth("supervisor"), {
          ...created.json(),
          id: undefined,
          updatedAt: undefined,
          flowId: undefined,
        })
      ).statusCode,
    ).toBe(409);
    await waitFor(
      async () =>
        (await api("POST", "/api/v1/bot/recognize", a.auth("agent"), { text: "what are your opening hours?" })).json()
          .intent === "opening-hours",
    );
    const hours = await world.inbound("bot-hours", "cust-hours", "¿cuándo abren?");
    expect(await nthBotMessage(hours.caseId, 1)).toBe("Abrimos de 9:00 a 18:00, de lunes a sábado.");
  });

  it("starts a flow and hands over from rules", async () => {
    const flows = (await api("GET", "/api/v1/bot/flows", a.auth("agent"))).json().data as { id: string }[];
    const rule = await world.createRule({
      name: "Menu: order status",
      trigger: "keyword",
      keywords: ["2"],
      actions: [{ type: "start_flow", flowId: flows[0]?.id }],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    await api("PUT", "/api/v1/bot/settings", a.auth("supervisor"), { enabled: false });
    const menu = await world.inbound("bot-11", "cust-menu", "2");
    expect(await nthBotMessage(menu.caseId, 1)).toBe("Sure — what is your order number?");
    await waitFor(async () => (await botState(menu.caseId)).control === "bot");
    await sleep(200);
    expect(await botSaid(menu.caseId)).toHaveLength(1);
    expect((await botState(menu.caseId)).handover).toMatchObject({ from: null, to: "bot", reason: "rule" });

    const handover = await world.createRule({
      name: "Complaints go to a human",
      trigger: "keyword",
      keywords: ["complaint"],
      actions: [{ type: "handover", reason: "complaint" }],
    });
    expect(handover.statusCode, handover.body).toBe(201);
    await world.inbound("bot-12", "cust-menu", "complaint");
    await waitFor(async () => (await botState(menu.caseId)).control === "agent");
    expect((await botState(menu.caseId)).handover).toMatchObject({ reason: "complaint", slots: {} });
  });

  it("branches on a collected slot", async () => {
    const flow = await api("POST", "/api/v1/bot/flows", a.auth("supervisor"), {
      name: "Size",
      start: "ask",
      steps: [
        { id: "ask", type: "ask", slot: "size", prompt: "Big or small?", next: "pick" },
        {
          id: "pick",
          type: "branch",
          cases: [
            { slot: "size", equals: "big", next: "big" },
            { slot: "size", matches: "^sm", next: "small" },
          ],
          else: "other",
        },
        { id: "big", type: "answer", text: "Big it is ({{size}})." },
        { id: "small", type: "answer", text: "Small it is." },
        { id: "other", type: "end", text: "I only know big and small." },
      ],
    });
    expect(flow.statusCode, flow.body).toBe(201);
    const rule = await world.createRule({
      name: "Menu: size",
      trigger: "keyword",
      keywords: ["3"],
      actions: [{ type: "start_flow", flowId: flow.json().id }],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    for (const [customer, answer, reply] of [
      ["cust-big", "BIG", "Big it is (BIG)."],
      ["cust-small", "smallish", "Small it is."],
      ["cust-huge", "huge", "I only know big and small."],
    ] as const) {
      const started = await world.inbound(`size-1-${customer}`, customer, "3");
      expect(await nthBotMessage(started.caseId, 1)).toBe("Big or small?");
      await world.inbound(`size-2-${customer}`, customer, answer);
      expect(await nthBotMessage(started.caseId, 2)).toBe(reply);
    }
  });

  it("refuses invalid flows and intents with the exact location", async () => {
    const cyclic = await api("POST", "/api/v1/bot/flows", a.auth("supervisor"), {
      name: "loop",
      start: "a",
      steps: [
        { id: "a", type: "answer", text: "one", next: "b" },
        { id: "b", type: "answer", text: "two", next: "a" },
        { id: "c", type: "end" },
      ],
    });
    expect(cyclic.statusCode).toBe(400);
    expect(cyclic.json().error).toMatchObject({ reason: "flow_invalid", details: { field: "steps[2]" } });
    expect(cyclic.json().error.details.problems).toEqual([
      { path: "steps[2]", message: 'step "c" is unreachable from the start step "a"' },
      { path: "steps[1].next", message: "cycle without an ask step: a → b → a" },
    ]);
    const badTeam = await api("POST", "/api/v1/bot/flows", a.auth("supervisor"), {
      name: "to team",
      start: "h",
      steps: [{ id: "h", type: "handover", teamId: "01900000-0000-7000-8000-000000000000" }],
    });
    expect(badTeam.json().error.details.field).toBe("steps[0].teamId");
    const validate = await api("POST", "/api/v1/bot/flows/validate", a.auth("analyst"), {
      name: "x",
      start: "a",
      steps: [{ id: "a", type: "answer", text: "hi {{who}}" }],
    });
    expect(validate.json().problems).toEqual([{ path: "steps[0].text", message: "unknown slot {{who}}" }]);
    const unknownFlow = await api("POST", "/api/v1/bot/intents", a.auth("supervisor"), {
      name: "x",
      utterances: { en: ["one", "two"] },
      flowId: "01900000-0000-7000-8000-000000000000",
    });
    expect(unknownFlow.json().error).toMatchObject({ reason: "flow_not_found", details: { field: "flowId" } });
    const twoThings = await api("POST", "/api/v1/bot/intents", a.auth("supervisor"), {
      name: "x",
      utterances: { en: ["one", "two"] },
      answer: "hi",
      handover: true,
    });
    expect(twoThings.statusCode).toBe(400);
    const flows = (await api("GET", "/api/v1/bot/flows", a.auth("agent"))).json().data as { id: string }[];
    const inUse = await api("DELETE", `/api/v1/bot/flows/${flows[0]?.id}`, a.auth("supervisor"));
    expect(inUse.json().error).toMatchObject({ reason: "flow_in_use", details: { intent: "order.status" } });
  });

  it("answers in a case handed to it where the bot is off and no rule or menu runs", async () => {
    // Workspace b: bot settings off, no rules, no keyword menus (the batch reads only the cases a bot holds).
    const channel = await api("POST", "/api/v1/channels", b.auth("admin"), { type: "api", name: "b-bot" });
    expect(channel.statusCode, channel.body).toBe(201);
    const send = async (id: string, text: string) =>
      (
        await api("POST", `/api/v1/channels/${channel.json().channel.id}/inbound`, b.auth("agent"), {
          externalMessageId: id,
          from: { externalId: "cust-b-bot" },
          text,
        })
      ).json().data[0] as { caseId: string };
    const fromBot = async (caseId: string) =>
      ((await api("GET", `/api/v1/cases/${caseId}/messages?limit=50`, b.auth("agent"))).json().data as Msg[]).filter(
        (m) => m.authorType === "bot",
      );
    const { caseId } = await send("b-bot-1", "hello");
    await sleep(300);
    expect(await fromBot(caseId)).toEqual([]);
    expect((await api("POST", `/api/v1/cases/${caseId}/bot/hand-back`, b.auth("agent"))).statusCode).toBe(200);
    await send("b-bot-2", "hello again");
    await waitFor(async () => (await fromBot(caseId)).length > 0);
  });

  it("keeps every workspace's bot to itself", async () => {
    const caseId = (await world.inbound("bot-13", "cust-iso", "hello")).caseId;
    expect((await api("GET", `/api/v1/cases/${caseId}/bot`, b.auth("agent"))).statusCode).toBe(404);
    expect((await api("POST", `/api/v1/cases/${caseId}/bot/take-over`, b.auth("agent"))).statusCode).toBe(404);
    expect((await api("GET", "/api/v1/bot/intents", b.auth("agent"))).json().data).toEqual([]);
    expect((await api("GET", "/api/v1/bot/flows", b.auth("agent"))).json().data).toEqual([]);
    expect((await api("GET", "/api/v1/bot/settings", b.auth("agent"))).json().enabled).toBe(false);
    const intents = (await api("GET", "/api/v1/bot/intents", a.auth("agent"))).json().data as { id: string }[];
    const flows = (await api("GET", "/api/v1/bot/flows", a.auth("agent"))).json().data as { id: string }[];
    expect((await api("DELETE", `/api/v1/bot/intents/${intents[0]?.id}`, b.auth("supervisor"))).statusCode).toBe(404);
    expect((await api("GET", `/api/v1/bot/flows/${flows[0]?.id}`, b.auth("agent"))).statusCode).toBe(404);
    // Workspace b's bot knows none of a's intents or FAQ: only the built-in ones.
    const recognized = await api("POST", "/api/v1/bot/recognize", b.auth("agent"), { text: "where is my order?" });
    expect(recognized.json().intent).not.toBe("order.status");
  });
});
