import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Saved inbox views: a member's own named case filters and sort (module conversations).
    create table case_views (
      workspace_id uuid not null,
      id uuid not null,
      user_id text not null,
      name text not null,
      filters jsonb not null,
      sort text not null default 'recent',
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index case_views_name on case_views (workspace_id, user_id, lower(name));
  `.execute(db);
}
