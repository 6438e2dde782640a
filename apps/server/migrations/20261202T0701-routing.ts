import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Routing profile of each member: presence, skills (name → proficiency 1–5), capacity per channel type.
    create table routing_agents (
      workspace_id uuid not null,
      user_id uuid not null,
      presence text not null default 'offline' check (presence in ('online', 'away', 'offline')),
      presence_changed_at timestamptz not null default now(),
      skills jsonb not null default '{}',
      capacity jsonb not null default '{}',
      last_assigned_at timestamptz,
      primary key (workspace_id, user_id)
    );

    create table routing_settings (
      workspace_id uuid primary key,
      auto_assign boolean not null default false,
      strategy text not null default 'least_loaded'
        check (strategy in ('round_robin', 'least_loaded', 'skills_all', 'skills_best')),
      sticky boolean not null default true,
      updated_at timestamptz not null default now()
    );
  `.execute(db);
}
