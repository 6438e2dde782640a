import { type Kysely, sql } from "kysely";

// Local AI triage (module automation): the analysis of every inbound message, its aggregate per case, and the
// workspace's corrections that retrain its models. message_analyses.search (words and Chinese n-grams, computed
// in the application like the knowledge base's) finds similar past messages for reply suggestions.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table message_analyses (
      workspace_id uuid not null,
      message_id uuid not null,
      case_id uuid not null,
      language text not null,
      sentiment text not null,
      sentiment_score real not null,
      category text not null,
      confidence real not null,
      intents text[] not null default '{}',
      corrected boolean not null default false,
      search tsvector not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, message_id)
    );
    create index message_analyses_by_case on message_analyses (workspace_id, case_id, message_id);

    create table case_analyses (
      workspace_id uuid not null,
      case_id uuid not null,
      worst_sentiment text not null,
      worst_score real not null,
      last_sentiment text not null,
      last_category text not null,
      last_language text not null,
      last_message_id uuid not null,
      messages_analyzed int not null default 1,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, case_id)
    );

    create table ai_corrections (
      workspace_id uuid not null,
      id uuid not null,
      text text not null,
      category text,
      sentiment text,
      message_id uuid,
      created_by uuid,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );

    do $$
    declare
      gin_schema text;
    begin
      select n.nspname into gin_schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'btree_gin';
      if gin_schema is not null then
        execute format(
          'create index message_analyses_search on message_analyses using gin (workspace_id %I.uuid_ops, search)',
          gin_schema);
      else
        create index message_analyses_search on message_analyses using gin (search);
      end if;
    end $$;
  `.execute(db);
}
