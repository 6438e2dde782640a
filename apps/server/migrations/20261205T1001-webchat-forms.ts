import { type Kysely, sql } from "kysely";

// Web chat pre-chat form (issue 6): a visitor's answers (phone, custom fields, when) wait on the visitor row until
// their first message makes them a contact; name and email use the existing columns.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webchat_visitors add column prechat jsonb`.execute(db);
}
