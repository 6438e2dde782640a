import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { decodeCursor, decodeKeysetCursor, encodeCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { actorOf, guard, recordAudit } from "../tenancy/index.ts";
import {
  type ArticleRow,
  type CategoryRow,
  findArticle,
  findArticleBySlug,
  findCategory,
  LANGS,
  listArticles,
  listCategories,
  putVersion,
  q,
  type VersionRow,
  versionsOf,
} from "./repository.ts";
import { searchArticles } from "./search.ts";
import { renderMarkdown, slugify } from "./text.ts";

const tags = { tags: ["knowledge"] };
const IdParams = z.strictObject({ id: z.uuid() });
const Lang = z.enum(LANGS);
const Slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, "lower-case letters, digits and dashes, up to 80");
const VersionBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  body: z.string().max(100_000),
});
const Tags = z.array(z.string().trim().toLowerCase().min(1).max(50)).max(30);
const ArticleBody = z.strictObject({
  slug: Slug.optional(),
  categoryId: z.uuid().nullable().optional(),
  tags: Tags.optional(),
  status: z.enum(["draft", "published"]).default("draft"),
  versions: z.partialRecord(Lang, VersionBody),
});
const ArticlePatch = z.strictObject({
  slug: Slug.optional(),
  categoryId: z.uuid().nullable().optional(),
  tags: Tags.optional(),
  status: z.enum(["draft", "published"]).optional(),
  /** A language set to null removes that version. */
  versions: z.partialRecord(Lang, VersionBody.nullable()).optional(),
});
const CategoryBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  slug: Slug.optional(),
  position: z.number().int().min(0).max(10_000).default(0),
});
const ListQuery = PageQuerySchema.extend({
  query: z.string().max(500).optional(),
  lang: Lang.optional(),
  category: z.uuid().optional(),
  tag: z.string().max(50).optional(),
  status: z.enum(["draft", "published"]).optional(),
});

const articleNotFound = () => new AppError("not_found", "article_not_found", "No such article in your workspace.");

/** An article with its versions (Markdown and rendered, sanitised HTML). */
export function presentArticle(a: ArticleRow, versions: VersionRow[]) {
  return {
    id: a.id,
    slug: a.slug,
    categoryId: a.category_id,
    tags: a.tags,
    status: a.status,
    authorId: a.author_id,
    viewCount: Number(a.view_count),
    helpful: { yes: a.helpful_yes, no: a.helpful_no },
    createdAt: a.created_at.toISOString(),
    updatedAt: a.updated_at.toISOString(),
    publishedAt: a.published_at?.toISOString() ?? null,
    versions: versions
      .filter((v) => v.article_id === a.id)
      .map((v) => ({
        lang: v.lang,
        title: v.title,
        body: v.body,
        html: renderMarkdown(v.body),
        updatedAt: v.updated_at.toISOString(),
      })),
  };
}

const presentCategory = (c: CategoryRow) => ({ id: c.id, slug: c.slug, name: c.name, position: c.position });

async function assertCategory(db: Executor, ws: string, id: string | null | undefined) {
  if (id && !(await findCategory(db, ws, id)))
    throw new AppError("invalid", "category_not_found", "categoryId: no such category in your workspace.", {
      field: "categoryId",
    });
}

async function assertSlugFree(db: Executor, ws: string, slug: string, except?: string) {
  const other = await findArticleBySlug(db, ws, slug);
  if (other && other.id !== except)
    throw new AppError("conflict", "slug_taken", `slug: another article already uses "${slug}"; choose another.`, {
      field: "slug",
    });
}

