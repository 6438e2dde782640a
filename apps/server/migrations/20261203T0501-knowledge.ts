import { type Kysely, sql } from "kysely";

// Knowledge base (module knowledge): categories, articles, one version per language. The search vector of a
// version is computed in the application (words folded, Chinese as character n-grams) and stored as a
// tsvector literal, so PGlite and PostgreSQL match and rank identically.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table knowledge_categories (
      workspace_id uuid not null,
      id uuid not null,
      slug text not null,
      name text not null,
      position int not null default 0,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, slug)
    );

    create table knowledge_articles (
      workspace_id uuid not null,
      id uuid not null,
      slug text not null,
      category_id uuid,
      tags text[] not null default '{}',
      status text not null default 'draft',
      author_id uuid,
      view_count bigint not null default 0,
      helpful_yes int not null default 0,
      helpful_no int not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      published_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, slug)
    );
    create index knowledge_articles_by_category on knowledge_articles (workspace_id, category_id, id);

    create table knowledge_article_versions (
      workspace_id uuid not null,
      article_id uuid not null,
      lang text not null,
      title text not null,
      body text not null,
      search tsvector not null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, article_id, lang)
    );

    do $$
    declare
      gin_schema text;
    begin
      begin
        create extension if not exists btree_gin schema public;
      exception when others then
        null;
      end;
      select n.nspname into gin_schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'btree_gin';
      if gin_schema is not null then
        execute format(
          'create index knowledge_versions_search on knowledge_article_versions using gin (workspace_id %I.uuid_ops, search)',
          gin_schema);
      else
        create index knowledge_versions_search on knowledge_article_versions using gin (search);
      end if;
    end $$;
  `.execute(db);
}
