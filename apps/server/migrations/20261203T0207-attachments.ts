import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Files agents upload to a case (module conversations); the bytes live in the storage driver under storage_key.
    create table attachments (
      workspace_id uuid not null,
      id uuid not null,
      case_id uuid not null,
      storage_key text not null,
      file_name text,
      content_type text not null,
      size bigint not null,
      sha256 text not null,
      uploaded_by_type text not null,
      uploaded_by text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index attachments_by_case on attachments (workspace_id, case_id, id);
  `.execute(db);
}
