import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Per-handler bookkeeping of the outbox dispatcher, written only when a handler has failed at least once:
    -- the happy path costs one update of outbox.dispatched_at and nothing here.
    create table outbox_deliveries (
      workspace_id uuid not null,
      event_id uuid not null,
      handler text not null,
      status text not null check (status in ('delivered', 'retrying', 'failed')),
      attempts int not null,
      last_error text,
      next_attempt_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, event_id, handler)
    );
    create index outbox_deliveries_retrying on outbox_deliveries (workspace_id, event_id) where status = 'retrying';
    create index outbox_deliveries_failed on outbox_deliveries (workspace_id, updated_at) where status = 'failed';

    -- Large or binary broadcasts of @socket.io/postgres-adapter when several realtime nodes run (unused on PGlite).
    create table socket_io_attachments (
      id bigserial unique,
      created_at timestamptz default now(),
      payload bytea
    );
  `.execute(db);
}
