import { type Generated, type Selectable, sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { type QueryTerm, tsqueryLiteral, tsvectorLiteral } from "../../platform/search-text.ts";
import { markdownToText } from "./text.ts";

/** The languages an article can be written in. */
export const LANGS = ["en", "fr", "es", "zh-CN"] as const;
export type Lang = (typeof LANGS)[number];
export type ArticleStatus = "draft" | "published";

/** The tables this module owns. */
export type KnowledgeTables = {
  knowledge_categories: {
    workspace_id: string;
    id: string;
    slug: string;
    name: string;
    position: number;
    created_at: Generated<Date>;
  };
  knowledge_articles: {
    workspace_id: string;
    id: string;
    slug: string;
    category_id: string | null;
    tags: string[];
    status: ArticleStatus;
    author_id: string | null;
    view_count: Generated<string>;
    helpful_yes: Generated<number>;
    helpful_no: Generated<number>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
    published_at: Date | null;
  };
  knowledge_article_versions: {
    workspace_id: string;
    article_id: string;
    lang: Lang;
    title: string;
    body: string;
    search: string;
    updated_at: Generated<Date>;
  };
};

export type CategoryRow = Selectable<KnowledgeTables["knowledge_categories"]>;
export type ArticleRow = Selectable<KnowledgeTables["knowledge_articles"]>;
export type VersionRow = Omit<Selectable<KnowledgeTables["knowledge_article_versions"]>, "search">;

export const q = (db: Executor) => db.withTables<KnowledgeTables>();

const VERSION_COLUMNS = ["article_id", "lang", "title", "body", "updated_at", "workspace_id"] as const;

export function findArticle(db: Executor, ws: string, id: string) {
  return q(db)
    .selectFrom("knowledge_articles")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findArticleBySlug(db: Executor, ws: string, slug: string) {
  return q(db)
    .selectFrom("knowledge_articles")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("slug", "=", slug)
    .executeTakeFirst();
}

export function findCategory(db: Executor, ws: string, id: string) {
  return q(db)
    .selectFrom("knowledge_categories")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function listCategories(db: Executor, ws: string) {
  return q(db)
    .selectFrom("knowledge_categories")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("position")
    .orderBy("name")
    .execute();
}

/** The versions of these articles, every language. */
export async function versionsOf(db: Executor, ws: string, articleIds: string[]): Promise<VersionRow[]> {
  if (articleIds.length === 0) return [];
  return q(db)
    .selectFrom("knowledge_article_versions")
    .select(VERSION_COLUMNS)
    .where("workspace_id", "=", ws)
    .where("article_id", "in", articleIds)
    .orderBy("lang")
    .execute();
}

/** Writes (or replaces) one language version with its search vector: title (A), tags (B), body (C). */
export async function putVersion(
  db: Executor,
  ws: string,
  articleId: string,
  lang: Lang,
  v: { title: string; body: string },
  tags: string[],
) {
  const search = tsvectorLiteral([
    { text: v.title, weight: "A" },
    { text: tags.join(" "), weight: "B" },
    { text: markdownToText(v.body), weight: "C" },
  ]);
  await q(db)
    .insertInto("knowledge_article_versions")
    .values({
      workspace_id: ws,
      article_id: articleId,
      lang,
      title: v.title,
      body: v.body,
      search: sql`${search}::tsvector`,
    })
    .onConflict((oc) =>
      oc.columns(["workspace_id", "article_id", "lang"]).doUpdateSet({
        title: v.title,
        body: v.body,
        search: sql`${search}::tsvector`,
        updated_at: new Date(),
      }),
    )
    .execute();
}

export type ArticleFilters = {
  lang?: Lang | undefined;
  categoryId?: string | undefined;
  tag?: string | undefined;
  status?: ArticleStatus | undefined;
};

/** One page (limit+1 rows) of articles, newest first, after the article id `after`. */
export function listArticles(db: Executor, ws: string, f: ArticleFilters, after: string | undefined, limit: number) {
  let query = q(db).selectFrom("knowledge_articles as a").selectAll("a").where("a.workspace_id", "=", ws);
  if (f.categoryId) query = query.where("a.category_id", "=", f.categoryId);
  if (f.status) query = query.where("a.status", "=", f.status);
  if (f.tag) query = query.where(sql<boolean>`${f.tag.toLowerCase()} = any(a.tags)`);
  if (f.lang) {
    const lang = f.lang;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("knowledge_article_versions as v")
          .select("v.lang")
          .whereRef("v.workspace_id", "=", "a.workspace_id")
          .whereRef("v.article_id", "=", "a.id")
          .where("v.lang", "=", lang),
      ),
    );
  }
  if (after) query = query.where("a.id", "<", after);
  return query
    .orderBy("a.id", "desc")
    .limit(limit + 1)
    .execute();
}

export type SearchHit = { article_id: string; lang: Lang; rank: number };

/**
 * Versions matching the query terms (all of them, or any with `mode: "any"`), best first: one per article
 * (its best-ranked language), `ts_rank` over the weighted vector; `offset`/`limit` page through them.
 */
export async function searchVersions(
  db: Executor,
  ws: string,
  terms: QueryTerm[],
  mode: "all" | "any",
  f: ArticleFilters,
  offset: number,
  limit: number,
): Promise<SearchHit[]> {
  const literal = tsqueryLiteral(terms, mode);
  if (!literal) return [];
  const lang = f.lang ? sql`and v.lang = ${f.lang}` : sql``;
  const category = f.categoryId ? sql`and a.category_id = ${f.categoryId}::uuid` : sql``;
  const status = f.status ? sql`and a.status = ${f.status}` : sql``;
  const tag = f.tag ? sql`and ${f.tag.toLowerCase()} = any(a.tags)` : sql``;
  const { rows } = await sql<SearchHit>`
    select article_id, lang, rank from (
      select distinct on (v.article_id) v.article_id, v.lang, ts_rank(v.search, query) as rank
      from knowledge_article_versions v
      join knowledge_articles a on a.workspace_id = v.workspace_id and a.id = v.article_id,
        cast(${literal} as tsquery) query
      where v.workspace_id = ${ws}::uuid and v.search @@ query ${lang} ${category} ${status} ${tag}
      order by v.article_id, rank desc, v.lang
    ) best
    order by rank desc, article_id
    offset ${offset} limit ${limit}
  `.execute(db);
  return rows.map((r) => ({ ...r, rank: Number(r.rank) }));
}

/** The articles with these ids (any order). */
export async function articlesByIds(db: Executor, ws: string, ids: string[]): Promise<ArticleRow[]> {
  if (ids.length === 0) return [];
  return q(db)
    .selectFrom("knowledge_articles")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "in", ids)
    .execute();
}
