import { type Kysely, sql } from "kysely";

// Module profiles (issue 3): paged follower imports. One row per (channel, identity kind, namespace): where the
// import stands (the cursor of the page being processed and how many of its ids are done), so a crashed run
// resumes there. The counters move in the same transaction as each batch of followers.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table follower_syncs (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      id uuid not null,
      channel_id uuid not null,
      identity_kind text not null,
      namespace text not null default '',
      state text not null check (state in ('queued','running','completed','failed')),
      page_cursor text,
      page_done integer not null default 0,
      pages integer not null default 0,
      imported bigint not null default 0,
      failed bigint not null default 0,
      total bigint,
      error jsonb,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, channel_id, identity_kind, namespace)
    );
  `.execute(db);
}
