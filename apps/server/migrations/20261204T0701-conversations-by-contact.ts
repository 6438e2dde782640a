import { type Kysely, sql } from "kysely";

// Erasure (ADR 0008) finds a person's conversations by contact, several times in its transaction: without this
// index each lookup scans the workspace's conversations. A conversation is written once per customer and channel,
// so the index costs the inbound path almost nothing.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index conversations_by_contact on conversations (workspace_id, contact_id)`.execute(db);
}
