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
