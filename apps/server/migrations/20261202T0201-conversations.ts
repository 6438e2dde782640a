import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Channel accounts of a workspace (module channels). Secrets are encrypted with RAPPORT_SECRET_KEY.
    create table channels (
      workspace_id uuid not null,
      id uuid not null,
      type text not null,
      name text not null,
      config jsonb not null default '{}',
      secrets_encrypted text,
      created_at timestamptz not null default now(),
      disabled_at timestamptz,
      primary key (workspace_id, id)
    );

    -- Raw inbound payloads, kept as received (module channels).
    create table inbound_payloads (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      payload jsonb not null,
      received_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );

    -- Cases: one customer issue, possibly over several conversations (module conversations).
    create table cases (
      workspace_id uuid not null,
      id uuid not null,
      number bigint not null,
      subject text not null,
      status text not null default 'open' check (status in ('open', 'pending', 'on-hold', 'solved', 'closed')),
      priority text not null default 'normal' check (priority in ('urgent', 'high', 'normal', 'low')),
      contact_id uuid not null,
      assignee_id uuid,
      team_id uuid,
      tags text[] not null default '{}',
      channel_ids uuid[] not null default '{}',
      reply_window_closes_at timestamptz,
      last_message_at timestamptz not null default now(),
      last_inbound_at timestamptz,
      first_response_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      solved_at timestamptz,
      reopened_at timestamptz,
      merged_into uuid,
      search tsvector,
      primary key (workspace_id, id),
      unique (workspace_id, number)
    );
    create index cases_inbox on cases (workspace_id, last_message_at desc, id desc) where merged_into is null;
    create index cases_by_status on cases (workspace_id, status, last_message_at desc, id desc) where merged_into is null;
    create index cases_by_assignee on cases (workspace_id, assignee_id, last_message_at desc, id desc) where merged_into is null;
    create index cases_by_contact on cases (workspace_id, contact_id, created_at desc);
    create index cases_search on cases using gin (search);

    -- Case numbers come from one sequence per workspace (case_no_<workspace hex>), created with the
    -- workspace's first case: no row lock serializes the creation of cases.

    -- Conversations: one thread on one channel with one contact.
    create table conversations (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      channel_type text not null,
      contact_id uuid not null,
      external_thread_id text not null,
      case_id uuid not null,
      last_inbound_at timestamptz,
      reply_window_hours int,
      reply_window_max_messages int,
      window_messages_sent int not null default 0,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, channel_id, external_thread_id)
    );
    create index conversations_by_case on conversations (workspace_id, case_id);

    create table messages (
      workspace_id uuid not null,
      id uuid not null,
      case_id uuid not null,
      conversation_id uuid,
      channel_id uuid,
      direction text not null check (direction in ('inbound', 'outbound')),
      author_type text not null check (author_type in ('contact', 'user', 'token', 'bot', 'system')),
      author_id text,
      type text not null,
      text text not null default '',
      content jsonb not null default '{}',
      private boolean not null default false,
      platform_message_id text,
      status text not null check (status in ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
      error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      primary key (workspace_id, id)
    );
    create unique index messages_platform_id on messages (workspace_id, channel_id, platform_message_id)
      where platform_message_id is not null;
    create index messages_by_case on messages (workspace_id, case_id, id);

    -- Case history: every change and every routing decision, with who and why (append-only).
    create table case_events (
      workspace_id uuid not null,
      id uuid not null,
      case_id uuid not null,
      actor_type text not null,
      actor_id text,
      action text not null,
      details jsonb not null default '{}',
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index case_events_by_case on case_events (workspace_id, case_id, id);

    -- Outbound webhook attempts of api channels.
    create table webhook_deliveries (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      message_id uuid not null,
      attempt int not null,
      status_code int,
      error text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index webhook_deliveries_by_channel on webhook_deliveries (workspace_id, channel_id, created_at desc);
  `.execute(db);
}
