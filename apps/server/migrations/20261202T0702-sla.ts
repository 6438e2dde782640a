import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The SLA policy of a workspace (module routing): targets per priority, business hours, warning threshold.
    create table sla_policies (
      workspace_id uuid primary key,
      name text not null,
      targets jsonb not null,
      calendar jsonb,
      warning_threshold real not null default 0.8,
      updated_at timestamptz not null default now()
    );

    -- The SLA state of each case, kept on the case (module conversations) so lists filter and sort by it:
    -- ok, warning (at risk), breached, or null when no policy measures it; the next target's due time.
    alter table cases add column sla_state text check (sla_state in ('ok', 'warning', 'breached'));
    alter table cases add column sla_due_at timestamptz;
    alter table cases add column sla jsonb;
    create index cases_by_sla on cases (workspace_id, sla_due_at) where sla_state is not null and merged_into is null;
  `.execute(db);
}
