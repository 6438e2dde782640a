import { describe, expect, it } from "vitest";
import { checkRule, compileRule, type Facts, factsNeeded, type RuleInput, referencesOf } from "./rules.ts";
import { dispatchOf } from "./runner.ts";

const facts = (text: string, extra: Partial<Facts["case"]> = {}, channelType = "wechat"): Facts => ({
  message: { text, type: "text" },
  channelType,
  case: { priority: "normal", status: "open", tags: ["vip"], isNew: true, ...extra },
});
const rule = (r: Partial<RuleInput>): RuleInput => ({
  name: "r",
  enabled: true,
  trigger: "message.received",
  actions: [{ type: "stop" }],
  ...r,
});

describe("rule conditions", () => {
  it.each([
    [{ field: "message.text", op: "contains", value: "refund" }, "I want a REFUND please", true],
    [{ field: "message.text", op: "contains", value: ["退款", "退货"] }, "我要退货", true],
    [{ field: "message.text", op: "not_contains", value: "refund" }, "hello", true],
    [{ field: "message.text", op: "starts_with", value: "order" }, "Order 42?", true],
    [{ field: "message.text", op: "matches", value: "^\\d{5}$" }, "88231", true],
    [{ field: "message.text", op: "matches", value: "^\\d{5}$" }, "8823", false],
    [{ field: "channel.type", op: "equals", value: "wechat" }, "x", true],
    [{ field: "channel.type", op: "in", value: ["email", "webchat"] }, "x", false],
    [{ field: "case.tags", op: "includes", value: "VIP" }, "x", true],
    [{ field: "case.tags", op: "not_contains", value: "vip" }, "x", false],
    [{ field: "case.isNew", op: "equals", value: true }, "x", true],
    [
      {
        all: [
          { field: "message.text", op: "contains", value: "a" },
          { field: "case.priority", op: "equals", value: "high" },
        ],
      },
      "a",
      false,
    ],
    [
      {
        any: [
          { field: "message.text", op: "contains", value: "zzz" },
          { field: "case.priority", op: "equals", value: "normal" },
        ],
      },
      "a",
      true,
    ],
    [{ not: { field: "message.text", op: "contains", value: "spam" } }, "ham", true],
  ] as const)("%j on %s → %s", (conditions, text, expected) => {
    const r = rule({ conditions: conditions as RuleInput["conditions"] });
    expect(checkRule(r)).toEqual([]);
    expect(compileRule(r).matches(facts(text))).toBe(expected);
  });

  it("matches keywords exactly after trimming and case folding (full-width digits too)", () => {
    const k = compileRule(rule({ trigger: "keyword", keywords: ["1", "Track"] }));
    expect(k.matches(facts(" 1 "))).toBe(true);
    expect(k.matches(facts("１"))).toBe(true);
    expect(k.matches(facts("track"))).toBe(true);
    expect(k.matches(facts("10"))).toBe(false);
    expect(k.matches({ ...facts("1"), message: undefined })).toBe(false);
  });

  it("names what is wrong, where", () => {
    expect(checkRule(rule({ conditions: { field: "message.text", op: "matches", value: "([a-z" } }))[0]).toMatch(
      /^conditions\.value: invalid regular expression/,
    );
    expect(checkRule(rule({ conditions: { all: [{ field: "case.isNew", op: "equals", value: "yes" }] } }))[0]).toMatch(
      /^conditions\.all\[0\]\.value: case\.isNew takes true or false/,
    );
    expect(checkRule(rule({ trigger: "keyword" }))[0]).toMatch(/^keywords:/);
  });
});

const rich = (over: Partial<Facts> = {}): Facts => ({
  message: { text: "Where is order 12345?", type: "text" },
  channelType: "wechat",
  channelId: "ch-1",
  case: {
    priority: "normal",
    status: "open",
    tags: [],
    isNew: false,
    teamId: "team-1",
    assigneeId: null,
    fields: { orderNumber: "12345", amount: 120, vip: true },
    hoursSinceLastMessage: 5,
    hoursSinceLastCustomerMessage: 30,
    replyWindow: "open",
    category: "complaint",
  },
  contact: {
    tags: ["gold"],
    lifecycleStage: "customer",
    language: "zh",
    attributes: { city: "Shanghai", points: 800 },
    consent: { marketing: "withdrawn", service: "granted" },
  },
  analysis: {
    language: "en",
    sentiment: "negative",
    sentimentScore: -0.7,
    category: "question",
    intents: ["delivery"],
  },
  caseSentiment: "negative",
  businessHours: false,
  eventKey: "MENU_SERVICE",
  ...over,
});

