/**
 * Rules as data: trigger → conditions → actions. Conditions are a small tree over a whitelist of fields,
 * evaluated without I/O against a snapshot of the message and case; compiled once per rule (regexes
 * included), so evaluating 200 rules for one message is a few microseconds each.
 */
import { z } from "zod";
import { CATEGORIES, SENTIMENTS } from "./ai/training-data.ts";
import { cronProblem } from "./schedule.ts";

export const TRIGGERS = [
  "message.received",
  "keyword",
  "menu.clicked",
  "subscribed",
  "unsubscribed",
  "qr.scanned",
  "order.event",
  "case.created",
  "case.updated",
  "case.status-changed",
  "sla.warning",
  "sla.breached",
  "contact.attribute-changed",
  "schedule.cron",
  "schedule.after-solved",
  "schedule.no-reply",
] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Triggers whose `keys` filter the event (empty: any): menu event keys, QR scenes, order statuses, case statuses, attribute keys. */
export const KEYED_TRIGGERS: Partial<Record<Trigger, string>> = {
  "menu.clicked": "menu event keys",
  "qr.scanned": "QR code scenes",
  "order.event": "order statuses (pending, paid, fulfilled, cancelled, refunded)",
  "case.status-changed": "the new statuses",
  "case.updated": "the changed fields",
  "contact.attribute-changed": "attribute keys",
};

/** Triggers fired by the clock (pg-boss jobs), not by an event. */
export const SCHEDULED_TRIGGERS = ["schedule.cron", "schedule.after-solved", "schedule.no-reply"] as const;

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
  "case.category",
  "case.team",
  "case.assignee",
  "case.replyWindow",
  "case.hoursSinceLastMessage",
  "case.hoursSinceLastCustomerMessage",
  "channel.id",
  "contact.tags",
  "contact.lifecycleStage",
  "contact.language",
  "time.businessHours",
  "event.key",
] as const;
/** A fixed field, or one keyed by name: `case.fields.<key>`, `contact.attributes.<key>`, `contact.consent.<purpose>`. */
export type Field =
  | (typeof FIELDS)[number]
  | `case.fields.${string}`
  | `contact.attributes.${string}`
  | `contact.consent.${string}`;
const KEYED_FIELD = /^(case\.fields|contact\.attributes|contact\.consent)\.[A-Za-z0-9_-]{1,64}$/;
const NUMERIC_FIELDS: readonly string[] = ["case.hoursSinceLastMessage", "case.hoursSinceLastCustomerMessage"];
const BOOLEAN_FIELDS: readonly string[] = ["case.isNew", "time.businessHours"];

export const OPS = [
  "equals",
  "not_equals",
  "contains",
  "not_contains",
  "starts_with",
  "matches",
  "in",
  "includes",
  "greater_than",
  "less_than",
  "is_set",
] as const;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: Field; op: (typeof OPS)[number]; value: string | string[] | boolean | number };

const FieldSchema = z.union([
  z.enum(FIELDS),
  z
    .string()
    .regex(KEYED_FIELD, "a known field, or case.fields.<key>, contact.attributes.<key>, contact.consent.<purpose>")
    .transform((v) => v as Field),
]);
const Leaf = z.strictObject({
  field: FieldSchema,
  op: z.enum(OPS),
  value: z.union([z.string().max(500), z.array(z.string().max(200)).max(100), z.boolean(), z.number()]),
});
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ConditionSchema).max(50) }),
    z.strictObject({ any: z.array(ConditionSchema).max(50) }),
    z.strictObject({ not: ConditionSchema }),
    Leaf,
  ]),
);

const Text = z.string().trim().min(1).max(4000);
const Url = z.url({ protocol: /^https?$/ }).max(2000);
const MediaRef = { mediaId: z.string().trim().min(1).max(200).optional(), url: Url.optional() };

/**
 * What a reply action sends: any content type a rule can write. Each kind is mapped to a content type the
 * case's channel carries (see `contentFor` in replies.ts); a channel that carries none of them skips the action.
 */
