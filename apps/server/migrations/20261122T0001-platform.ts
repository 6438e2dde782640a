import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table outbox (
      workspace_id uuid not null,
      id uuid not null,
      type text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz,
      primary key (workspace_id, id)
    );
    create index outbox_pending on outbox (workspace_id, id) where dispatched_at is null;
    create index outbox_pending_global on outbox (id) where dispatched_at is null;
  `.execute(db);
}
