import { type Kysely, sql } from "kysely";

// WeChat service scenarios (issue #8).
// - contact_messages (module channels): a message sent to a contact's channel identity when there is no case
//   to reply in (a welcome to a new follower, a menu click before any conversation), queued, sent by a job.
// - automation_keyword_menus (module automation): a workspace's keyword menu trees (a text IVR: "1 → 1.2 → …").
// - automation_menu_sessions (module automation): where each contact stands in a keyword menu, until a timeout.
// - automation_scenario_installs (module automation): which ready-made scenario created which rules and menus.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table contact_messages (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      contact_id uuid not null,
      external_id text not null,
      author_type text not null check (author_type in ('bot', 'system', 'user', 'token')),
      author_id text,
      type text not null,
      text text not null default '',
      content jsonb not null default '{}',
      status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
      error text,
      dedupe_key text not null,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, dedupe_key)
    );
    create index contact_messages_by_contact on contact_messages (workspace_id, contact_id, created_at desc);

    create table automation_keyword_menus (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      tree jsonb not null,
      timeout_minutes int not null default 10,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );

    create table automation_menu_sessions (
      workspace_id uuid not null,
      contact_id uuid not null,
      menu_id uuid not null,
      path text[] not null default '{}',
      last_message_id uuid,
      expires_at timestamptz not null,
      ended_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, contact_id)
    );

    create table automation_scenario_installs (
      workspace_id uuid not null,
      id uuid not null,
      scenario text not null,
      install_key text not null,
      params jsonb not null,
      rule_ids uuid[] not null default '{}',
      menu_id uuid,
      created_by text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, scenario, install_key)
    );
  `.execute(db);
}
