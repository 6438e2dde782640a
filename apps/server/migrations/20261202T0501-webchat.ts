import { type Kysely, sql } from "kysely";

// Module channels, web chat (issue 6): one row per widget visitor. The visitor's token names this row;
// its conversation (one per visitor, thread id = visitor id) is recorded once the first message lands.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webchat_visitors (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      contact_id uuid,
      conversation_id uuid,
      user_id text,
      email text,
      name text,
      language text,
      -- Page views seen before the visitor became a contact (first message), flushed to the timeline then.
      pending_page_views jsonb not null default '[]',
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index webchat_visitors_by_user on webchat_visitors (workspace_id, channel_id, user_id);
  `.execute(db);
}
