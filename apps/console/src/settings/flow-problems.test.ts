import { describe, expect, it } from "vitest";
import { ApiError } from "../api.ts";
import { flowErrors, flowErrorsOf, problemKey, stepHasProblem, stepIndexOf } from "./flow-problems.ts";

describe("flow problems in the editor", () => {
  it.each([
    ["start", "start"],
    ["steps[1].id", "steps.1.id"],
    ["steps[2]", "steps.2"],
    ["steps[2].cases[1].next", "steps.2.cases.1.next"],
    ["steps[3].text.fr", "steps.3.text.fr"],
    ["/steps/0/slot", "steps.0.slot"],
    ["/steps/4/cases/0/next", "steps.4.cases.0.next"],
    ["steps.0.prompt", "steps.0.prompt"],
  ])("keys the server path %s as the field %s", (path, key) => {
    expect(problemKey(path)).toBe(key);
  });

  it("puts two problems at one place together and keeps each path apart", () => {
    const errors = flowErrors([
      { path: "steps[1].next", message: 'unknown step "zz"' },
      { path: "steps[1].next", message: "cycle without an ask step: a → b → a" },
      { path: "steps[2]", message: 'step "c" is unreachable from the start step "a"' },
    ]);
    expect(errors).toEqual({
      "steps.1.next": 'unknown step "zz" · cycle without an ask step: a → b → a',
      "steps.2": 'step "c" is unreachable from the start step "a"',
    });
  });

  it("reads a refused save: flow_invalid problems, else the schema's issues, else nothing", () => {
    const invalid = new ApiError(400, {
      kind: "invalid",
      reason: "flow_invalid",
      message: "The flow is invalid: …",
      details: {
        field: "steps[2].cases[1].next",
        problems: [
          { path: "steps[2].cases[1].next", message: 'unknown step "nope"' },
          { path: "steps[3].teamId", message: "no such team in this workspace" },
          { nonsense: true },
        ],
      },
    });
    expect(flowErrorsOf(invalid)).toEqual({
      "steps.2.cases.1.next": 'unknown step "nope"',
      "steps.3.teamId": "no such team in this workspace",
    });
    const schema = new ApiError(400, {
      kind: "invalid",
      reason: "validation_failed",
      message: "body/steps/0/slot: Slot names start with a letter",
      details: { issues: [{ path: "/steps/0/slot", message: "Slot names start with a letter" }] },
    });
    expect(flowErrorsOf(schema)).toEqual({ "steps.0.slot": "Slot names start with a letter" });
    expect(flowErrorsOf(new TypeError("network"))).toEqual({});
  });

  it("finds the step of a field, and whether a step has a problem", () => {
    expect(stepIndexOf("steps.12.cases.0.next")).toBe(12);
    expect(stepIndexOf("steps.3")).toBe(3);
    expect(stepIndexOf("start")).toBeNull();
    expect(stepIndexOf("stepsX.1")).toBeNull();
    const errors = { "steps.1.next": "x", start: "y" };
    expect(stepHasProblem(errors, 1)).toBe(true);
    expect(stepHasProblem(errors, 0)).toBe(false);
    expect(stepHasProblem({ "steps.10.id": "x" }, 1)).toBe(false);
  });
});
