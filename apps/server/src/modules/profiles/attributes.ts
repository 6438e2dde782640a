import { AppError } from "../../platform/errors.ts";

export const ATTRIBUTE_TYPES = ["text", "number", "date", "boolean", "select", "multiselect"] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];
export type AttributeDefinition = { key: string; type: AttributeType; options: string[] };
export type AttributeValue = string | number | boolean | string[] | null;

function invalid(field: string, reason: string, message: string): AppError {
  return new AppError("invalid", reason, message, { field });
}

function isDate(v: unknown): v is string {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}

/**
 * Validates custom attribute values against the workspace's definitions; null removes a value.
 * Throws `invalid` naming the field (`attributes.<key>`) for an unknown attribute or a wrong type.
 */
export function validateAttributes(
  values: Record<string, unknown>,
  definitions: readonly AttributeDefinition[],
): Record<string, AttributeValue> {
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = `attributes.${key}`;
    const def = byKey.get(key);
    if (!def) {
      throw invalid(field, "attribute_unknown", `No custom attribute "${key}" is defined in this workspace.`);
    }
    if (value === null) {
      out[key] = null;
      continue;
    }
    const wrong = (expected: string) =>
      invalid(field, "attribute_type_mismatch", `Attribute "${key}" is of type ${def.type}: expected ${expected}.`);
    switch (def.type) {
      case "text":
        if (typeof value !== "string" || value.length > 10_000) throw wrong("a string of at most 10,000 characters");
        out[key] = value;
        break;
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value)) throw wrong("a finite number");
        out[key] = value;
        break;
      case "boolean":
        if (typeof value !== "boolean") throw wrong("true or false");
        out[key] = value;
        break;
      case "date":
        if (!isDate(value)) throw wrong("a date as YYYY-MM-DD");
        out[key] = value;
        break;
      case "select":
        if (typeof value !== "string" || !def.options.includes(value)) throw wrong(`one of ${def.options.join(", ")}`);
        out[key] = value;
        break;
      case "multiselect":
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && def.options.includes(v))) {
          throw wrong(`a list of ${def.options.join(", ")}`);
        }
        out[key] = [...new Set(value as string[])];
        break;
    }
  }
  return out;
}

const YES = new Set(["true", "yes", "y", "1", "oui", "sí", "si", "是", "对"]);
const NO = new Set(["false", "no", "n", "0", "non", "否", "不"]);

/**
 * A form's text answer as a value of an attribute's type, or undefined when it does not fit (a number that is
 * not one, an option not offered…): a number (`,` accepted as the decimal mark), yes/no words of the four
 * console languages for a boolean, YYYY-MM-DD for a date, an option (case-insensitive) for a select, options
 * separated by commas for a multiselect.
 */
export function attributeFromAnswer(def: AttributeDefinition, answer: string): AttributeValue | undefined {
  const text = answer.trim();
  if (!text) return undefined;
  const option = (value: string) => def.options.find((o) => o.toLowerCase() === value.trim().toLowerCase());
  switch (def.type) {
    case "text":
      return text.slice(0, 10_000);
    case "number": {
      const n = Number(text.replace(/\s/g, "").replace(",", "."));
      return Number.isFinite(n) ? n : undefined;
    }
    case "boolean": {
      const word = text.toLowerCase();
      return YES.has(word) ? true : NO.has(word) ? false : undefined;
    }
    case "date":
      return isDate(text) ? text : undefined;
    case "select":
      return option(text);
    case "multiselect": {
      const chosen = text.split(",").map(option);
      return chosen.every((o) => o !== undefined) ? [...new Set(chosen as string[])] : undefined;
    }
  }
}
