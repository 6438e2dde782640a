import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table workspaces (
      id uuid primary key,
      slug text not null unique,
      name text not null,
      default_locale text not null default 'en',
      timezone text not null default 'UTC',
      created_at timestamptz not null default now()
    );

    -- Users are people; they belong to workspaces through memberships (global table, a reference table under Citus).
    create table users (
      id uuid primary key,
      email text not null,
      name text not null,
      password_hash text,
      password_changed_at timestamptz not null default now(),
      failed_logins int not null default 0,
      locked_until timestamptz,
      created_at timestamptz not null default now()
    );
    create unique index users_email on users (lower(email));

    create table memberships (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      role text not null check (role in ('owner','admin','supervisor','agent','analyst')),
      created_at timestamptz not null default now(),
      primary key (workspace_id, user_id)
    );
    create index memberships_user on memberships (user_id);

    create table teams (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      id uuid not null,
      name text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index teams_name on teams (workspace_id, lower(name));

    create table team_members (
      workspace_id uuid not null,
      team_id uuid not null,
      user_id uuid not null,
      primary key (workspace_id, team_id, user_id),
      foreign key (workspace_id, team_id) references teams(workspace_id, id) on delete cascade,
      foreign key (workspace_id, user_id) references memberships(workspace_id, user_id) on delete cascade
    );

    create table sessions (
      token_hash text primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      last_seen_at timestamptz not null default now(),
      ip text,
      user_agent text,
      revoked_at timestamptz
    );
    create index sessions_user on sessions (user_id);

    create table api_tokens (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      id uuid not null,
      name text not null,
      role text not null check (role in ('owner','admin','supervisor','agent','analyst')),
      token_hash text not null unique,
      token_prefix text not null,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      primary key (workspace_id, id)
    );

    create table audit_log (
      workspace_id uuid not null,
      id uuid not null,
      actor_type text not null,
      actor_id text,
      action text not null,
      object_type text,
      object_id text,
      ip text,
      details jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );

    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$;
    create trigger audit_log_no_update before update or delete on audit_log
      for each row execute function audit_log_append_only();
  `.execute(db);
}
