import { type Kysely, sql } from "kysely";

// Bots and handover (module automation): the workspace's bot settings, intents with example utterances,
// slot-filling flows (steps as JSON), the bot's state per case (flow position, collected slots) and one row per
// customer message the bot handled (idempotency and transcript). On cases (module conversations): who has
// control (`bot` or `agent`, null when no bot was ever involved) and the last handover record.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table bot_settings (
      workspace_id uuid not null primary key,
      enabled boolean not null default false,
      threshold real not null default 0.7,
      fallback_text jsonb not null default '{}',
      handover_text jsonb not null default '{}',
      max_fallbacks int not null default 2,
      timeout_minutes int not null default 30,
      handover_team_id uuid,
      updated_at timestamptz not null default now()
    );

    create table bot_intents (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      utterances jsonb not null default '{}',
      answer jsonb,
      flow_id uuid,
      handover boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index bot_intents_name on bot_intents (workspace_id, name);

    create table bot_flows (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      start text not null,
      steps jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );

    create table bot_sessions (
      workspace_id uuid not null,
      case_id uuid not null,
      flow_id uuid,
      step_id text,
      flow_started_at timestamptz,
      retries int not null default 0,
      fallbacks int not null default 0,
      slots jsonb not null default '{}',
      language text,
      last_intent text,
      last_score real,
      expires_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, case_id)
    );

    create table bot_turns (
      workspace_id uuid not null,
      message_id uuid not null,
      case_id uuid not null,
      intent text,
      score real,
      action text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, message_id)
    );
    create index bot_turns_by_case on bot_turns (workspace_id, case_id, message_id);

    alter table cases add column control text;
    alter table cases add column handover jsonb;
  `.execute(db);
}
