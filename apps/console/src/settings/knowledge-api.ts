// The knowledge-base API used by its settings screen (loaded with that screen only).
import { type Page, requestJson, withQuery } from "../api.ts";

/** The languages an article can be written in (the server's LANGS). */
export const articleLangs = ["en", "fr", "es", "zh-CN"] as const;
export type ArticleLang = (typeof articleLangs)[number];
export const articleStatuses = ["draft", "published"] as const;
export type ArticleStatus = (typeof articleStatuses)[number];

export type Category = { id: string; slug: string; name: string; position: number };
export type ArticleVersion = { lang: ArticleLang; title: string; body: string; html: string; updatedAt: string };
export type Article = {
  id: string;
  slug: string;
  categoryId: string | null;
  tags: string[];
  status: ArticleStatus;
  authorId: string | null;
  viewCount: number;
  helpful: { yes: number; no: number };
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  versions: ArticleVersion[];
};
/** A ranked search hit (the list with `query`): titleHighlight and snippet are HTML with `<mark>`. */
export type ArticleHit = {
  id: string;
  slug: string;
  status: ArticleStatus;
  categoryId: string | null;
  tags: string[];
  lang: ArticleLang;
  title: string;
  titleHighlight: string;
  snippet: string;
  score: number;
};
export type ArticleFilters = {
  query?: string;
  status?: ArticleStatus;
  category?: string;
  lang?: ArticleLang;
  cursor?: string;
};
export type ArticleInput = {
  slug?: string;
  categoryId: string | null;
  tags: string[];
  status: ArticleStatus;
  /** A language set to null removes that version (PATCH only). */
  versions: Partial<Record<ArticleLang, { title: string; body: string } | null>>;
};

export const knowledgeKeys = {
  all: ["knowledge"] as const,
  categories: ["knowledge", "categories"] as const,
  articles: (filters: ArticleFilters) => ["knowledge", "articles", filters] as const,
  article: (id: string) => ["knowledge", "article", id] as const,
  preview: (body: string) => ["knowledge", "preview", body] as const,
};

const id = encodeURIComponent;
const PAGE_SIZE = 20;

export const fetchCategories = () => requestJson<Page<Category>>("GET", "/api/v1/knowledge/categories");
export const createCategory = (name: string) => requestJson<Category>("POST", "/api/v1/knowledge/categories", { name });
export const deleteCategory = (categoryId: string) =>
  requestJson<void>("DELETE", `/api/v1/knowledge/categories/${id(categoryId)}`);

/** A page of articles: newest first, or ranked hits when the filters have a query. */
export const fetchArticles = (filters: ArticleFilters) =>
  requestJson<Page<Article | ArticleHit>>(
    "GET",
    withQuery("/api/v1/knowledge/articles", { ...filters, query: filters.query?.trim(), limit: PAGE_SIZE }),
  );
export const fetchArticle = (articleId: string) =>
  requestJson<Article>("GET", `/api/v1/knowledge/articles/${id(articleId)}`);
export const createArticle = (input: ArticleInput) => requestJson<Article>("POST", "/api/v1/knowledge/articles", input);
export const updateArticle = (articleId: string, input: ArticleInput) =>
  requestJson<Article>("PATCH", `/api/v1/knowledge/articles/${id(articleId)}`, input);
export const deleteArticle = (articleId: string) =>
  requestJson<void>("DELETE", `/api/v1/knowledge/articles/${id(articleId)}`);
/** Markdown rendered and sanitised by the server, as the help center shows it. */
export const previewMarkdown = (body: string) =>
  requestJson<{ html: string }>("POST", "/api/v1/knowledge/preview", { body });

/** Whether a list entry is a ranked search hit rather than a full article. */
export const isHit = (entry: Article | ArticleHit): entry is ArticleHit => "score" in entry;
