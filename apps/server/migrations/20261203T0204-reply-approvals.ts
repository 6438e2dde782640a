import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Replies awaiting a supervisor's approval, and rejected ones (module conversations).
    alter table messages drop constraint messages_status_check;
    alter table messages add constraint messages_status_check
      check (status in ('received', 'pending_approval', 'rejected', 'queued', 'sent', 'delivered', 'read', 'failed'));
    alter table messages add column reviewed_by text, add column reviewed_at timestamptz, add column review_note text;
    create index messages_pending_approval on messages (workspace_id, id) where status = 'pending_approval';

    -- Whose replies need approval: members by id, or every member of a role.
    create table reply_approval_settings (
      workspace_id uuid not null primary key,
      roles text[] not null default '{}',
      user_ids uuid[] not null default '{}',
      updated_at timestamptz not null default now()
    );
  `.execute(db);
}
