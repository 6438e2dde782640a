import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { CASE_SORTS, countCases } from "./queries.ts";
import { CASE_STATUSES, type CaseViewRow, PRIORITIES } from "./repository.ts";
import { CaseFilterSchema } from "./schemas.ts";
import { bulkMergeCases, bulkUpdateCases } from "./use-cases/bulk-cases.ts";
import {
  caseFilterResolver,
  createCaseView,
  deleteCaseView,
  listCaseViews,
  updateCaseView,
} from "./use-cases/case-views.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["inbox"] };

const ViewFields = {
  name: z.string().trim().min(1).max(60),
  filters: CaseFilterSchema,
  sort: z.enum(CASE_SORTS).default("recent"),
  position: z.number().int().min(0).max(1000).optional(),
};
const ViewPatch = z
  .strictObject({
    name: ViewFields.name.optional(),
    filters: ViewFields.filters.optional(),
    sort: z.enum(CASE_SORTS).optional(),
    position: ViewFields.position,
  })
  .refine((b) => Object.keys(b).length > 0, { message: "Send at least one of name, filters, sort, position." });

/** At most this many views counted per request. */
const MAX_COUNTED = 100;
const CountsBody = z.strictObject({
  views: z
    .record(z.string().regex(/^[A-Za-z0-9:_-]{1,100}$/, "Use 1–100 letters, digits, :, _ or -."), CaseFilterSchema)
    .refine((views) => Object.keys(views).length <= MAX_COUNTED, {
      message: `Count at most ${MAX_COUNTED} views at once.`,
    }),
});

const CaseIds = z
  .array(z.uuid())
  .min(1)
  .max(500)
  .transform((ids) => [...new Set(ids)]);
const Tag = z.string().trim().min(1).max(50);
const BulkBody = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("update"),
    caseIds: CaseIds,
    patch: z
      .strictObject({
        status: z.enum(CASE_STATUSES).optional(),
        priority: z.enum(PRIORITIES).optional(),
        assigneeId: z.uuid().nullable().optional(),
        teamId: z.uuid().nullable().optional(),
        addTags: z.array(Tag).min(1).max(50).optional(),
        removeTags: z.array(Tag).min(1).max(50).optional(),
      })
      .refine((p) => Object.keys(p).length > 0, {
        message: "Send at least one of status, priority, assigneeId, teamId, addTags, removeTags.",
      }),
  }),
  z.strictObject({
    action: z.literal("merge"),
    caseIds: CaseIds,
    targetCaseId: z.uuid(),
    reason: z.string().trim().max(500).optional(),
  }),
]);

const presentView = (v: CaseViewRow) => ({
  id: v.id,
  name: v.name,
  filters: v.filters,
  sort: v.sort,
  position: v.position,
  createdAt: v.created_at.toISOString(),
  updatedAt: v.updated_at.toISOString(),
});

/** The inbox's own API: a member's saved views, counts of many views in one query, and bulk actions. */
export function registerInboxRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const read = guard(ctx, "cases.read");

  app.get("/api/v1/case-views", { schema: { ...tags }, onRequest: read }, async (request) => ({
    data: (await listCaseViews(db, actorOf(request))).map(presentView),
  }));

  app.post(
    "/api/v1/case-views",
    { schema: { ...tags, body: z.strictObject(ViewFields) }, onRequest: read },
    async (request, reply) =>
      reply.code(201).send(presentView(await createCaseView(db, actorOf(request), request.body))),
  );

  app.patch(
    "/api/v1/case-views/:id",
    { schema: { ...tags, params: IdParams, body: ViewPatch }, onRequest: read },
    async (request) => presentView(await updateCaseView(db, actorOf(request), request.params.id, request.body)),
  );

  app.delete(
    "/api/v1/case-views/:id",
    { schema: { ...tags, params: IdParams }, onRequest: read },
    async (request, reply) => {
      await deleteCaseView(db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post("/api/v1/cases/counts", { schema: { ...tags, body: CountsBody }, onRequest: read }, async (request) => {
    const actor = actorOf(request);
    const resolve = caseFilterResolver(db, actor);
    const filters = Object.fromEntries(
      await Promise.all(Object.entries(request.body.views).map(async ([k, f]) => [k, await resolve(f)] as const)),
    );
    return { counts: await countCases(db, actor.workspaceId, filters), countedAt: new Date().toISOString() };
  });

  app.post(
    "/api/v1/cases/bulk",
    { schema: { ...tags, body: BulkBody }, onRequest: guard(ctx, "cases.write") },
    async (request) => {
      const actor = actorOf(request);
      const body = request.body;
      const results = await runTransaction(ctx.database, (tx) =>
        body.action === "update"
          ? bulkUpdateCases(tx, actor, body.caseIds, body.patch)
          : bulkMergeCases(tx, actor, body.caseIds, body),
      );
      const succeeded = results.filter((r) => r.ok).length;
      return { results, succeeded, failed: results.length - succeeded };
    },
  );
}
