import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Trigger options (event keys, QR scenes, order statuses, attribute keys; schedules) and why a rule was
    -- switched off by the engine (a team, agent or template it names no longer exists).
    alter table automation_rules add column trigger_config jsonb not null default '{}';
    alter table automation_rules add column disabled_reason text;

    -- How deep in a chain of rule-caused events a rule ran (0: caused by a customer, a member or the clock).
    alter table automation_log add column depth int not null default 0;
    alter table automation_log add column contact_id uuid;

    -- Webhook calls of rules: one row per call, updated by each attempt of its job.
    create table automation_webhook_calls (
      workspace_id uuid not null,
      id uuid not null,
      rule_id uuid not null,
      case_id uuid,
      url text not null,
      status text not null,
      attempts int not null default 0,
      response_status int,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index automation_webhook_calls_by_rule on automation_webhook_calls (workspace_id, rule_id, id);
  `.execute(db);
}
