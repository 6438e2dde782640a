import { type Kysely, sql } from "kysely";

// A trigram index for contact search (LIKE '%…%' over contacts.search_text) where pg_trgm can be loaded:
// real PostgreSQL. PGlite does not load it, so there the migration does nothing and search stays a scan of
// the workspace's rows (still correct). With btree_gin too, workspace_id leads the index like every other.
// The extensions go to `public`, not to the migrating schema: an extension in one schema would be dropped with
// that schema (and with it every other schema's index that uses it).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    declare
      trgm_schema text;
      gin_schema text;
    begin
      begin
        create extension if not exists pg_trgm schema public;
      exception when others then
        raise notice 'pg_trgm is not available: contact search stays without a trigram index';
      end;
      begin
        create extension if not exists btree_gin schema public;
      exception when others then
        null;
      end;
      select n.nspname into trgm_schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'pg_trgm';
      select n.nspname into gin_schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'btree_gin';
      if trgm_schema is null then
        return;
      end if;
      if gin_schema is not null then
        execute format(
          'create index contacts_search_trgm on contacts using gin (workspace_id %I.uuid_ops, search_text %I.gin_trgm_ops)',
          gin_schema, trgm_schema);
      else
        execute format('create index contacts_search_trgm on contacts using gin (search_text %I.gin_trgm_ops)', trgm_schema);
      end if;
    end $$;
  `.execute(db);
}
