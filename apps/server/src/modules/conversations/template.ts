import type { Executor } from "../../platform/db.ts";
import { contactSummaries } from "../profiles/index.ts";
import { findMemberName } from "../tenancy/index.ts";
import type { CaseRow } from "./repository.ts";

/** The variables a quick reply or macro reply may use, e.g. `{{contact.first_name}}` or `{{contact.first_name|there}}`. */
export const TEMPLATE_VARIABLES = [
  "contact.name",
  "contact.first_name",
  "agent.name",
  "agent.first_name",
  "case.number",
  "case.subject",
  "case.status",
  "case.priority",
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const KNOWN = new Set<string>(TEMPLATE_VARIABLES);
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*(?:\|([^}]*))?\}\}/g;

export type Rendered = {
  text: string;
  /** Placeholders that name no variable: left in the text as written. */
  unknownVariables: string[];
  /** Variables without a value for this case and no fallback: rendered empty. */
  emptyVariables: string[];
};

/** The variables a text uses that are not known (shown when a quick reply or macro is saved). */
export function unknownVariables(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((v) => !KNOWN.has(v)))];
}

/** Fills the placeholders of a text; unknown ones stay as written and are reported, never dropped. */
export function renderTemplate(text: string, values: Partial<Record<TemplateVariable, string>>): Rendered {
  const unknown = new Set<string>();
  const empty = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string, fallback: string | undefined) => {
    if (!KNOWN.has(name)) {
      unknown.add(name);
      return whole;
    }
    const value = values[name as TemplateVariable];
    if (value) return value;
    if (fallback !== undefined) return fallback.trim();
    empty.add(name);
    return "";
  });
  return { text: out, unknownVariables: [...unknown], emptyVariables: [...empty] };
}

/** Renders every string of a typed content (text, caption, title…), collecting what each reports. */
export function renderContent(
  content: Record<string, unknown>,
  values: Partial<Record<TemplateVariable, string>>,
): { content: Record<string, unknown>; unknownVariables: string[]; emptyVariables: string[] } {
  const unknown = new Set<string>();
  const empty = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const r = renderTemplate(v, values);
      for (const u of r.unknownVariables) unknown.add(u);
      for (const e of r.emptyVariables) empty.add(e);
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const rendered = walk(content) as Record<string, unknown>;
  return { content: rendered, unknownVariables: [...unknown], emptyVariables: [...empty] };
}

const firstWord = (name: string | undefined) => name?.trim().split(/\s+/)[0] ?? "";

/** The values of the template variables for a case and the agent writing (two lookups). */
export async function templateValues(
  db: Executor,
  theCase: CaseRow,
  agent: { type: string; id: string | null },
): Promise<Partial<Record<TemplateVariable, string>>> {
  const ws = theCase.workspace_id;
  const [contacts, agentName] = await Promise.all([
    contactSummaries(db, ws, [theCase.contact_id]),
    agent.type === "user" && agent.id ? findMemberName(db, ws, agent.id) : Promise.resolve(undefined),
  ]);
  const contactName = contacts.get(theCase.contact_id)?.displayName;
  const named = contactName && !contactName.startsWith("(") ? contactName : undefined;
  return {
    "contact.name": named ?? "",
    "contact.first_name": firstWord(named),
    "agent.name": agentName ?? "",
    "agent.first_name": firstWord(agentName),
    "case.number": String(theCase.number),
    "case.subject": theCase.subject,
    "case.status": theCase.status,
    "case.priority": theCase.priority,
  };
}