describe("every condition field", () => {
  it.each([
    [{ field: "channel.id", op: "equals", value: "ch-1" }, true],
    [{ field: "time.businessHours", op: "equals", value: false }, true],
    [{ field: "time.businessHours", op: "equals", value: true }, false],
    [{ field: "contact.tags", op: "includes", value: "GOLD" }, true],
    [{ field: "contact.lifecycleStage", op: "in", value: ["lead", "customer"] }, true],
    [{ field: "contact.language", op: "equals", value: "zh" }, true],
    [{ field: "contact.attributes.city", op: "equals", value: "shanghai" }, true],
    [{ field: "contact.attributes.points", op: "greater_than", value: 500 }, true],
    [{ field: "contact.attributes.missing", op: "is_set", value: true }, false],
    [{ field: "contact.consent.marketing", op: "equals", value: "granted" }, false],
    [{ field: "contact.consent.service", op: "equals", value: "granted" }, true],
    [{ field: "message.language", op: "equals", value: "en" }, true],
    [{ field: "message.sentiment", op: "equals", value: "negative" }, true],
    [{ field: "case.sentiment", op: "equals", value: "negative" }, true],
    [{ field: "message.category", op: "equals", value: "question" }, true],
    [{ field: "case.category", op: "equals", value: "complaint" }, true],
    [{ field: "message.intents", op: "includes", value: "delivery" }, true],
    [{ field: "message.text", op: "contains", value: "order" }, true],
    [{ field: "message.text", op: "matches", value: "order\\s+\\d{5}" }, true],
    [{ field: "case.fields.orderNumber", op: "equals", value: "12345" }, true],
    [{ field: "case.fields.amount", op: "less_than", value: 100 }, false],
    [{ field: "case.fields.vip", op: "equals", value: true }, true],
    [{ field: "case.team", op: "equals", value: "team-1" }, true],
    [{ field: "case.assignee", op: "is_set", value: false }, true],
    [{ field: "case.hoursSinceLastMessage", op: "greater_than", value: 4 }, true],
    [{ field: "case.hoursSinceLastCustomerMessage", op: "less_than", value: 24 }, false],
    [{ field: "case.replyWindow", op: "equals", value: "open" }, true],
    [{ field: "event.key", op: "equals", value: "menu_service" }, true],
  ] as const)("%j → %s", (conditions, expected) => {
    const r = rule({ conditions: conditions as RuleInput["conditions"] });
    expect(checkRule(r)).toEqual([]);
    expect(compileRule(r).matches(rich())).toBe(expected);
  });

  it("treats business hours as open when the workspace has no calendar", () => {
    const r = rule({ conditions: { field: "time.businessHours", op: "equals", value: true } });
    expect(compileRule(r).matches(rich({ businessHours: undefined }))).toBe(true);
  });

  it("reads only the fact groups a rule needs", () => {
    expect(factsNeeded({ all: [{ field: "contact.consent.marketing", op: "equals", value: "granted" }] })).toEqual({
      contact: true,
      businessHours: false,
    });
    expect(factsNeeded({ not: { field: "time.businessHours", op: "equals", value: true } })).toEqual({
      contact: false,
      businessHours: true,
    });
  });
});

