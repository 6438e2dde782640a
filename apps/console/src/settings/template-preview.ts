import type { templateVariables } from "./admin-api.ts";

type Variable = (typeof templateVariables)[number];
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*(?:\|([^}]*))?\}\}/g;

/** A part of a previewed text: plain text, a filled variable, or a placeholder naming no known variable. */
export type PreviewPart = { kind: "text" | "value" | "unknown"; text: string };

/**
 * Fills a quick reply's placeholders with sample values the way the server does (`{{contact.first_name|there}}`
 * falls back to "there" when empty); unknown placeholders stay as written and are marked.
 */
export function previewTemplate(text: string, values: Record<Variable, string>): PreviewPart[] {
  const parts: PreviewPart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ kind: "text", text: text.slice(last, index) });
    const name = match[1] as string;
    if (Object.hasOwn(values, name)) {
      const value = values[name as Variable] || (match[2] ?? "").trim();
      parts.push({ kind: "value", text: value });
    } else {
      parts.push({ kind: "unknown", text: match[0] });
    }
    last = index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts;
}

/** The placeholders of a text that name no known variable. */
export function unknownPlaceholders(text: string, known: readonly string[]): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((v) => !known.includes(v)))];
}
