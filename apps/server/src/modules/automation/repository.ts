import { type Generated, type Selectable, sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../platform/db.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import type { Action, Condition, RuleInput, Trigger } from "./rules.ts";

/** The tables this module owns. */
export type AutomationTables = {
  automation_rules: {
    workspace_id: string;
    id: string;
    name: string;
    position: number;
    enabled: boolean;
    trigger: Trigger;
    keywords: string[];
    conditions: unknown;
    actions: unknown;
    trigger_config: Generated<unknown>;
    disabled_reason: string | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  automation_log: {
    workspace_id: string;
    id: string;
    rule_id: string;
    event_id: string;
    case_id: string | null;
    contact_id: string | null;
    depth: Generated<number>;
    results: unknown;
    created_at: Generated<Date>;
  };
  automation_webhook_calls: {
    workspace_id: string;
    id: string;
    rule_id: string;
    case_id: string | null;
    url: string;
    status: "pending" | "delivered" | "retrying" | "failed";
    attempts: Generated<number>;
    response_status: number | null;
    last_error: string | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
};

/** A rule's trigger options: keys (event keys, scenes, statuses, attribute keys) and a schedule. */
export type TriggerConfig = { keys?: string[]; schedule?: { cron?: string | undefined; hours?: number | undefined } };

export type RuleRow = Selectable<AutomationTables["automation_rules"]> & {
  conditions: Condition | null;
  actions: Action[];
  trigger_config: TriggerConfig;
};

export const q = (db: Executor) => db.withTables<AutomationTables>();

/** The workspace's rules, enabled or not, in order. */
export function listRules(db: Executor, ws: string) {
  return q(db)
    .selectFrom("automation_rules")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("position")
    .execute() as Promise<RuleRow[]>;
}

const rulesCache = new TtlCache<string, readonly RuleRow[]>(5_000, 1000);

/**
 * The workspace's rules for the event handlers (cached 5 s; dropped at once on this node when one is saved):
 * one frozen list shared by every caller, so never changed in place.
 */
export async function cachedRules(db: Executor, ws: string): Promise<readonly RuleRow[]> {
  return rulesCache.load(ws, async () => Object.freeze((await listRules(db, ws)).map((r) => Object.freeze(r))));
}

/**
 * Forgets a workspace's cached rules: after any write to them, and again after the commit of a transaction that
 * wrote them (a handler reading in between would otherwise cache the old rules again).
 */
export const forgetRules = (ws: string) => rulesCache.delete(ws);

export async function nextPosition(db: Executor, ws: string): Promise<number> {
  const row = await q(db)
    .selectFrom("automation_rules")
    .select(sql<number>`coalesce(max(position), 0) + 1`.as("n"))
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return row?.n ?? 1;
}

/** One rule of a workspace, or undefined. */
export function findRule(db: Executor, ws: string, id: string) {
  return q(db)
    .selectFrom("automation_rules")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst() as Promise<RuleRow | undefined>;
}

/** Switches a rule off with the reason (a team, agent or template it names is gone). */
export async function disableRule(db: Executor, ws: string, id: string, reason: string): Promise<void> {
  await q(db)
    .updateTable("automation_rules")
    .set({ enabled: false, disabled_reason: reason.slice(0, 1000), updated_at: new Date() })
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .execute();
  forgetRules(ws);
}

/** How many times a rule ran on a case since an instant (loop and repeat guards). */
export async function runsSince(
  db: Executor,
  ws: string,
  ruleId: string,
  caseId: string,
  since: Date,
): Promise<number> {
  const row = await q(db)
    .selectFrom("automation_log")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .where("rule_id", "=", ruleId)
    .where("created_at", ">", since)
    .executeTakeFirst();
  return row?.n ?? 0;
}

/** Stores a checked rule at the end of the workspace's order. */
export async function insertRule(tx: Executor, ws: string, b: RuleInput, config: TriggerConfig): Promise<RuleRow> {
  const row = (await q(tx)
    .insertInto("automation_rules")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      name: b.name,
      position: await nextPosition(tx, ws),
      enabled: b.enabled,
      trigger: b.trigger,
      keywords: b.keywords ?? [],
      conditions: b.conditions ? JSON.stringify(b.conditions) : null,
      actions: JSON.stringify(b.actions),
      trigger_config: JSON.stringify(config),
      disabled_reason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()) as RuleRow;
  forgetRules(ws);
  return row;
}
