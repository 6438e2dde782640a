import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Macros: named bundles of case actions (reply, note, tags, status, priority, assignment), module conversations.
    create table macros (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      description text,
      actions jsonb not null,
      created_by text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index macros_name on macros (workspace_id, lower(name));
  `.execute(db);
}
