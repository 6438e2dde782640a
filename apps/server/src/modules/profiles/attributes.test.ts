import { describe, expect, it } from "vitest";
import { AppError } from "../../platform/errors.ts";
import { type AttributeDefinition, attributeFromAnswer, validateAttributes } from "./attributes.ts";

const defs: AttributeDefinition[] = [
  { key: "vip_level", type: "number", options: [] },
  { key: "nickname", type: "text", options: [] },
  { key: "member_since", type: "date", options: [] },
  { key: "newsletter", type: "boolean", options: [] },
  { key: "size", type: "select", options: ["S", "M", "L"] },
  { key: "interests", type: "multiselect", options: ["tea", "coffee"] },
];

function errorOf(values: Record<string, unknown>) {
  try {
    validateAttributes(values, defs);
  } catch (err) {
    if (err instanceof AppError) return { reason: err.reason, details: err.details };
  }
  return undefined;
}

describe("custom attributes", () => {
  it("accepts values of each type and null to clear", () => {
    const values = { vip_level: 3, nickname: "Ada", member_since: "2024-02-29", newsletter: false, size: "M" };
    expect(validateAttributes({ ...values, interests: ["tea", "tea"] }, defs)).toEqual({
      ...values,
      interests: ["tea"],
    });
    expect(validateAttributes({ size: null }, defs)).toEqual({ size: null });
  });

  it("rejects an unknown attribute, naming it", () => {
    expect(errorOf({ shoe_size: 42 })).toEqual({
      reason: "attribute_unknown",
      details: { field: "attributes.shoe_size" },
    });
  });

  it("rejects wrong types, naming the field", () => {
    for (const [key, value] of [
      ["vip_level", "3"],
      ["nickname", 3],
      ["member_since", "2023-02-30"],
      ["newsletter", "yes"],
      ["size", "XL"],
      ["interests", ["tea", "wine"]],
    ] as const) {
      expect(errorOf({ [key]: value }), key).toEqual({
        reason: "attribute_type_mismatch",
        details: { field: `attributes.${key}` },
      });
    }
  });
});

describe("form answers as attributes", () => {
  const def = (type: AttributeDefinition["type"], options: string[] = []): AttributeDefinition => ({
    key: "k",
    type,
    options,
  });
  it("converts a text answer to the attribute's type", () => {
    expect(attributeFromAnswer(def("text"), "  A-1042 ")).toBe("A-1042");
    expect(attributeFromAnswer(def("number"), "1 234,5")).toBe(1234.5);
    expect(attributeFromAnswer(def("boolean"), "Oui")).toBe(true);
    expect(attributeFromAnswer(def("boolean"), "否")).toBe(false);
    expect(attributeFromAnswer(def("date"), "2026-02-28")).toBe("2026-02-28");
    expect(attributeFromAnswer(def("select", ["Basic", "Pro"]), "pro")).toBe("Pro");
    expect(attributeFromAnswer(def("multiselect", ["Tea", "Cups"]), "cups, tea, Tea")).toEqual(["Cups", "Tea"]);
  });
  it("gives nothing for an answer that does not fit", () => {
    expect(attributeFromAnswer(def("text"), "   ")).toBeUndefined();
    expect(attributeFromAnswer(def("number"), "twelve")).toBeUndefined();
    expect(attributeFromAnswer(def("boolean"), "maybe")).toBeUndefined();
    expect(attributeFromAnswer(def("date"), "2026-02-30")).toBeUndefined();
    expect(attributeFromAnswer(def("select", ["Basic"]), "Gold")).toBeUndefined();
    expect(attributeFromAnswer(def("multiselect", ["Tea"]), "Tea, Gold")).toBeUndefined();
  });
});
