import { type Kysely, sql } from "kysely";

// Moderation (module automation): why a customer message was flagged as non-engageable (spam, abuse); empty when not.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table message_analyses add column moderation_reasons text[] not null default '{}'`.execute(db);
}
