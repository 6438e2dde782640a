import { type Kysely, sql } from "kysely";

// Smart alerts delivered beyond the app (module automation): a per-workspace webhook (URL, HMAC secret encrypted at
// rest) and email switch on ai_settings, and one delivery record per alert and channel (status, attempts, last error).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table ai_settings add column alert_webhook_url text;
    alter table ai_settings add column alert_webhook_secret_encrypted text;
    alter table ai_settings add column alert_webhook_allow_private boolean not null default false;
    alter table ai_settings add column alert_email boolean not null default true;

    create table ai_alert_deliveries (
      workspace_id uuid not null,
      alert_id uuid not null,
      channel text not null check (channel in ('email', 'webhook')),
      status text not null check (status in ('pending', 'retrying', 'delivered', 'failed', 'skipped')),
      attempts int not null default 0,
      recipients text[] not null default '{}',
      last_error text,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, alert_id, channel)
    );
  `.execute(db);
}