export const ReplyContentSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("text"), text: Text }),
  z.strictObject({ kind: z.literal("image"), ...MediaRef, caption: z.string().max(500).optional() }),
  z.strictObject({ kind: z.literal("voice"), ...MediaRef }),
  z.strictObject({
    kind: z.literal("video"),
    ...MediaRef,
    title: z.string().max(200).optional(),
    description: z.string().max(500).optional(),
  }),
  z.strictObject({
    kind: z.literal("article"),
    title: z.string().trim().min(1).max(200),
    description: z.string().max(1000).optional(),
    url: Url.optional(),
    picUrl: Url.optional(),
  }),
  z.strictObject({ kind: z.literal("url"), url: Url, title: z.string().max(200).optional() }),
  z.strictObject({
    kind: z.literal("miniprogram"),
    title: z.string().trim().min(1).max(200),
    appId: z.string().trim().min(1).max(64),
    pagePath: z.string().trim().min(1).max(500),
    thumbMediaId: z.string().trim().min(1).max(200),
  }),
  z.strictObject({ kind: z.literal("agent_card"), agentId: z.uuid(), note: z.string().max(500).optional() }),
  z.strictObject({ kind: z.literal("qr_code"), ...MediaRef, caption: z.string().max(500).optional() }),
  z.strictObject({
    kind: z.literal("quick_replies"),
    text: Text,
    options: z
      .array(z.strictObject({ id: z.string().trim().min(1).max(64), label: z.string().trim().min(1).max(200) }))
      .min(1)
      .max(10),
  }),
]);
export type ReplyContent = z.infer<typeof ReplyContentSchema>;

const Priority = z.enum(["urgent", "high", "normal", "low"]);
const Status = z.enum(["open", "pending", "on-hold", "solved", "closed"]);

/**
 * The action types of this file. To add one (bots: `start_flow`, `handover`), append its strict schema to
 * this list, a case to `applyAction` (runner.ts) and, when it names other records, to `referencesOf`.
 */
export const ACTION_SCHEMAS = [
  /** `text` (plain) or `content` (any kind); one of them. */
  z.strictObject({ type: z.literal("reply"), text: Text.optional(), content: ReplyContentSchema.optional() }),
  z.strictObject({ type: z.literal("note"), text: Text }),
  z.strictObject({ type: z.literal("set_priority"), priority: Priority }),
  z.strictObject({ type: z.literal("set_status"), status: Status }),
  z.strictObject({ type: z.literal("add_tags"), tags: z.array(z.string().trim().min(1).max(50)).min(1).max(20) }),
  z.strictObject({ type: z.literal("remove_tags"), tags: z.array(z.string().trim().min(1).max(50)).min(1).max(20) }),
  z.strictObject({ type: z.literal("set_fields"), fields: z.record(z.string().min(1).max(64), z.unknown()) }),
  /** An agent, a team, or an online agent with a skill (chosen like routing's `skills_best`). */
  z.strictObject({
    type: z.literal("assign"),
    agentId: z.uuid().optional(),
    teamId: z.uuid().optional(),
    skill: z.string().trim().min(1).max(50).optional(),
  }),
  /** A WeChat template message to the case's customer (the template must be synced on the case's channel). */
  z.strictObject({
    type: z.literal("send_template"),
    templateId: z.string().trim().min(1).max(100),
    data: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string().max(1000)),
    url: Url.optional(),
  }),
  /** A new case for the same customer, linked in its note to this one. */
  z.strictObject({
    type: z.literal("follow_up_case"),
    subject: z.string().trim().min(1).max(200),
    note: z.string().max(4000).optional(),
    priority: Priority.optional(),
    teamId: z.uuid().optional(),
  }),
  /** A signed POST (HMAC-SHA256 of the body with `secret`) sent by a job, retried, logged; never blocks. */
  z.strictObject({
    type: z.literal("webhook"),
    url: Url,
    secret: z.string().min(16).max(200).optional(),
    /** Stored form of the secret (sealed with the server key); never shown. */
    secretSealed: z.string().max(2000).optional(),
    allowPrivateNetwork: z.boolean().optional(),
  }),
  /** An in-app notification (outbox event `automation.notification`, broadcast to the workspace's consoles). */
  z.strictObject({
    type: z.literal("notify"),
    userIds: z.array(z.uuid()).max(50).optional(),
    assignee: z.boolean().optional(),
    text: Text,
  }),
  z.strictObject({ type: z.literal("stop") }),
  /** Tags the case with the message's category and intents and raises its priority as the triage predicts. */
  z.strictObject({
    type: z.literal("auto_triage"),
    tags: z.boolean().default(true),
    priority: z.boolean().default(true),
  }),
  /** Puts the case under bot control and starts a bot flow (bot/runtime.ts). */
  z.strictObject({ type: z.literal("start_flow"), flowId: z.uuid() }),
  /** Shows a keyword menu (a text IVR, keyword-menus.ts) and remembers the customer's place in it. */
  z.strictObject({ type: z.literal("open_menu"), menuId: z.uuid() }),
  /** Hands the case over to agents (optionally to a team), recorded by the handover protocol (bot/handover.ts). */
  z.strictObject({
    type: z.literal("handover"),
    reason: z.string().trim().min(1).max(100).optional(),
    teamId: z.uuid().optional(),
  }),
] as const;

