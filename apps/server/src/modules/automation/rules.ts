/**
 * Rules as data: trigger → conditions → actions. Conditions are a small tree over a whitelist of fields,
 * evaluated without I/O against a snapshot of the message and case; compiled once per rule (regexes
 * included), so evaluating 200 rules for one message is a few microseconds each.
 */
import { z } from "zod";
import { CATEGORIES, SENTIMENTS } from "./ai/training-data.ts";

export const TRIGGERS = ["message.received", "keyword", "case.created"] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const FIELDS = [
  "message.text",
  "message.type",
  "channel.type",
  "case.priority",
  "case.status",
  "case.tags",
  "case.isNew",
  "message.language",
  "message.sentiment",
  "message.category",
  "message.intents",
  "case.sentiment",
] as const;
export type Field = (typeof FIELDS)[number];

export const OPS = [
  "equals",
  "not_equals",
  "contains",
  "not_contains",
  "starts_with",
  "matches",
  "in",
  "includes",
] as const;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: Field; op: (typeof OPS)[number]; value: string | string[] | boolean };

const Leaf = z.strictObject({
  field: z.enum(FIELDS),
  op: z.enum(OPS),
  value: z.union([z.string().max(500), z.array(z.string().max(200)).max(100), z.boolean()]),
});
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ConditionSchema).max(50) }),
    z.strictObject({ any: z.array(ConditionSchema).max(50) }),
    z.strictObject({ not: ConditionSchema }),
    Leaf,
  ]),
);

export const ActionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("reply"), text: z.string().trim().min(1).max(4000) }),
  z.strictObject({ type: z.literal("note"), text: z.string().trim().min(1).max(4000) }),
  z.strictObject({ type: z.literal("set_priority"), priority: z.enum(["urgent", "high", "normal", "low"]) }),
  z.strictObject({ type: z.literal("set_status"), status: z.enum(["open", "pending", "on-hold", "solved", "closed"]) }),
  z.strictObject({ type: z.literal("add_tags"), tags: z.array(z.string().trim().min(1).max(50)).min(1).max(20) }),
  z.strictObject({ type: z.literal("assign"), agentId: z.uuid().optional(), teamId: z.uuid().optional() }),
  z.strictObject({ type: z.literal("stop") }),
  /** Tags the case with the message's category and intents and raises its priority as the triage predicts. */
  z.strictObject({
    type: z.literal("auto_triage"),
    tags: z.boolean().default(true),
    priority: z.boolean().default(true),
  }),
  /** Puts the case under bot control and starts a bot flow (bot/runtime.ts). */
  z.strictObject({ type: z.literal("start_flow"), flowId: z.uuid() }),
  /** Hands the case over to agents (optionally to a team), recorded by the handover protocol (bot/handover.ts). */
  z.strictObject({
    type: z.literal("handover"),
    reason: z.string().trim().min(1).max(100).optional(),
    teamId: z.uuid().optional(),
  }),
]);
export type Action = z.infer<typeof ActionSchema>;

export const RuleBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(true),
  trigger: z.enum(TRIGGERS),
  /** For the keyword trigger: the message, trimmed and case-folded, equals one of these. */
  keywords: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  conditions: ConditionSchema.optional(),
  actions: z.array(ActionSchema).min(1).max(20),
});
export type RuleInput = z.infer<typeof RuleBody>;

/** What conditions see: the inbound message (absent for case triggers) and its case. */
export type Facts = {
  message?: { text: string; type: string } | undefined;
  channelType: string;
  case: { priority: string; status: string; tags: string[]; isNew: boolean };
  /** The AI triage of the inbound message (absent for case triggers). */
  analysis?:
    | { language: string; sentiment: string; sentimentScore: number; category: string; intents: string[] }
    | undefined;
  /** The worst sentiment of the case's customer messages so far. */
  caseSentiment?: string | undefined;
};

/** The values a triage field can take (a rule comparing with anything else can never match). */
const ALLOWED: Partial<Record<Field, readonly string[]>> = {
  "message.sentiment": SENTIMENTS,
  "case.sentiment": SENTIMENTS,
  "message.category": CATEGORIES,
  "message.language": ["en", "fr", "es", "zh", "und"],
};

export type CompiledRule = { matches(facts: Facts): boolean };

