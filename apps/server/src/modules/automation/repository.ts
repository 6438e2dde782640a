import { type Generated, type Selectable, sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import type { Action, Condition, Trigger } from "./rules.ts";

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
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  automation_log: {
    workspace_id: string;
    id: string;
    rule_id: string;
    event_id: string;
    case_id: string | null;
    results: unknown;
    created_at: Generated<Date>;
  };
};

export type RuleRow = Selectable<AutomationTables["automation_rules"]> & {
  conditions: Condition | null;
  actions: Action[];
};

export const q = (db: Executor) => db.withTables<AutomationTables>();

export function listRules(db: Executor, ws: string, triggers?: readonly Trigger[]) {
  let query = q(db).selectFrom("automation_rules").selectAll().where("workspace_id", "=", ws).orderBy("position");
  if (triggers) query = query.where("enabled", "=", true).where("trigger", "in", [...triggers]);
  return query.execute() as Promise<RuleRow[]>;
}

export async function nextPosition(db: Executor, ws: string): Promise<number> {
  const row = await q(db)
    .selectFrom("automation_rules")
    .select(sql<number>`coalesce(max(position), 0) + 1`.as("n"))
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return row?.n ?? 1;
}