export const ActionSchema = z.discriminatedUnion("type", ACTION_SCHEMAS);
export type Action = z.infer<typeof ActionSchema>;

export const RuleBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(true),
  trigger: z.enum(TRIGGERS),
  /** For the keyword trigger: the message, trimmed and case-folded, equals one of these. */
  keywords: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  /** For keyed triggers (see KEYED_TRIGGERS): the event matches one of these (none: any). */
  keys: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  /** For scheduled triggers: a 5-field cron (UTC), or the hours after solving / without a reply. */
  schedule: z
    .strictObject({
      cron: z.string().trim().min(9).max(100).optional(),
      hours: z
        .number()
        .positive()
        .max(24 * 90)
        .optional(),
    })
    .optional(),
  conditions: ConditionSchema.optional(),
  actions: z.array(ActionSchema).min(1).max(20),
});
export type RuleInput = z.infer<typeof RuleBody>;

/** What conditions see: the inbound message (absent for other triggers), its case, its customer, the clock. */
export type Facts = {
  message?: { text: string; type: string } | undefined;
  channelType: string;
  channelId?: string | undefined;
  case: {
    priority: string;
    status: string;
    tags: string[];
    isNew: boolean;
    teamId?: string | null | undefined;
    assigneeId?: string | null | undefined;
    fields?: Record<string, unknown> | undefined;
    /** Hours since the case's last message, and its last customer message (absent: none yet). */
    hoursSinceLastMessage?: number | undefined;
    hoursSinceLastCustomerMessage?: number | undefined;
    /** Whether a free-form reply is allowed now (`none`: the channel has no reply window). */
    replyWindow?: "open" | "closed" | "none" | undefined;
    /** The latest AI category of the case's customer messages. */
    category?: string | undefined;
  };
  contact?:
    | {
        tags: string[];
        lifecycleStage: string | null;
        language: string | null;
        attributes: Record<string, unknown>;
        /** The latest consent status per purpose (`granted` or `withdrawn`). */
        consent: Record<string, string>;
      }
    | undefined;
  /** The AI triage of the inbound message (absent for case triggers). */
  analysis?:
    | { language: string; sentiment: string; sentimentScore: number; category: string; intents: string[] }
    | undefined;
  /** The worst sentiment of the case's customer messages so far. */
  caseSentiment?: string | undefined;
  /** Whether the workspace's business-hours calendar is open now (absent: no calendar, always open). */
  businessHours?: boolean | undefined;
  /** The trigger's key: the menu event key, QR scene, order status, new case status. */
  eventKey?: string | undefined;
  /** Changed fields or attribute keys (case.updated, contact.attribute-changed). */
  eventKeys?: string[] | undefined;
};

/** The values a triage field can take (a rule comparing with anything else can never match). */
const ALLOWED: Partial<Record<Field, readonly string[]>> = {
  "message.sentiment": SENTIMENTS,
  "case.sentiment": SENTIMENTS,
  "message.category": CATEGORIES,
  "case.category": CATEGORIES,
  "message.language": ["en", "fr", "es", "zh", "und"],
  "case.replyWindow": ["open", "closed", "none"],
  "case.priority": ["urgent", "high", "normal", "low"],
};
const CONSENT_STATUSES = ["granted", "withdrawn"];
const CRON = /^(\S+\s+){4}\S+$/;

export type CompiledRule = { matches(facts: Facts): boolean };