/** Registers the knowledge-base API: categories, articles with language versions, search. */
export function registerKnowledgeRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.get(
    "/api/v1/knowledge/categories",
    { schema: tags, onRequest: guard(ctx, "knowledge.read") },
    async (request) => ({
      data: (await listCategories(db, actorOf(request).workspaceId)).map(presentCategory),
      nextCursor: null,
    }),
  );

  app.post(
    "/api/v1/knowledge/categories",
    { schema: { ...tags, body: CategoryBody }, onRequest: guard(ctx, "knowledge.manage") },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const b = request.body;
      const slug = b.slug ?? (slugify(b.name) || uuidv7().slice(-12));
      const row = await q(db)
        .insertInto("knowledge_categories")
        .values({ workspace_id: ws, id: uuidv7(), slug, name: b.name, position: b.position })
        .onConflict((oc) => oc.columns(["workspace_id", "slug"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row)
        throw new AppError("conflict", "slug_taken", `slug: another category already uses "${slug}".`, {
          field: "slug",
        });
      return reply.code(201).send(presentCategory(row));
    },
  );

  app.put(
    "/api/v1/knowledge/categories/:id",
    { schema: { ...tags, params: IdParams, body: CategoryBody }, onRequest: guard(ctx, "knowledge.manage") },
    async (request) => {
      const b = request.body;
      const row = await q(db)
        .updateTable("knowledge_categories")
        .set({ name: b.name, position: b.position, ...(b.slug ? { slug: b.slug } : {}) })
        .where("workspace_id", "=", actorOf(request).workspaceId)
        .where("id", "=", request.params.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError("not_found", "category_not_found", "No such category in your workspace.");
      return presentCategory(row);
    },
  );

  app.delete(
    "/api/v1/knowledge/categories/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "knowledge.manage") },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const deleted = await db.transaction().execute(async (tx) => {
        await q(tx)
          .updateTable("knowledge_articles")
          .set({ category_id: null })
          .where("workspace_id", "=", ws)
          .where("category_id", "=", request.params.id)
          .execute();
        return q(tx)
          .deleteFrom("knowledge_categories")
          .where("workspace_id", "=", ws)
          .where("id", "=", request.params.id)
          .executeTakeFirst();
      });
      if (Number(deleted.numDeletedRows) === 0)
        throw new AppError("not_found", "category_not_found", "No such category in your workspace.");
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/v1/knowledge/articles",
    { schema: { ...tags, querystring: ListQuery }, onRequest: guard(ctx, "knowledge.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const { query, lang, category, tag, status, limit, cursor } = request.query;
      const filters = { lang, categoryId: category, tag, status };
      if (query?.trim()) {
        // Ranked results page by position: the cursor is the offset of the next page.
        const offset = decodeKeysetCursor(cursor, (k) => (/^\d{1,6}$/.test(k) ? Number(k) : undefined)) ?? 0;
        const hits = await searchArticles(db, ws, query, { ...filters, offset, limit: limit + 1 });
        const page = hits.slice(0, limit);
        return {
          data: page.map((h) => ({
            id: h.article.id,
            slug: h.article.slug,
            status: h.article.status,
            categoryId: h.article.category_id,
            tags: h.article.tags,
            lang: h.version.lang,
            title: h.version.title,
            titleHighlight: h.titleHighlight,
            snippet: h.snippet,
            score: h.score,
          })),
          nextCursor: hits.length > limit ? encodeCursor(String(offset + limit)) : null,
        };
      }
      const rows = await listArticles(db, ws, filters, decodeCursor(cursor), limit);
      const versions = await versionsOf(
        db,
        ws,
        rows.map((r) => r.id),
      );
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => presentArticle(r, versions),
      );
    },
  );

  // The editor's preview: the same renderer and sanitiser as the help center, nothing stored.
  app.post(
    "/api/v1/knowledge/preview",
    {
      schema: { ...tags, body: z.strictObject({ body: z.string().max(100_000) }) },
      onRequest: guard(ctx, "knowledge.manage"),
    },
    async (request) => ({ html: renderMarkdown(request.body.body) }),
  );

  app.get(
    "/api/v1/knowledge/articles/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "knowledge.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const article = await findArticle(db, ws, request.params.id);
      if (!article) throw articleNotFound();
      return presentArticle(article, await versionsOf(db, ws, [article.id]));
    },
  );

  app.post(
    "/api/v1/knowledge/articles",
    { schema: { ...tags, body: ArticleBody }, onRequest: guard(ctx, "knowledge.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      const ws = actor.workspaceId;
      const b = request.body;
      const langs = Object.keys(b.versions) as (typeof LANGS)[number][];
      const first = b.versions.en ?? b.versions[langs[0] ?? "en"];
      if (!first)
        throw new AppError("invalid", "versions_missing", "versions: give at least one language (en, fr, es, zh-CN).", {
          field: "versions",
        });
      const id = uuidv7();
      const slug = b.slug ?? (slugify(first.title) || id.slice(-12));
      const result = await db.transaction().execute(async (tx) => {
        await assertCategory(tx, ws, b.categoryId);
        await assertSlugFree(tx, ws, slug);
        const article = await q(tx)
          .insertInto("knowledge_articles")
          .values({
            workspace_id: ws,
            id,
            slug,
            category_id: b.categoryId ?? null,
            tags: b.tags ?? [],
            status: b.status,
            author_id: actor.type === "user" ? actor.id : null,
            published_at: b.status === "published" ? new Date() : null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        for (const lang of langs) {
          const v = b.versions[lang];
          if (v) await putVersion(tx, ws, id, lang, v, article.tags);
        }
        await recordAudit(tx, actor, { action: "knowledge.article.created", objectType: "article", objectId: id });
        return presentArticle(article, await versionsOf(tx, ws, [id]));
      });
      return reply.code(201).send(result);
    },
  );

  app.patch(
    "/api/v1/knowledge/articles/:id",
    { schema: { ...tags, params: IdParams, body: ArticlePatch }, onRequest: guard(ctx, "knowledge.manage") },
    async (request) => {
      const actor = actorOf(request);
      const ws = actor.workspaceId;
      const b = request.body;
      return db.transaction().execute(async (tx) => {
        const before = await findArticle(tx, ws, request.params.id);
        if (!before) throw articleNotFound();
        if (b.categoryId !== undefined) await assertCategory(tx, ws, b.categoryId);
        if (b.slug) await assertSlugFree(tx, ws, b.slug, before.id);
        const article = await q(tx)
          .updateTable("knowledge_articles")
          .set({
            ...(b.slug ? { slug: b.slug } : {}),
            ...(b.categoryId !== undefined ? { category_id: b.categoryId } : {}),
            ...(b.tags ? { tags: b.tags } : {}),
            ...(b.status ? { status: b.status } : {}),
            ...(b.status === "published" && before.status !== "published" ? { published_at: new Date() } : {}),
            updated_at: new Date(),
          })
          .where("workspace_id", "=", ws)
          .where("id", "=", before.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const existing = await versionsOf(tx, ws, [before.id]);
        for (const lang of LANGS) {
          const v = b.versions?.[lang];
          if (v === null) {
            await q(tx)
              .deleteFrom("knowledge_article_versions")
              .where("workspace_id", "=", ws)
              .where("article_id", "=", before.id)
              .where("lang", "=", lang)
              .execute();
          } else if (v) {
            await putVersion(tx, ws, before.id, lang, v, article.tags);
          } else if (b.tags) {
            // New tags change every version's search vector.
            const old = existing.find((x) => x.lang === lang);
            if (old) await putVersion(tx, ws, before.id, lang, old, article.tags);
          }
        }
        const versions = await versionsOf(tx, ws, [before.id]);
        if (versions.length === 0)
          throw new AppError("invalid", "versions_missing", "versions: an article keeps at least one language.", {
            field: "versions",
          });
        await recordAudit(tx, actor, {
          action: "knowledge.article.updated",
          objectType: "article",
          objectId: before.id,
        });
        return presentArticle(article, versions);
      });
    },
  );

  app.delete(
    "/api/v1/knowledge/articles/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "knowledge.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      const ws = actor.workspaceId;
      await db.transaction().execute(async (tx) => {
        const deleted = await q(tx)
          .deleteFrom("knowledge_articles")
          .where("workspace_id", "=", ws)
          .where("id", "=", request.params.id)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw articleNotFound();
        await q(tx)
          .deleteFrom("knowledge_article_versions")
          .where("workspace_id", "=", ws)
          .where("article_id", "=", request.params.id)
          .execute();
        await recordAudit(tx, actor, {
          action: "knowledge.article.deleted",
          objectType: "article",
          objectId: request.params.id,
        });
      });
      return reply.code(204).send();
    },
  );
}
