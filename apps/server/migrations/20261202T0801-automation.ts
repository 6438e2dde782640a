import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Rules of a workspace (module automation), evaluated in position order.
    create table automation_rules (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      position int not null,
      enabled boolean not null default true,
      trigger text not null,
      keywords text[] not null default '{}',
      conditions jsonb,
      actions jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index automation_rules_by_trigger on automation_rules (workspace_id, trigger, position) where enabled;

    -- What each rule did for each event (one row per rule and event: a redelivered event never runs a rule twice).
    create table automation_log (
      workspace_id uuid not null,
      id uuid not null,
      rule_id uuid not null,
      event_id uuid not null,
      case_id uuid,
      results jsonb not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, rule_id, event_id)
    );
    create index automation_log_by_case on automation_log (workspace_id, case_id, id);
  `.execute(db);
}