/** Checks a rule (trigger options, valid regexes, value types per operator); returns the problems with their path. */
export function checkRule(input: RuleInput): string[] {
  const problems: string[] = [];
  if (input.trigger === "keyword" && !input.keywords?.length)
    problems.push("keywords: the keyword trigger needs at least one keyword");
  if (input.keys?.length && !KEYED_TRIGGERS[input.trigger])
    problems.push(`keys: the ${input.trigger} trigger takes no keys`);
  const schedule = input.schedule;
  if (input.trigger === "schedule.cron") {
    if (!schedule?.cron) problems.push("schedule.cron: the schedule.cron trigger needs a cron expression");
    else {
      const error = CRON.test(schedule.cron)
        ? cronProblem(schedule.cron)
        : "five fields: minute hour day month weekday";
      if (error) problems.push(`schedule.cron: ${error}`);
    }
  } else if (input.trigger === "schedule.after-solved" || input.trigger === "schedule.no-reply") {
    if (!schedule?.hours) problems.push(`schedule.hours: the ${input.trigger} trigger needs a number of hours`);
  } else if (schedule) problems.push(`schedule: the ${input.trigger} trigger takes no schedule`);
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
      const numeric = NUMERIC_FIELDS.includes(c.field);
      if ((c.op === "greater_than" || c.op === "less_than") && typeof c.value !== "number")
        problems.push(`${path}.value: ${c.op} takes a number`);
      if (numeric && c.op !== "greater_than" && c.op !== "less_than" && c.op !== "is_set")
        problems.push(`${path}.op: ${c.field} is a number of hours; use greater_than or less_than`);
      const allowed = c.field.startsWith("contact.consent.")
        ? CONSENT_STATUSES
        : ALLOWED[c.field as keyof typeof ALLOWED];
      if (allowed && c.op !== "is_set") {
        const values = Array.isArray(c.value) ? c.value : [c.value];
        const bad = values.find((v) => typeof v !== "string" || !allowed.includes(v));
        if (bad !== undefined)
          problems.push(`${path}.value: ${c.field} is one of ${allowed.join(", ")} (got ${JSON.stringify(bad)})`);
      }
      if (BOOLEAN_FIELDS.includes(c.field) && typeof c.value !== "boolean")
        problems.push(`${path}.value: ${c.field} takes true or false`);
    }
  };
  if (input.conditions) walk(input.conditions, "conditions");
  for (const [i, a] of input.actions.entries()) {
    if (a.type === "reply" && (a.text === undefined) === (a.content === undefined))
      problems.push(`actions[${i}]: a reply has either text or content`);
    if (a.type === "assign" && !a.agentId && !a.teamId && !a.skill)
      problems.push(`actions[${i}]: assign needs agentId, teamId or skill`);
    if (a.type === "assign" && a.agentId && a.skill)
      problems.push(`actions[${i}].skill: assign to an agent or by skill, not both`);
    if (a.type === "notify" && !a.userIds?.length && !a.assignee)
      problems.push(`actions[${i}]: notify needs userIds or assignee: true`);
    if (a.type === "webhook" && !a.secret && !a.secretSealed)
      problems.push(`actions[${i}].secret: a webhook needs a signing secret (16+ characters)`);
  }
  return problems;
}

/** Every record a rule names (teams, agents), with the path where it names it: checked on save and on run. */
export function referencesOf(
  input: Pick<RuleInput, "actions">,
): { kind: "team" | "agent"; id: string; path: string }[] {
  const refs: { kind: "team" | "agent"; id: string; path: string }[] = [];
  for (const [i, a] of input.actions.entries()) {
    if ((a.type === "assign" || a.type === "follow_up_case") && a.teamId)
      refs.push({ kind: "team", id: a.teamId, path: `actions[${i}].teamId` });
    if (a.type === "assign" && a.agentId) refs.push({ kind: "agent", id: a.agentId, path: `actions[${i}].agentId` });
    if (a.type === "reply" && a.content?.kind === "agent_card")
      refs.push({ kind: "agent", id: a.content.agentId, path: `actions[${i}].content.agentId` });
    if (a.type === "notify")
      for (const [j, id] of (a.userIds ?? []).entries())
        refs.push({ kind: "agent", id, path: `actions[${i}].userIds[${j}]` });
  }
  return refs;
}

type Value = string | string[] | boolean | number | undefined;

