// The rule editor's side of the automation API: rules as the editor builds them, dry-runs, execution logs.
import { requestJson, withQuery } from "../api.ts";

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
/** Triggers filtered by keys (menu event keys, QR scenes, order statuses, case statuses, changed fields, attribute keys). */
export const KEYED_TRIGGERS = [
  "menu.clicked",
  "qr.scanned",
  "order.event",
  "case.status-changed",
  "case.updated",
  "contact.attribute-changed",
] as const;
export type KeyedTrigger = (typeof KEYED_TRIGGERS)[number];
export const isKeyed = (trigger: string): trigger is KeyedTrigger =>
  (KEYED_TRIGGERS as readonly string[]).includes(trigger);

export const CONDITION_FIELDS = [
  "message.text",
  "message.type",
  "message.language",
  "message.sentiment",
  "message.category",
  "message.intents",
  "channel.type",
  "channel.id",
  "case.priority",
  "case.status",
  "case.tags",
  "case.isNew",
  "case.sentiment",
  "case.category",
  "case.team",
  "case.assignee",
  "case.replyWindow",
  "case.hoursSinceLastMessage",
  "case.hoursSinceLastCustomerMessage",
  "case.fields",
  "contact.tags",
  "contact.lifecycleStage",
  "contact.language",
  "contact.attributes",
  "contact.consent",
  "time.businessHours",
  "event.key",
] as const;
/** Fields that name a key after them (`case.fields.<key>`). */
export const KEYED_FIELDS: readonly string[] = ["case.fields", "contact.attributes", "contact.consent"];
export const NUMERIC_FIELDS: readonly string[] = ["case.hoursSinceLastMessage", "case.hoursSinceLastCustomerMessage"];
export const BOOLEAN_FIELDS: readonly string[] = ["case.isNew", "time.businessHours"];
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

export const ACTION_TYPES = [
  "reply",
  "note",
  "set_priority",
  "set_status",
  "add_tags",
  "remove_tags",
  "set_fields",
  "assign",
  "send_template",
  "follow_up_case",
  "webhook",
  "notify",
  "auto_triage",
  "stop",
] as const;
export const REPLY_KINDS = [
  "text",
  "image",
  "voice",
  "video",
  "article",
  "url",
  "miniprogram",
  "agent_card",
  "qr_code",
  "quick_replies",
] as const;

export type Leaf = { field: string; op: string; value: string | string[] | boolean | number };
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;
export type RuleAction = { type: string; [key: string]: unknown };

/** A rule as the API shows it. */
export type Rule = {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  disabledReason: string | null;
  trigger: Trigger;
  keywords: string[];
  keys: string[];
  schedule: { cron?: string; hours?: number } | null;
  conditions: Condition | null;
  actions: RuleAction[];
  updatedAt: string;
};

/** A rule as the API takes it. */
export type RuleBody = {
  name: string;
  enabled: boolean;
  trigger: Trigger;
  keywords?: string[];
  keys?: string[];
  schedule?: { cron?: string; hours?: number };
  conditions?: Condition;
  actions: RuleAction[];
};

export type DryRun = {
  scanned: number;
  matched: number;
  cases: {
    id: string;
    number: number;
    subject: string;
    status: "open" | "pending" | "on-hold" | "solved" | "closed";
    firstMessage: string | null;
    createdAt: string;
  }[];
};

export type ActionResult = { action: string; ok: boolean; skipped?: boolean; error?: string };
export type LogEntry = {
  id: string;
  ruleId: string;
  ruleName: string | null;
  caseId: string | null;
  contactId: string | null;
  depth: number;
  results: ActionResult[];
  createdAt: string;
};
export type WebhookCall = {
  id: string;
  url: string;
  status: "pending" | "delivered" | "retrying" | "failed";
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  updatedAt: string;
};

/** A rule's body to send back: webhook actions lose the `hasSecret` the API shows (the secret is kept by URL). */
export function bodyOf(rule: Rule): RuleBody {
  return {
    name: rule.name,
    enabled: rule.enabled,
    trigger: rule.trigger,
    ...(rule.keywords.length ? { keywords: rule.keywords } : {}),
    ...(rule.keys.length ? { keys: rule.keys } : {}),
    ...(rule.schedule ? { schedule: rule.schedule } : {}),
    ...(rule.conditions ? { conditions: rule.conditions } : {}),
    actions: rule.actions.map(({ hasSecret: _shown, ...rest }) => rest as RuleAction),
  };
}

const id = encodeURIComponent;

export const rulesKeys = {
  log: (ruleId: string) => ["automation-log", ruleId] as const,
  webhookCalls: (ruleId: string) => ["automation-webhook-calls", ruleId] as const,
};

/** Creates a rule (no id) or replaces one. */
export const saveRule = (body: RuleBody, ruleId?: string) =>
  ruleId
    ? requestJson<Rule>("PUT", `/api/v1/automation/rules/${id(ruleId)}`, body)
    : requestJson<Rule>("POST", "/api/v1/automation/rules", body);
export const deleteRule = (ruleId: string) => requestJson<void>("DELETE", `/api/v1/automation/rules/${id(ruleId)}`);
/** Which of the last 1,000 cases the rule would have matched. */
export const dryRunRule = (body: RuleBody) => requestJson<DryRun>("POST", "/api/v1/automation/rules/dry-run", body);
export const fetchRuleLog = (ruleId: string) =>
  requestJson<{ data: LogEntry[] }>("GET", withQuery("/api/v1/automation/log", { ruleId, limit: 50 }));
export const fetchWebhookCalls = (ruleId: string) =>
  requestJson<{ data: WebhookCall[] }>("GET", withQuery("/api/v1/automation/webhook-calls", { ruleId, limit: 20 }));
