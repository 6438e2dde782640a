import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- @mentions of workspace members in internal notes (module conversations): one row per member and note.
    create table mentions (
      workspace_id uuid not null,
      id uuid not null,
      user_id uuid not null,
      case_id uuid not null,
      message_id uuid not null,
      author_type text not null,
      author_id text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, message_id, user_id)
    );
    -- GET /api/v1/mentions: a member's mentions, newest first (keyset on id).
    create index mentions_user_idx on mentions (workspace_id, user_id, id desc);
  `.execute(db);
}