/** Reads one field from the facts; keyed fields are resolved once, at compile time. */
function getterOf(field: Field): (f: Facts) => Value {
  const keyed = /^(case\.fields|contact\.attributes|contact\.consent)\.(.+)$/.exec(field);
  if (keyed) {
    const key = keyed[2] ?? "";
    const scalar = (v: unknown): Value =>
      v === null || v === undefined
        ? undefined
        : typeof v === "string" || typeof v === "number" || typeof v === "boolean"
          ? v
          : Array.isArray(v)
            ? v.map(String)
            : JSON.stringify(v);
    if (keyed[1] === "case.fields") return (f) => scalar(f.case.fields?.[key]);
    if (keyed[1] === "contact.attributes") return (f) => scalar(f.contact?.attributes[key]);
    return (f) => f.contact?.consent[key];
  }
  switch (field as (typeof FIELDS)[number]) {
    case "message.text":
      return (f) => f.message?.text;
    case "message.type":
      return (f) => f.message?.type;
    case "channel.type":
      return (f) => f.channelType;
    case "channel.id":
      return (f) => f.channelId;
    case "case.priority":
      return (f) => f.case.priority;
    case "case.status":
      return (f) => f.case.status;
    case "case.tags":
      return (f) => f.case.tags;
    case "case.isNew":
      return (f) => f.case.isNew;
    case "case.team":
      return (f) => f.case.teamId ?? undefined;
    case "case.assignee":
      return (f) => f.case.assigneeId ?? undefined;
    case "case.replyWindow":
      return (f) => f.case.replyWindow;
    case "case.hoursSinceLastMessage":
      return (f) => f.case.hoursSinceLastMessage;
    case "case.hoursSinceLastCustomerMessage":
      return (f) => f.case.hoursSinceLastCustomerMessage;
    case "case.category":
      return (f) => f.case.category ?? f.analysis?.category;
    case "message.language":
      return (f) => f.analysis?.language;
    case "message.sentiment":
      return (f) => f.analysis?.sentiment;
    case "message.category":
      return (f) => f.analysis?.category;
    case "message.intents":
      return (f) => f.analysis?.intents;
    case "case.sentiment":
      return (f) => f.caseSentiment;
    case "contact.tags":
      return (f) => f.contact?.tags;
    case "contact.lifecycleStage":
      return (f) => f.contact?.lifecycleStage ?? undefined;
    case "contact.language":
      return (f) => f.contact?.language ?? f.analysis?.language;
    case "time.businessHours":
      return (f) => f.businessHours ?? true;
    case "event.key":
      return (f) => f.eventKey;
  }
}

/** The fact groups a set of conditions reads, so the runner gathers only those (contact, calendar). */
export function factsNeeded(conditions: Condition | null | undefined): { contact: boolean; businessHours: boolean } {
  const need = { contact: false, businessHours: false };
  const walk = (c: Condition) => {
    if ("all" in c) c.all.forEach(walk);
    else if ("any" in c) c.any.forEach(walk);
    else if ("not" in c) walk(c.not);
    else if (c.field.startsWith("contact.")) need.contact = true;
    else if (c.field === "time.businessHours") need.businessHours = true;
  };
  if (conditions) walk(conditions);
  return need;
}

const fold = (s: string) => s.normalize("NFKC").toLocaleLowerCase();
/** A keyword as rules and keyword menus compare it: trimmed, NFKC (full-width `１` is `1`), lower case. */
export const foldKeyword = (s: string) => fold(s.trim());
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

/** Compiles a rule's trigger keywords and keys and its conditions into one predicate. */
export function compileRule(input: Pick<RuleInput, "trigger" | "keywords" | "keys" | "conditions">): CompiledRule {
  const keywords = new Set((input.keywords ?? []).map(fold));
  const keys = new Set((input.keys ?? []).map(fold));
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
    const get = getterOf(field);
    const list = (Array.isArray(value) ? value : [String(value)]).map(fold);
    const regex = op === "matches" && typeof value === "string" ? new RegExp(value, "iu") : undefined;
    return (f) => {
      const actual = get(f);
      if (op === "is_set") return (actual !== undefined && actual !== "") === (value !== false);
      if (actual === undefined) return op === "not_equals" || op === "not_contains";
      if (typeof actual === "number") {
        if (op === "greater_than") return typeof value === "number" && actual > value;
        if (op === "less_than") return typeof value === "number" && actual < value;
        return op === "not_equals" ? String(actual) !== list[0] : op === "equals" && String(actual) === list[0];
      }
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
        case "greater_than":
        case "less_than": {
          const n = Number(actual);
          return typeof value === "number" && !Number.isNaN(n) && (op === "greater_than" ? n > value : n < value);
        }
      }
    };
  };
  const conditions = input.conditions ? compile(input.conditions) : () => true;
  const keywordHit = (f: Facts) => f.message !== undefined && keywords.has(foldText(f.message.text).trim());
  const keyHit = (f: Facts) =>
    keys.size === 0 ||
    (f.eventKey !== undefined && keys.has(fold(f.eventKey))) ||
    (f.eventKeys?.some((k) => keys.has(fold(k))) ?? false);
  return {
    matches: (f) => {
      if (input.trigger === "keyword" && !keywordHit(f)) return false;
      if (KEYED_TRIGGERS[input.trigger] !== undefined && !keyHit(f)) return false;
      return conditions(f);
    },
  };
}
