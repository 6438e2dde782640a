import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Custom statuses of a workspace, each mapped onto one of the five status types (module conversations).
    create table case_statuses (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      type text not null check (type in ('open', 'pending', 'on-hold', 'solved', 'closed')),
      position int not null default 0,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index case_statuses_name on case_statuses (workspace_id, lower(name));

    -- Typed custom fields of cases.
    create table case_fields (
      workspace_id uuid not null,
      id uuid not null,
      key text not null,
      label text not null,
      type text not null check (type in ('text', 'number', 'boolean', 'date', 'select')),
      options text[] not null default '{}',
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, key)
    );

    alter table cases add column custom_status_id uuid, add column custom_fields jsonb not null default '{}';

    -- Members following a case (notified of its changes).
    create table case_followers (
      workspace_id uuid not null,
      case_id uuid not null,
      user_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, case_id, user_id)
    );
  `.execute(db);
}
