import { type Kysely, sql } from "kysely";

// Smart alerts (module automation): per-workspace spike settings (watched keywords, thresholds) and the spikes
// detected (volume of negative or complaint messages, or of a watched keyword, against the rolling baseline).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ai_settings (
      workspace_id uuid not null primary key,
      watched_keywords text[] not null default '{}',
      spike_min_count int not null default 5,
      spike_factor real not null default 3,
      updated_at timestamptz not null default now()
    );

    create table ai_alerts (
      workspace_id uuid not null,
      id uuid not null,
      metric text not null,
      count int not null,
      baseline real not null,
      message_ids uuid[] not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index ai_alerts_by_metric on ai_alerts (workspace_id, metric, created_at);
    create index message_analyses_by_time on message_analyses (workspace_id, created_at);
  `.execute(db);
}
