import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Audit checklists an agent ticks before solving (module conversations): for cases with a tag, or all cases.
    create table case_checklists (
      workspace_id uuid not null,
      id uuid not null,
      name text not null,
      tag text,
      -- [{ id, label, required }]
      items jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );

    create table case_checklist_ticks (
      workspace_id uuid not null,
      case_id uuid not null,
      checklist_id uuid not null,
      item_id uuid not null,
      ticked_by text,
      ticked_at timestamptz not null default now(),
      primary key (workspace_id, case_id, checklist_id, item_id)
    );
  `.execute(db);
}
