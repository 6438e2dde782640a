import { type Kysely, sql } from "kysely";

// Module profiles (issue 3): contacts, identities, consent ledger, link/merge decisions, timeline events,
// attribute definitions, duplicate dismissals and erasure records. Every table: workspace_id first in every key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Append-only tables refuse UPDATE and DELETE, except inside an erasure transaction
    -- (set_config('rapport.erasure', 'on', true)), the one lawful reason to rewrite history.
    create function profiles_append_only() returns trigger language plpgsql as $$
    begin
      if coalesce(current_setting('rapport.erasure', true), '') = 'on' then
        if tg_op = 'DELETE' then return old; end if;
        return new;
      end if;
      raise exception '% is append-only', tg_table_name;
    end $$;

    create table profile_settings (
      workspace_id uuid primary key references workspaces(id) on delete cascade,
      default_region text,
      updated_at timestamptz not null default now()
    );

    create table contact_attribute_definitions (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      key text not null,
      label text not null,
      type text not null check (type in ('text','number','date','boolean','select','multiselect')),
      options jsonb not null default '[]'::jsonb,
      created_at timestamptz not null default now(),
      primary key (workspace_id, key)
    );

    create table contacts (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      id uuid not null,
      given_name text,
      family_name text,
      display_name text,
      emails jsonb not null default '[]'::jsonb,
      phones jsonb not null default '[]'::jsonb,
      language text,
      timezone text,
      gender text,
      birthday text check (birthday ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      avatar_url text,
      company text,
      tags text[] not null default '{}',
      lifecycle_stage text,
      owner_user_id uuid,
      source text,
      attributes jsonb not null default '{}'::jsonb,
      quality_flags jsonb not null default '[]'::jsonb,
      name_key text not null default '',
      company_key text not null default '',
      search_text text not null default '',
      merged_into uuid,
      erased_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (workspace_id, id)
    );
    create index contacts_merged_into on contacts (workspace_id, merged_into) where merged_into is not null;
    create index contacts_stage on contacts (workspace_id, lifecycle_stage, id);
    create index contacts_company_key on contacts (workspace_id, company_key) where company_key <> '';
    create index contacts_name_prefix on contacts (workspace_id, left(name_key, 2)) where name_key <> '';

    -- Normalised emails and phones of live contacts (fields and email/phone-like identities): certain duplicates.
    create table contact_keys (
      workspace_id uuid not null,
      kind text not null check (kind in ('email','phone')),
      key text not null,
      contact_id uuid not null,
      primary key (workspace_id, kind, key, contact_id),
      foreign key (workspace_id, contact_id) references contacts(workspace_id, id) on delete cascade
    );
    create index contact_keys_contact on contact_keys (workspace_id, contact_id);

    create table contact_identities (
      workspace_id uuid not null,
      id uuid not null,
      contact_id uuid not null,
      kind text not null,
      namespace text not null default '',
      external_id text not null,
      verified boolean not null default false,
      first_seen_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, contact_id) references contacts(workspace_id, id) on delete cascade
    );
    create unique index contact_identities_key on contact_identities (workspace_id, kind, namespace, external_id);
    create index contact_identities_contact on contact_identities (workspace_id, contact_id);
    create index contact_identities_external on contact_identities (workspace_id, external_id);

    create table consent_records (
      workspace_id uuid not null,
      id uuid not null,
      contact_id uuid not null,
      purpose text not null check (purpose in ('service','marketing','profiling','identity_linking')),
      channel text,
      status text not null check (status in ('granted','withdrawn')),
      source text not null,
      evidence jsonb not null default '{}'::jsonb,
      recorded_at timestamptz not null,
      actor_type text not null,
      actor_id text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, contact_id) references contacts(workspace_id, id) on delete cascade
    );
    create index consent_records_contact on consent_records (workspace_id, contact_id, purpose, recorded_at desc);
    create trigger consent_records_append_only before update or delete on consent_records
      for each row execute function profiles_append_only();

    -- Ready for range partitioning by occurred_at (the primary key would then include it).
    create table timeline_events (
      workspace_id uuid not null,
      id uuid not null,
      contact_id uuid not null,
      type text not null,
      occurred_at timestamptz not null,
      source text,
      channel text,
      client_event_id text,
      properties jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index timeline_events_client_id on timeline_events (workspace_id, client_event_id);
    create index timeline_events_contact on timeline_events (workspace_id, contact_id, occurred_at desc, id desc);
    create trigger timeline_events_append_only before update or delete on timeline_events
      for each row execute function profiles_append_only();

    -- Every link/merge and its undoing: append-only; a merge is undone by an unmerge row pointing at it.
    create table contact_link_decisions (
      workspace_id uuid not null,
      id uuid not null,
      kind text not null check (kind in ('merge','unmerge')),
      target_contact_id uuid not null,
      source_contact_id uuid not null,
      basis text not null check (basis in ('consent','agent_decision','wechat_unionid','undo')),
      undoes_id uuid,
      actor_type text not null,
      actor_id text,
      reason text,
      evidence jsonb,
      snapshot jsonb,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create unique index contact_link_decisions_undo on contact_link_decisions (workspace_id, undoes_id);
    create index contact_link_decisions_target on contact_link_decisions (workspace_id, target_contact_id);
    create index contact_link_decisions_source on contact_link_decisions (workspace_id, source_contact_id);
    create trigger contact_link_decisions_append_only before update or delete on contact_link_decisions
      for each row execute function profiles_append_only();

    create table duplicate_dismissals (
      workspace_id uuid not null,
      contact_a uuid not null,
      contact_b uuid not null,
      actor_id text,
      reason text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, contact_a, contact_b),
      check (contact_a < contact_b)
    );

    -- What an erasure leaves: no personal data, only that it happened, when, by whom and how much.
    create table contact_erasures (
      workspace_id uuid not null,
      id uuid not null,
      contact_ids uuid[] not null,
      actor_type text not null,
      actor_id text,
      counts jsonb not null,
      erased_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
  `.execute(db);
}
