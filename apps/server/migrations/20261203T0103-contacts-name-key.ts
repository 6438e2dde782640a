import { type Kysely, sql } from "kysely";

// Duplicate suggestions look fuzzy candidates up by the exact name key (same distinctive name) and by company
// (same or similar name within it), newest first with a cap: both indexes end with the id so the cap reads
// only that many entries. The name-key index replaces the two-character prefix index, whose candidates were a
// tenth of a big workspace, cut off at random.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index contacts_name_key on contacts (workspace_id, name_key, id) where name_key <> '';
    drop index contacts_name_prefix;
    create index contacts_company on contacts (workspace_id, company_key, id) where company_key <> '';
    drop index contacts_company_key;
  `.execute(db);
}
