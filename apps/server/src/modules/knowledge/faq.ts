import { sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { type Lang, q } from "./repository.ts";
import { markdownToText } from "./text.ts";

/** The tag that makes a published article part of the FAQ a bot answers from. */
export const FAQ_TAG = "faq";

/** A FAQ article: its question (title) and answer (plain text of the body) per language. */
export type FaqArticle = { id: string; slug: string; versions: { lang: Lang; question: string; answer: string }[] };

const published = (db: Executor, ws: string) =>
  q(db)
    .selectFrom("knowledge_articles")
    .where("workspace_id", "=", ws)
    .where("status", "=", "published")
    .where(sql<boolean>`${FAQ_TAG} = any(tags)`);

/** The workspace's published articles tagged `faq` (at most 500), with their questions and answers. */
export async function faqArticles(db: Executor, ws: string): Promise<FaqArticle[]> {
  const articles = await published(db, ws).select(["id", "slug"]).orderBy("id").limit(500).execute();
  if (articles.length === 0) return [];
  const versions = await q(db)
    .selectFrom("knowledge_article_versions")
    .select(["article_id", "lang", "title", "body"])
    .where("workspace_id", "=", ws)
    .where(
      "article_id",
      "in",
      articles.map((a) => a.id),
    )
    .execute();
  return articles.map((a) => ({
    id: a.id,
    slug: a.slug,
    versions: versions
      .filter((v) => v.article_id === a.id)
      .map((v) => ({ lang: v.lang, question: v.title, answer: markdownToText(v.body) })),
  }));
}

/** A fingerprint of the FAQ (how many articles, latest change): a bot retrains when it changes. */
export async function faqVersion(db: Executor, ws: string): Promise<string> {
  const row = await published(db, ws)
    .select([sql<number>`count(*)::int`.as("n"), sql<string | null>`max(updated_at)::text`.as("latest")])
    .executeTakeFirst();
  return `${row?.n ?? 0}|${row?.latest ?? ""}`;
}