/** Checks a rule's conditions (valid regexes, value types per operator); returns the problems with their path. */
export function checkRule(input: RuleInput): string[] {
  const problems: string[] = [];
  if (input.trigger === "keyword" && !input.keywords?.length)
    problems.push("keywords: the keyword trigger needs at least one keyword");
  const walk = (c: Condition, path: string) => {
    if ("all" in c) for (const [i, x] of c.all.entries()) walk(x, `${path}.all[${i}]`);
    else if ("any" in c) for (const [i, x] of c.any.entries()) walk(x, `${path}.any[${i}]`);
    else if ("not" in c) walk(c.not, `${path}.not`);
    else {
      if (c.op === "matches") {
        if (typeof c.value !== "string") problems.push(`${path}.value: matches takes one regular expression`);
        else {
          try {
            new RegExp(c.value, "iu");
          } catch (err) {
            problems.push(`${path}.value: invalid regular expression (${(err as Error).message})`);
          }
          if (c.value.length > 200) problems.push(`${path}.value: regular expressions are limited to 200 characters`);
        }
      }
      if ((c.op === "in" || c.op === "includes") && !Array.isArray(c.value) && typeof c.value !== "string") {
        problems.push(`${path}.value: ${c.op} takes a list or a string`);
      }
      const allowed = ALLOWED[c.field];
      if (allowed) {
        const values = Array.isArray(c.value) ? c.value : [c.value];
        const bad = values.find((v) => typeof v !== "string" || !allowed.includes(v));
        if (bad !== undefined)
          problems.push(`${path}.value: ${c.field} is one of ${allowed.join(", ")} (got ${JSON.stringify(bad)})`);
      }
      if (c.field === "case.isNew" && typeof c.value !== "boolean")
        problems.push(`${path}.value: case.isNew takes true or false`);
    }
  };
  if (input.conditions) walk(input.conditions, "conditions");
  return problems;
}

function factOf(field: Field, f: Facts): string | string[] | boolean | undefined {
  switch (field) {
    case "message.text":
      return f.message?.text;
    case "message.type":
      return f.message?.type;
    case "channel.type":
      return f.channelType;
    case "case.priority":
      return f.case.priority;
    case "case.status":
      return f.case.status;
    case "case.tags":
      return f.case.tags;
    case "case.isNew":
      return f.case.isNew;
    case "message.language":
      return f.analysis?.language;
    case "message.sentiment":
      return f.analysis?.sentiment;
    case "message.category":
      return f.analysis?.category;
    case "message.intents":
      return f.analysis?.intents;
    case "case.sentiment":
      return f.caseSentiment;
  }
}

const fold = (s: string) => s.normalize("NFKC").toLocaleLowerCase();
// The message text is folded once per message, not once per condition (a one-entry cache).
let lastText = "";
let lastFolded = "";
const foldText = (s: string) => {
  if (s !== lastText) {
    lastText = s;
    lastFolded = fold(s);
  }
  return lastFolded;
};

/** Compiles a rule's trigger keywords and conditions into one predicate. */
export function compileRule(input: Pick<RuleInput, "trigger" | "keywords" | "conditions">): CompiledRule {
  const keywords = new Set((input.keywords ?? []).map(fold));
  const compile = (c: Condition): ((f: Facts) => boolean) => {
    if ("all" in c) {
      const parts = c.all.map(compile);
      return (f) => parts.every((p) => p(f));
    }
    if ("any" in c) {
      const parts = c.any.map(compile);
      return (f) => parts.some((p) => p(f));
    }
    if ("not" in c) {
      const inner = compile(c.not);
      return (f) => !inner(f);
    }
    const { field, op, value } = c;
    const list = (Array.isArray(value) ? value : [String(value)]).map(fold);
    const regex = op === "matches" && typeof value === "string" ? new RegExp(value, "iu") : undefined;
    return (f) => {
      const actual = factOf(field, f);
      if (actual === undefined) return op === "not_equals" || op === "not_contains";
      if (typeof actual === "boolean") return op === "not_equals" ? actual !== value : actual === value;
      if (Array.isArray(actual)) {
        const have = actual.map(fold);
        if (op === "includes" || op === "in" || op === "contains") return list.some((v) => have.includes(v));
        if (op === "not_contains") return !list.some((v) => have.includes(v));
        return false;
      }
      const text = field === "message.text" ? foldText(actual) : fold(actual);
      switch (op) {
        case "equals":
          return text === list[0];
        case "not_equals":
          return text !== list[0];
        case "contains":
          return list.some((v) => text.includes(v));
        case "not_contains":
          return !list.some((v) => text.includes(v));
        case "starts_with":
          return list.some((v) => text.startsWith(v));
        case "matches":
          return regex?.test(actual) ?? false;
        case "in":
        case "includes":
          return list.includes(text);
      }
    };
  };
  const conditions = input.conditions ? compile(input.conditions) : () => true;
  const keywordHit = (f: Facts) => f.message !== undefined && keywords.has(foldText(f.message.text).trim());
  return {
    matches: (f) => {
      if (input.trigger === "keyword" && !keywordHit(f)) return false;
      return conditions(f);
    },
  };
}
