import { type Kysely, sql } from "kysely";

// Admin settings (issue 7): the workspace's business hours get a row of their own (the SLA clocks and web chat
// read it; it used to live only on the SLA policy, from which it is copied here), and skills get a catalog so
// an admin can define one before any agent has it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table business_hours (
      workspace_id uuid not null primary key,
      calendar jsonb not null,
      updated_at timestamptz not null default now()
    );
    insert into business_hours (workspace_id, calendar, updated_at)
      select workspace_id, calendar, updated_at from sla_policies where calendar is not null;
    update sla_policies set calendar = null where calendar is not null;
    create table routing_skills (
      workspace_id uuid not null,
      name text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, name)
    );
  `.execute(db);
}
