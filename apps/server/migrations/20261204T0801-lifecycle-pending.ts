import { type Kysely, sql } from "kysely";

// Profiles (issue 3): contacts whose lifecycle must be recomputed because events arrived. Ingesting events marks
// them here (one statement per batch); a debounced job recomputes them together, off the ingest path.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table contact_lifecycle_pending (
      workspace_id uuid not null,
      contact_id uuid not null,
      since timestamptz not null default now(),
      primary key (workspace_id, contact_id)
    );
  `.execute(db);
}
