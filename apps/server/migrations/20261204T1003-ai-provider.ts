import { type Kysely, sql } from "kysely";

// Optional external AI provider (module automation): an OpenAI-compatible endpoint per workspace, its model, and
// its API key encrypted at rest (like channel secrets). Off while the URL is null.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table ai_settings add column provider_url text;
    alter table ai_settings add column provider_model text;
    alter table ai_settings add column provider_key_encrypted text;
    alter table ai_settings add column provider_allow_private boolean not null default false;
  `.execute(db);
}
