import { describe, expect, it } from "vitest";
import { checkRule, compileRule, type Facts, type RuleInput } from "./rules.ts";

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