describe("trigger keys", () => {
  it.each([
    ["menu.clicked", ["MENU_SERVICE"], { eventKey: "MENU_SERVICE" }, true],
    ["menu.clicked", ["MENU_OTHER"], { eventKey: "MENU_SERVICE" }, false],
    ["menu.clicked", [], { eventKey: "ANYTHING" }, true],
    ["qr.scanned", ["spring-campaign"], { eventKey: "spring-campaign" }, true],
    ["order.event", ["paid"], { eventKey: "refunded" }, false],
    ["case.status-changed", ["solved"], { eventKey: "solved" }, true],
    ["case.updated", ["priority"], { eventKey: undefined, eventKeys: ["tags", "priority"] }, true],
    ["contact.attribute-changed", ["city"], { eventKey: undefined, eventKeys: ["points"] }, false],
  ] as const)("%s keys %j on %j → %s", (trigger, keys, over, expected) => {
    const r = rule({ trigger, keys: [...keys] });
    expect(checkRule(r)).toEqual([]);
    expect(compileRule(r).matches(rich(over as Partial<Facts>))).toBe(expected);
  });

  it("refuses keys, schedules and actions that do not fit, naming where", () => {
    expect(checkRule(rule({ trigger: "subscribed", keys: ["x"] }))).toEqual([
      "keys: the subscribed trigger takes no keys",
    ]);
    expect(checkRule(rule({ trigger: "schedule.cron" }))[0]).toMatch(/^schedule\.cron: .*needs a cron/);
    expect(checkRule(rule({ trigger: "schedule.cron", schedule: { cron: "61 * * * *" } }))[0]).toMatch(
      /^schedule\.cron: minute: "61" is outside 0-59/,
    );
    expect(checkRule(rule({ trigger: "schedule.no-reply" }))[0]).toMatch(/^schedule\.hours:/);
    expect(checkRule(rule({ schedule: { hours: 2 } }))[0]).toMatch(/^schedule: the message\.received trigger/);
    expect(checkRule(rule({ actions: [{ type: "assign" }] }))).toEqual([
      "actions[0]: assign needs agentId, teamId or skill",
    ]);
    expect(checkRule(rule({ actions: [{ type: "reply" }] }))).toEqual([
      "actions[0]: a reply has either text or content",
    ]);
    expect(checkRule(rule({ actions: [{ type: "webhook", url: "https://example.com/h" }] }))[0]).toMatch(
      /^actions\[0\]\.secret:/,
    );
    expect(
      checkRule(rule({ conditions: { any: [{ field: "case.hoursSinceLastMessage", op: "equals", value: "3" }] } })),
    ).toEqual(["conditions.any[0].op: case.hoursSinceLastMessage is a number of hours; use greater_than or less_than"]);
    expect(
      checkRule(rule({ conditions: { field: "contact.consent.marketing", op: "equals", value: "yes" } }))[0],
    ).toMatch(/^conditions\.value: contact\.consent\.marketing is one of granted, withdrawn/);
  });

  it("lists the teams and agents a rule names, with their paths", () => {
    const team = "0190a000-0000-7000-8000-000000000001";
    const agent = "0190a000-0000-7000-8000-000000000002";
    expect(
      referencesOf({
        actions: [
          { type: "assign", teamId: team },
          { type: "reply", content: { kind: "agent_card", agentId: agent } },
          { type: "notify", userIds: [agent], text: "x" },
          { type: "follow_up_case", subject: "s", teamId: team },
        ],
      }),
    ).toEqual([
      { kind: "team", id: team, path: "actions[0].teamId" },
      { kind: "agent", id: agent, path: "actions[1].content.agentId" },
      { kind: "agent", id: agent, path: "actions[2].userIds[0]" },
      { kind: "team", id: team, path: "actions[3].teamId" },
    ]);
  });
});

describe("events → triggers", () => {
  const ev = (type: string, payload: object) => ({ type, payload });
  const user = { type: "user", id: "u" };
  it.each([
    [
      ev("message.created", { caseId: "c", messageId: "m", direction: "inbound" }),
      ["message.received", "keyword"],
      undefined,
    ],
    [ev("message.created", { caseId: "c", messageId: "m", direction: "outbound" }), undefined, undefined],
    [ev("case.created", { caseId: "c" }), ["case.created"], undefined],
    [ev("case.updated", { caseId: "c", changed: ["tags"], actor: user }), ["case.updated"], undefined],
    [
      ev("case.updated", { caseId: "c", changed: ["status"], actor: user }),
      ["case.updated", "case.status-changed"],
      undefined,
    ],
    [ev("case.updated", { caseId: "c", changed: ["sla"] }), undefined, undefined],
    [ev("sla.at-risk", { caseId: "c" }), ["sla.warning"], undefined],
    [ev("sla.breached", { caseId: "c" }), ["sla.breached"], undefined],
    [ev("contact.updated", { contactId: "k", attributes: ["city"] }), ["contact.attribute-changed"], undefined],
    [
      ev("contact.event-recorded", { contactId: "k", type: "wechat.menu-clicked", properties: { eventKey: "V1" } }),
      ["menu.clicked"],
      "V1",
    ],
    [
      ev("contact.event-recorded", { contactId: "k", type: "wechat.followed", properties: { scene: "s1" } }),
      ["subscribed", "qr.scanned"],
      "s1",
    ],
    [
      ev("contact.event-recorded", { contactId: "k", type: "wechat.followed", properties: {} }),
      ["subscribed"],
      undefined,
    ],
    [ev("contact.event-recorded", { contactId: "k", type: "wechat.unfollowed" }), ["unsubscribed"], undefined],
    [
      ev("contact.event-recorded", { contactId: "k", type: "wechat.qr-scanned", properties: { scene: "42" } }),
      ["qr.scanned"],
      "42",
    ],
    [ev("contact.event-recorded", { contactId: "k", type: "order.paid" }), ["order.event"], "paid"],
    [ev("note.added", { caseId: "c" }), undefined, undefined],
  ] as const)("%j", (event, triggers, key) => {
    const d = dispatchOf(event);
    expect(d?.triggers).toEqual(triggers);
    expect(d?.eventKey).toBe(key);
  });

  it("keeps who caused a case event (loop protection)", () => {
    expect(
      dispatchOf(ev("case.updated", { caseId: "c", changed: ["tags"], actor: { type: "bot", id: "r1", depth: 2 } }))
        ?.cause,
    ).toEqual({ type: "bot", id: "r1", depth: 2 });
  });
});
