import { describe, expect, it } from "vitest";
import { checkFlow } from "./check-flow.ts";
import { FlowBody, type FlowInput } from "./schemas.ts";
import { ORDER_STATUS_TEMPLATE } from "./templates.ts";

const ask = (id: string, next?: string) => ({ id, type: "ask", slot: id, prompt: "?", ...(next ? { next } : {}) });
const answer = (id: string, next?: string) => ({ id, type: "answer", text: "ok", ...(next ? { next } : {}) });
const flow = (start: string, steps: object[]): FlowInput => FlowBody.parse({ name: "f", start, steps });

describe("flow validation", () => {
  it("accepts the shipped order-status flow", () => {
    expect(checkFlow(FlowBody.parse(ORDER_STATUS_TEMPLATE.flow))).toEqual([]);
  });

  it("accepts a loop that waits for the customer (an ask in the cycle)", () => {
    expect(checkFlow(flow("q", [ask("q", "a"), answer("a", "q")]))).toEqual([]);
  });

  it.each([
    ["an unknown start", flow("nope", [answer("a")]), "start", 'unknown step "nope"'],
    ["an unknown next", flow("a", [answer("a", "ghost")]), "steps[0].next", 'unknown step "ghost"'],
    [
      "an unknown lookup target",
      flow("q", [ask("q", "l"), { id: "l", type: "lookup", source: "order", key: "q", into: "o", notFound: "x" }]),
      "steps[1].notFound",
      'unknown step "x"',
    ],
    [
      "an unknown branch target",
      flow("b", [
        {
          id: "b",
          type: "branch",
          cases: [
            { intent: "x", next: "a" },
            { intent: "y", next: "zz" },
          ],
        },
        answer("a"),
      ]),
      "steps[0].cases[1].next",
      'unknown step "zz"',
    ],
    [
      "a duplicate id",
      flow("a", [answer("a"), answer("a")]),
      "steps[1].id",
      'duplicate step id "a" (first at steps[0])',
    ],
    [
      "an unreachable step",
      flow("a", [answer("a", "b"), answer("b"), answer("orphan")]),
      "steps[2]",
      'step "orphan" is unreachable from the start step "a"',
    ],
    [
      "a cycle without an ask",
      flow("a", [answer("a", "b"), answer("b", "c"), answer("c", "a")]),
      "steps[2].next",
      "cycle without an ask step: a → b → c → a",
    ],
    [
      "a self-loop through a branch",
      flow("b", [
        { id: "b", type: "branch", cases: [{ slot: "s", equals: "1", next: "b" }], else: "e" },
        { id: "e", type: "end" },
      ]),
      "steps[0].cases[0].next",
      "cycle without an ask step: b → b",
    ],
    [
      "an invalid pattern",
      flow("q", [{ ...ask("q"), pattern: "([" }]),
      "steps[0].pattern",
      "invalid regular expression",
    ],
    [
      "an invalid extract",
      flow("q", [{ ...ask("q"), extract: "\\d{4," }]),
      "steps[0].extract",
      "invalid regular expression",
    ],
    [
      "a template naming a slot nobody collects",
      flow("q", [ask("q", "a"), { id: "a", type: "answer", text: { en: "ok {{q}}", fr: "{{nope}}" } }]),
      "steps[1].text.fr",
      "unknown slot {{nope}}",
    ],
    [
      "a lookup keyed on a slot no ask collects",
      flow("l", [{ id: "l", type: "lookup", source: "order", key: "number", into: "o" }]),
      "steps[0].key",
      'no ask step collects the slot "number"',
    ],
    [
      "a branch case testing nothing",
      flow("b", [
        { id: "b", type: "branch", cases: [{ next: "e" }] },
        { id: "e", type: "end" },
      ]),
      "steps[0].cases[0]",
      "a case tests either an intent or a slot",
    ],
  ])("refuses %s at its exact path", (_, input, path, message) => {
    const problems = checkFlow(input);
    expect(problems[0]).toEqual({ path, message: expect.stringContaining(message) });
  });
});
