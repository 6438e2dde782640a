/**
 * The public help center: `/help/<workspace-slug>` (categories, published articles, `?q=` search) and
 * `/help/<workspace-slug>/articles/<article-slug>`, server-rendered HTML (every value escaped, article
 * Markdown sanitised), one or two queries per page, cacheable for a minute, linkable per language (`?lang=`).
 */
import type { FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { sql } from "kysely";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { BucketMap } from "../../platform/rate-limit.ts";
import { escapeHtml } from "../../platform/search-text.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import { findWorkspaceById, findWorkspaceBySlug } from "../tenancy/index.ts";
import {
  type ArticleRow,
  findArticleBySlug,
  LANGS,
  type Lang,
  listArticles,
  listCategories,
  q,
  versionsOf,
} from "./repository.ts";
import { pickVersion, searchArticles } from "./search.ts";
import { renderMarkdown } from "./text.ts";

const WS = z.string().max(100);
const HomeQuery = z.object({ q: z.string().max(200).optional(), lang: z.enum(LANGS).optional() });
const ArticleQuery = z.object({ lang: z.enum(LANGS).optional(), thanks: z.string().max(3).optional() });
const FeedbackQuery = z.object({ helpful: z.enum(["yes", "no"]) });

const UI: Record<
  Lang,
  {
    search: string;
    results: string;
    none: string;
    helpful: string;
    yes: string;
    no: string;
    thanks: string;
    home: string;
    other: string;
  }
> = {
  en: {
    search: "Search the help center",
    results: "Results for",
    none: "No article matches.",
    helpful: "Was this article helpful?",
    yes: "Yes",
    no: "No",
    thanks: "Thank you for your feedback.",
    home: "Help center",
    other: "Other articles",
  },
  fr: {
    search: "Rechercher dans l'aide",
    results: "Résultats pour",
    none: "Aucun article ne correspond.",
    helpful: "Cet article vous a-t-il aidé ?",
    yes: "Oui",
    no: "Non",
    thanks: "Merci pour votre avis.",
    home: "Centre d'aide",
    other: "Autres articles",
  },
  es: {
    search: "Buscar en la ayuda",
    results: "Resultados para",
    none: "Ningún artículo coincide.",
    helpful: "¿Te resultó útil este artículo?",
    yes: "Sí",
    no: "No",
    thanks: "Gracias por tu opinión.",
    home: "Centro de ayuda",
    other: "Otros artículos",
  },
  "zh-CN": {
    search: "搜索帮助中心",
    results: "搜索结果：",
    none: "没有匹配的文章。",
    helpful: "这篇文章对您有帮助吗？",
    yes: "有帮助",
    no: "没有帮助",
    thanks: "感谢您的反馈。",
    home: "帮助中心",
    other: "其他文章",
  },
};

/** The language to show: `?lang=`, else the best of the browser's Accept-Language, else English. */
function chooseLang(asked: Lang | undefined, acceptLanguage: string | undefined): Lang {
  if (asked) return asked;
  for (const part of (acceptLanguage ?? "").split(",")) {
    const tag = part.split(";")[0]?.trim().toLowerCase() ?? "";
    if (tag.startsWith("zh")) return "zh-CN";
    const base = tag.slice(0, 2);
    if (base === "en" || base === "fr" || base === "es") return base;
  }
  return "en";
}

/** Public searches per client and help center: 5 a second, bursts of 20. */
const searchBuckets = new BucketMap();

const workspaces = new TtlCache<string, { id: string; name: string; slug: string } | null>(30_000, 1000);

/**
 * The help center of a workspace, for the chat widget's search box: its slug when it has a published article,
 * else null (one query without articles, two with).
 */
export async function helpCenterOf(db: Executor, ws: string): Promise<{ slug: string } | null> {
  const published = await q(db)
    .selectFrom("knowledge_articles")
    .select("id")
    .where("workspace_id", "=", ws)
    .where("status", "=", "published")
    .limit(1)
    .executeTakeFirst();
  const workspace = published && (await findWorkspaceById(db, ws));
  return workspace ? { slug: workspace.slug } : null;
}

async function workspaceOf(ctx: AppContext, slug: string) {
  const hit = workspaces.get(slug);
  if (hit !== undefined) return hit;
  const row = await findWorkspaceBySlug(ctx.database.db, slug);
  const value = row ? { id: row.id, name: row.name, slug: row.slug } : null;
  workspaces.set(slug, value);
  return value;
}

const STYLE = `body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#1c64f2;color:#fff;padding:24px}header a{color:#fff;text-decoration:none}
main{max-width:760px;margin:0 auto;padding:24px}form.search{display:flex;gap:8px;margin:16px 0}
input[type=search]{flex:1;padding:10px;font-size:16px;border:1px solid #cbd2d9;border-radius:6px}
button{padding:8px 16px;border-radius:6px;border:1px solid #1c64f2;background:#fff;color:#1c64f2;cursor:pointer}
mark{background:#fff3bf}.hit{background:#fff;padding:12px 16px;border-radius:8px;margin:8px 0}
nav.langs a{margin-right:12px}article{background:#fff;padding:24px;border-radius:8px}`;

function page(lang: Lang, title: string, ws: { name: string; slug: string }, body: string): string {
  const ui = UI[lang];
  const home = `/help/${encodeURIComponent(ws.slug)}?lang=${lang}`;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<header><a href="${home}"><strong>${escapeHtml(ws.name)}</strong> · ${escapeHtml(ui.home)}</a>
<form class="search" method="get" action="/help/${encodeURIComponent(ws.slug)}"><input type="hidden" name="lang" value="${lang}">
<input type="search" name="q" aria-label="${escapeHtml(ui.search)}" placeholder="${escapeHtml(ui.search)}"><button type="submit">🔍</button></form></header>
<main>${body}</main></body></html>`;
}

function send(reply: FastifyReply, status: number, html: string, cache = true) {
  return reply
    .code(status)
    .header("cache-control", cache ? "public, max-age=60" : "no-store")
    .type("text/html; charset=utf-8")
    .send(html);
}

const notFound = (reply: FastifyReply) =>
  send(
    reply,
    404,
    `<!doctype html><html><head><meta charset="utf-8"><title>Not found</title></head><body><h1>Not found</h1></body></html>`,
    false,
  );

const articleUrl = (wsSlug: string, a: ArticleRow, lang: Lang) =>
  `/help/${encodeURIComponent(wsSlug)}/articles/${encodeURIComponent(a.slug)}?lang=${lang}`;

/** Registers the public help center (no authentication; published articles only). */
export function registerHelpCenter(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.get(
    "/help/:workspaceSlug",
    { schema: { hide: true, params: z.object({ workspaceSlug: WS }), querystring: HomeQuery } },
    async (request, reply) => {
      const ws = await workspaceOf(ctx, request.params.workspaceSlug);
      if (!ws) return notFound(reply);
      const lang = chooseLang(request.query.lang, request.headers["accept-language"]);
      const ui = UI[lang];
      const text = request.query.q?.trim();
      if (text) {
        const hits = await searchArticles(db, ws.id, text, { status: "published", limit: 20 });
        const list = hits
          .map(
            (h) =>
              `<div class="hit"><a href="${escapeHtml(articleUrl(ws.slug, h.article, h.version.lang))}">${h.titleHighlight}</a><p>${h.snippet}</p></div>`,
          )
          .join("");
        return send(
          reply,
          200,
          page(
            lang,
            `${ui.results} ${text}`,
            ws,
            `<h1>${escapeHtml(ui.results)} “${escapeHtml(text)}”</h1>${list || `<p>${escapeHtml(ui.none)}</p>`}`,
          ),
        );
      }
      const [categories, articles] = await Promise.all([
        listCategories(db, ws.id),
        listArticles(db, ws.id, { status: "published" }, undefined, 500),
      ]);
      const versions = await versionsOf(
        db,
        ws.id,
        articles.map((a) => a.id),
      );
      const titled = articles.flatMap((a) => {
        const v = pickVersion(
          versions.filter((x) => x.article_id === a.id),
          lang,
        );
        return v ? [{ a, v }] : [];
      });
      const section = (name: string, items: typeof titled) =>
        items.length
          ? `<section><h2>${escapeHtml(name)}</h2><ul>${items
              .map(
                (x) =>
                  `<li><a href="${escapeHtml(articleUrl(ws.slug, x.a, x.v.lang))}">${escapeHtml(x.v.title)}</a></li>`,
              )
              .join("")}</ul></section>`
          : "";
      const body =
        categories
          .map((c) =>
            section(
              c.name,
              titled.filter((x) => x.a.category_id === c.id),
            ),
          )
          .join("") +
        section(
          ui.other,
          titled.filter((x) => !categories.some((c) => c.id === x.a.category_id)),
        );
      return send(reply, 200, page(lang, `${ws.name} · ${ui.home}`, ws, body || `<p>${escapeHtml(ui.none)}</p>`));
    },
  );

  app.get(
    "/help/:workspaceSlug/search",
    {
      schema: {
        tags: ["knowledge"],
        summary: "Public search of a help center (JSON, for the chat widget)",
        params: z.object({ workspaceSlug: WS }),
        querystring: z.object({
          q: z.string().trim().min(1).max(200),
          lang: z.enum(LANGS).optional(),
          limit: z.coerce.number().int().min(1).max(20).default(5),
        }),
      },
    },
    async (request, reply) => {
      if (searchBuckets.bucket(`${request.ip}|${request.params.workspaceSlug}`, 5, 20).take() > 0)
        throw new AppError("rate_limited", "search_rate_limited", "Too many searches; wait a second and try again.");
      const ws = await workspaceOf(ctx, request.params.workspaceSlug);
      if (!ws) throw new AppError("not_found", "help_center_not_found", "No help center at this address.");
      const { q: text, lang, limit } = request.query;
      const hits = await searchArticles(db, ws.id, text, { status: "published", lang, limit });
      void reply.header("access-control-allow-origin", "*").header("cache-control", "public, max-age=60");
      return {
        data: hits.map((h) => ({
          slug: h.article.slug,
          lang: h.version.lang,
          title: h.version.title,
          titleHighlight: h.titleHighlight,
          snippet: h.snippet,
          url: articleUrl(ws.slug, h.article, h.version.lang),
        })),
      };
    },
  );

  const ArticleParams = z.object({ workspaceSlug: WS, articleSlug: z.string().max(100) });

  async function publishedArticle(params: z.infer<typeof ArticleParams>) {
    const ws = await workspaceOf(ctx, params.workspaceSlug);
    if (!ws) return undefined;
    const article = await findArticleBySlug(db, ws.id, params.articleSlug);
    if (article?.status !== "published") return undefined;
    return { ws, article };
  }

  app.get(
    "/help/:workspaceSlug/articles/:articleSlug",
    { schema: { hide: true, params: ArticleParams, querystring: ArticleQuery } },
    async (request, reply) => {
      const found = await publishedArticle(request.params);
      if (!found) return notFound(reply);
      const { ws, article } = found;
      const lang = chooseLang(request.query.lang, request.headers["accept-language"]);
      const versions = await versionsOf(db, ws.id, [article.id]);
      const v = pickVersion(versions, lang);
      if (!v) return notFound(reply);
      await q(db)
        .updateTable("knowledge_articles")
        .set({ view_count: sql`view_count + 1` })
        .where("workspace_id", "=", ws.id)
        .where("id", "=", article.id)
        .execute();
      const ui = UI[v.lang];
      const langs = versions
        .map((x) =>
          x.lang === v.lang
            ? `<strong>${x.lang}</strong>`
            : `<a href="${escapeHtml(articleUrl(ws.slug, article, x.lang))}" hreflang="${x.lang}">${x.lang}</a>`,
        )
        .join("");
      const feedback = `/help/${encodeURIComponent(ws.slug)}/articles/${encodeURIComponent(article.slug)}/feedback?lang=${v.lang}`;
      const vote =
        request.query.thanks !== undefined
          ? `<p>${escapeHtml(ui.thanks)}</p>`
          : `<form method="post" action="${escapeHtml(feedback)}">${escapeHtml(ui.helpful)}
<button formaction="${escapeHtml(`${feedback}&helpful=yes`)}">${escapeHtml(ui.yes)}</button>
<button formaction="${escapeHtml(`${feedback}&helpful=no`)}">${escapeHtml(ui.no)}</button></form>`;
      const body = `<nav class="langs">${langs}</nav><article lang="${v.lang}"><h1>${escapeHtml(v.title)}</h1>${renderMarkdown(v.body)}</article>${vote}`;
      // The view count moves on every load, so the page itself is not cached by shared caches.
      return send(reply, 200, page(v.lang, v.title, ws, body), false);
    },
  );

  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // Browsers post the vote as an (empty) form; its answer is in the query string.
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, _body, done) =>
      done(null, {}),
    );
    scope.post(
      "/help/:workspaceSlug/articles/:articleSlug/feedback",
      {
        schema: {
          hide: true,
          params: ArticleParams,
          querystring: FeedbackQuery.extend({ lang: z.enum(LANGS).optional() }),
        },
      },
      async (request, reply) => {
        const found = await publishedArticle(request.params);
        if (!found) return notFound(reply);
        const column = request.query.helpful === "yes" ? "helpful_yes" : "helpful_no";
        await q(db)
          .updateTable("knowledge_articles")
          .set({ [column]: sql`${sql.ref(column)} + 1` })
          .where("workspace_id", "=", found.ws.id)
          .where("id", "=", found.article.id)
          .execute();
        const back = articleUrl(found.ws.slug, found.article, request.query.lang ?? "en");
        return reply.code(303).header("location", `${back}&thanks=1`).send();
      },
    );
  });
}
