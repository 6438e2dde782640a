import type { Executor } from "../../platform/db.ts";
import { highlight, queryTerms } from "../../platform/search-text.ts";
import {
  type ArticleFilters,
  type ArticleRow,
  articlesByIds,
  type Lang,
  searchVersions,
  type VersionRow,
  versionsOf,
} from "./repository.ts";
import { markdownToText } from "./text.ts";

/** One search result: the article, the language version that matched best, highlighted title and snippet. */
export type ArticleHit = {
  article: ArticleRow;
  version: VersionRow;
  score: number;
  /** HTML: the title, escaped, with the matched terms in `<mark>`. */
  titleHighlight: string;
  /** HTML: about 200 characters of the body around the first match, escaped, terms in `<mark>`. */
  snippet: string;
};

/**
 * Full-text search of a workspace's knowledge base in every language (Chinese by character n-grams): `all`
 * terms must match (search box) or `any` (suggestions from a customer's message, frequent words dropped).
 */
export async function searchArticles(
  db: Executor,
  ws: string,
  query: string,
  options: ArticleFilters & { mode?: "all" | "any"; offset?: number; limit: number },
): Promise<ArticleHit[]> {
  const mode = options.mode ?? "all";
  const terms = queryTerms(query, { dropStopWords: mode === "any" });
  const hits = await searchVersions(db, ws, terms, mode, options, options.offset ?? 0, options.limit);
  if (hits.length === 0) return [];
  const ids = hits.map((h) => h.article_id);
  const [articles, versions] = await Promise.all([articlesByIds(db, ws, ids), versionsOf(db, ws, ids)]);
  const out: ArticleHit[] = [];
  for (const hit of hits) {
    const article = articles.find((a) => a.id === hit.article_id);
    const version = versions.find((v) => v.article_id === hit.article_id && v.lang === hit.lang);
    if (!article || !version) continue;
    out.push({
      article,
      version,
      score: hit.rank,
      titleHighlight: highlight(version.title, terms),
      snippet: highlight(markdownToText(version.body), terms, 200),
    });
  }
  return out;
}

/** The version to show: the language asked for, else English, else the first there is. */
export function pickVersion(versions: VersionRow[], lang: Lang | undefined): VersionRow | undefined {
  return (
    (lang && versions.find((v) => v.lang === lang)) ?? versions.find((v) => v.lang === "en") ?? versions[0] ?? undefined
  );
}
