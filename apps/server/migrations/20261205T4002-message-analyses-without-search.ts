import { type Kysely, sql } from "kysely";

// AI triage (module automation) reads message words from conversations' message_search (reply suggestions,
// keyword spikes), so message_analyses no longer keeps its own copy of the words of inbound messages.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table message_analyses drop column search`.execute(db);
}
