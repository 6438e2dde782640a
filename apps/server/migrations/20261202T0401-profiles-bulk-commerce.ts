import { type Kysely, sql } from "kysely";

// Module profiles (issue 3, second part): contact imports (with their uploaded file and per-row errors),
// orders with lines and status history, location points, computed lifecycle. workspace_id first in every key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One import of a CSV/JSONL file (API or CLI). last_line is the last line committed: a crashed import
    -- resumes after it; the counters move in the same transaction as each batch.
    create table contact_imports (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      id uuid not null,
      origin text not null check (origin in ('api','cli')),
      format text not null check (format in ('csv','jsonl')),
      file_name text,
      byte_size bigint not null default 0,
      options jsonb not null default '{}'::jsonb,
      state text not null check (state in ('receiving','queued','running','completed','failed')),
      rows_read bigint not null default 0,
      imported bigint not null default 0,
      updated bigint not null default 0,
      unchanged bigint not null default 0,
      failed bigint not null default 0,
      last_line bigint not null default 0,
      error jsonb,
      actor_type text not null,
      actor_id text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index contact_imports_recent on contact_imports (workspace_id, created_at desc);

    -- The uploaded file of an API import, in chunks (the worker streams them back); deleted once completed.
    create table contact_import_chunks (
      workspace_id uuid not null,
      import_id uuid not null,
      seq integer not null,
      data bytea not null,
      primary key (workspace_id, import_id, seq),
      foreign key (workspace_id, import_id) references contact_imports(workspace_id, id) on delete cascade
    );

    -- The per-row error report: line number, field and reason (never the rejected value).
    create table contact_import_errors (
      workspace_id uuid not null,
      import_id uuid not null,
      line bigint not null,
      field text,
      reason text not null,
      message text not null,
      primary key (workspace_id, import_id, line),
      foreign key (workspace_id, import_id) references contact_imports(workspace_id, id) on delete cascade
    );

    create table orders (
      workspace_id uuid not null,
      id uuid not null,
      contact_id uuid not null,
      source text not null default '',
      external_id text not null,
      status text not null check (status in ('pending','paid','fulfilled','cancelled','refunded')),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      total numeric(18,4) not null,
      placed_at timestamptz not null,
      properties jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, contact_id) references contacts(workspace_id, id) on delete cascade
    );
    create unique index orders_external on orders (workspace_id, source, external_id);
    create index orders_contact on orders (workspace_id, contact_id, placed_at desc);

    create table order_lines (
      workspace_id uuid not null,
      order_id uuid not null,
      line_no integer not null,
      sku text,
      name text not null,
      quantity numeric(18,4) not null,
      unit_price numeric(18,4) not null,
      total numeric(18,4) not null,
      primary key (workspace_id, order_id, line_no),
      foreign key (workspace_id, order_id) references orders(workspace_id, id) on delete cascade
    );

    create table order_status_history (
      workspace_id uuid not null,
      id uuid not null,
      order_id uuid not null,
      status text not null,
      changed_at timestamptz not null,
      primary key (workspace_id, id),
      foreign key (workspace_id, order_id) references orders(workspace_id, id) on delete cascade
    );
    create index order_status_history_order on order_status_history (workspace_id, order_id, changed_at);
    create trigger order_status_history_append_only before update or delete on order_status_history
      for each row execute function profiles_append_only();

    -- The location trajectory: one point per location event (ready for range partitioning by occurred_at).
    create table contact_locations (
      workspace_id uuid not null,
      id uuid not null,
      contact_id uuid not null,
      occurred_at timestamptz not null,
      latitude double precision not null check (latitude between -90 and 90),
      longitude double precision not null check (longitude between -180 and 180),
      accuracy_m double precision,
      label text,
      channel text,
      event_id uuid,
      primary key (workspace_id, id),
      foreign key (workspace_id, contact_id) references contacts(workspace_id, id) on delete cascade
    );
    create index contact_locations_contact on contact_locations (workspace_id, contact_id, occurred_at desc, id desc);

    -- The computed lifecycle of a live contact (the stage is mirrored into contacts.lifecycle_stage).
    create table contact_lifecycle (
      workspace_id uuid not null,
      contact_id uuid not null,
      stage text not null,
      facts jsonb not null,
      computed_at timestamptz not null,
      primary key (workspace_id, contact_id),
      foreign key (workspace_id, contact_id) references contacts(workspace_id, id) on delete cascade
    );
  `.execute(db);
}
