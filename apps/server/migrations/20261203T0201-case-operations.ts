import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Merges and splits of cases (module conversations): exactly what moved, so an undo restores it.
    create table case_operations (
      workspace_id uuid not null,
      id uuid not null,
      kind text not null check (kind in ('merge', 'split')),
      -- merge: the case merged away; split: the case messages were taken from.
      case_id uuid not null,
      -- merge: the surviving case; split: the new case.
      target_case_id uuid not null,
      actor_type text not null,
      actor_id text,
      reason text,
      -- { messageIds, conversationIds, before: { status, solvedAt, tags… } }
      moved jsonb not null,
      created_at timestamptz not null default now(),
      undone_at timestamptz,
      undone_by_type text,
      undone_by_id text,
      primary key (workspace_id, id)
    );
    create index case_operations_by_case on case_operations (workspace_id, case_id, id);
    create index case_operations_by_target on case_operations (workspace_id, target_case_id, id);

    -- Links between cases, stored in both directions (kind as seen from case_id: related, duplicate,
    -- parent = other_case_id is this case's parent, child = other_case_id is its child).
    create table case_links (
      workspace_id uuid not null,
      case_id uuid not null,
      other_case_id uuid not null,
      kind text not null check (kind in ('related', 'duplicate', 'parent', 'child')),
      actor_type text not null,
      actor_id text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, case_id, other_case_id)
    );
  `.execute(db);
}
