import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Quick replies (canned responses) of a workspace, a team or one member (module conversations).
    create table quick_replies (
      workspace_id uuid not null,
      id uuid not null,
      scope text not null check (scope in ('workspace', 'team', 'personal')),
      team_id uuid,
      owner_id text,
      shortcut text not null,
      title text not null,
      body text not null,
      content jsonb,
      created_by text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check ((scope = 'team') = (team_id is not null)),
      check ((scope = 'personal') = (owner_id is not null))
    );
    -- One shortcut per scope (the workspace, a team, a member).
    create unique index quick_replies_shortcut on quick_replies
      (workspace_id, scope, coalesce(team_id::text, owner_id, ''), shortcut);
    create index quick_replies_by_shortcut on quick_replies (workspace_id, shortcut, id);
  `.execute(db);
}
