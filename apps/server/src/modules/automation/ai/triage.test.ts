import { describe, expect, it } from "vitest";
import { higherPriority, triage } from "./triage.ts";

describe("auto-triage", () => {
  it.each([
    [
      { category: "complaint", sentiment: "negative", sentimentScore: -0.95, intents: ["refund", "complaint"] },
      "urgent",
    ],
    [{ category: "complaint", sentiment: "negative", sentimentScore: -0.5, intents: [] }, "high"],
    [{ category: "question", sentiment: "neutral", sentimentScore: 0, intents: ["cancel"] }, "normal"],
    [{ category: "lead", sentiment: "neutral", sentimentScore: 0, intents: ["pricing"] }, "normal"],
    [{ category: "spam", sentiment: "neutral", sentimentScore: 0, intents: [] }, "low"],
  ])("predicts the priority of %j as %s", (input, priority) => {
    expect(triage({ ...input, isVip: false }).priority).toBe(priority);
  });

  it("raises a VIP's priority, tags the category and intents, never lowers", () => {
    const question = { category: "question", sentiment: "negative", sentimentScore: -0.5, intents: ["refund"] };
    expect(triage({ ...question, isVip: false }).priority).toBe("normal");
    expect(triage({ ...question, isVip: true }).priority).toBe("high");
    expect(triage({ ...question, isVip: true }).tags).toEqual(["question", "refund"]);
    expect(
      triage({ category: "other", sentiment: "neutral", sentimentScore: 0, intents: [], isVip: false }).tags,
    ).toEqual([]);
    expect(higherPriority("normal", "high")).toBe("high");
    expect(higherPriority("urgent", "high")).toBeUndefined();
    expect(higherPriority("high", "low")).toBeUndefined();
  });
});
