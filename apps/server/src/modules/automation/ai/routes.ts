import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { decodeCursor, PageQuerySchema, toPage } from "../../../platform/pagination.ts";
import { automationFacts, findMessage } from "../../conversations/index.ts";
import { actorOf, guard } from "../../tenancy/index.ts";
import { deliveriesOf, getAlertDelivery, putAlertDelivery } from "./alert-delivery.ts";
import { moderate } from "./moderation.ts";
import { draftReply, providerView, putProvider, summarizeCase, translate } from "./provider.ts";
import { getSpikeSettings, putSpikeSettings } from "./spikes.ts";
import { ai, analysisOf, analyzeForWorkspace, type CorrectionRow, caseAnalysis, recordCorrection } from "./store.ts";
import { suggestReplies } from "./suggestions.ts";
import { CATEGORIES, SENTIMENTS } from "./training-data.ts";

const tags = { tags: ["ai"] };
const IdParams = z.strictObject({ id: z.uuid() });
const Text = z.string().trim().min(1).max(5000);

const CorrectionBody = z
  .strictObject({
    text: Text.optional(),
    messageId: z.uuid().optional(),
    category: z.enum(CATEGORIES).optional(),
    sentiment: z.enum(SENTIMENTS).optional(),
  })
  .refine((b) => b.category || b.sentiment, {
    message: "give category and/or sentiment: what the analysis should have said",
    path: ["category"],
  })
  .refine((b) => b.text || b.messageId, { message: "give the text, or the messageId it came from", path: ["text"] });

const SettingsBody = z.strictObject({
  watchedKeywords: z.array(z.string().trim().min(1).max(50)).max(20),
  minCount: z.number().int().min(1).max(10_000),
  factor: z.number().min(1).max(100),
});

const AlertDeliveryBody = z.strictObject({
  webhookUrl: z.url().max(2000).nullable(),
  /** Lets the webhook reach private or loopback addresses (an admin decision). */
  allowPrivateNetwork: z.boolean().default(false),
  email: z.boolean().default(true),
});

const ProviderBody = z.strictObject({
  url: z.url().max(2000).nullable(),
  model: z.string().trim().min(1).max(200).optional(),
  /** Absent: keep the stored key; null: remove it. Never returned. */
  apiKey: z.string().min(1).max(1000).nullable().optional(),
  /** Lets the provider be on a private or loopback address (an admin decision). */
  allowPrivateNetwork: z.boolean().default(false),
});
const CaseBody = z.strictObject({ caseId: z.uuid() });
const DraftBody = z.strictObject({ caseId: z.uuid(), instructions: z.string().trim().min(1).max(2000).optional() });
const TranslateBody = z.strictObject({
  text: Text,
  to: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "a language code such as en, fr, es or zh-CN"),
});

const presentCorrection = (c: CorrectionRow) => ({
  id: c.id,
  text: c.text,
  category: c.category,
  sentiment: c.sentiment,
  messageId: c.message_id,
  createdBy: c.created_by,
  createdAt: c.created_at.toISOString(),
});

const caseNotFound = () => new AppError("not_found", "case_not_found", "No such case in your workspace.");

/** Registers the AI triage API: analyse a text, corrections, a case's analysis and reply suggestions. */
export function registerAiRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.post(
    "/api/v1/ai/analyze",
    { schema: { ...tags, body: z.strictObject({ text: Text }) }, onRequest: guard(ctx, "automation.read") },
    async (request) => {
      const analysis = await analyzeForWorkspace(db, actorOf(request).workspaceId, request.body.text);
      return { ...analysis, moderation: moderate(request.body.text, analysis) };
    },
  );

  app.post(
    "/api/v1/ai/corrections",
    { schema: { ...tags, body: CorrectionBody }, onRequest: guard(ctx, "cases.write") },
    async (request, reply) => {
      const actor = actorOf(request);
      const b = request.body;
      let text = b.text;
      if (b.messageId) {
        const message = await findMessage(db, actor.workspaceId, b.messageId);
        if (!message)
          throw new AppError("not_found", "message_not_found", "messageId: no such message in your workspace.", {
            field: "messageId",
          });
        text ??= message.text;
      }
      const row = await recordCorrection(db, actor.workspaceId, {
        text: text ?? "",
        category: b.category,
        sentiment: b.sentiment,
        messageId: b.messageId,
        createdBy: actor.type === "user" ? actor.id : undefined,
      });
      return reply.code(201).send(presentCorrection(row));
    },
  );

  app.get(
    "/api/v1/ai/corrections",
    { schema: { ...tags, querystring: PageQuerySchema }, onRequest: guard(ctx, "automation.read") },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = decodeCursor(cursor);
      let query = ai(db)
        .selectFrom("ai_corrections")
        .selectAll()
        .where("workspace_id", "=", actorOf(request).workspaceId)
        .orderBy("id", "desc")
        .limit(limit + 1);
      if (after) query = query.where("id", "<", after);
      return toPage(await query.execute(), limit, (r) => r.id, presentCorrection);
    },
  );

  app.get("/api/v1/ai/settings", { schema: tags, onRequest: guard(ctx, "automation.read") }, async (request) =>
    getSpikeSettings(db, actorOf(request).workspaceId),
  );

  app.put(
    "/api/v1/ai/settings",
    { schema: { ...tags, body: SettingsBody }, onRequest: guard(ctx, "automation.manage") },
    async (request) => {
      await putSpikeSettings(db, actorOf(request).workspaceId, request.body);
      return request.body;
    },
  );

  app.get("/api/v1/ai/alert-delivery", { schema: tags, onRequest: guard(ctx, "automation.read") }, async (request) =>
    getAlertDelivery(db, actorOf(request).workspaceId),
  );

  app.put(
    "/api/v1/ai/alert-delivery",
    { schema: { ...tags, body: AlertDeliveryBody }, onRequest: guard(ctx, "automation.manage") },
    async (request) => putAlertDelivery(ctx, actorOf(request).workspaceId, request.body),
  );

  app.get(
    "/api/v1/ai/alerts",
    { schema: { ...tags, querystring: PageQuerySchema }, onRequest: guard(ctx, "automation.read") },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = decodeCursor(cursor);
      let query = ai(db)
        .selectFrom("ai_alerts")
        .selectAll()
        .where("workspace_id", "=", actorOf(request).workspaceId)
        .orderBy("id", "desc")
        .limit(limit + 1);
      if (after) query = query.where("id", "<", after);
      const rows = await query.execute();
      const deliveries = await deliveriesOf(
        db,
        actorOf(request).workspaceId,
        rows.slice(0, limit).map((r) => r.id),
      );
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => ({
          id: r.id,
          metric: r.metric,
          count: r.count,
          baseline: r.baseline,
          messageIds: r.message_ids,
          createdAt: r.created_at.toISOString(),
          deliveries: deliveries.get(r.id) ?? [],
        }),
      );
    },
  );

  app.get("/api/v1/ai/provider", { schema: tags, onRequest: guard(ctx, "automation.read") }, async (request) =>
    providerView(ctx, actorOf(request).workspaceId),
  );

  app.put(
    "/api/v1/ai/provider",
    { schema: { ...tags, body: ProviderBody }, onRequest: guard(ctx, "automation.manage") },
    async (request) => putProvider(ctx, actorOf(request).workspaceId, request.body),
  );

  /** The case must be the workspace's (404 otherwise) before its messages go to the provider. */
  const caseOf = async (ws: string, caseId: string) => {
    if (!(await automationFacts(db, ws, caseId))) throw caseNotFound();
    return caseId;
  };

  app.post(
    "/api/v1/ai/summarize",
    { schema: { ...tags, body: CaseBody }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const caseId = await caseOf(ws, request.body.caseId);
      return { caseId, summary: await summarizeCase(ctx, ws, caseId) };
    },
  );

  app.post(
    "/api/v1/ai/draft",
    { schema: { ...tags, body: DraftBody }, onRequest: guard(ctx, "cases.write") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const caseId = await caseOf(ws, request.body.caseId);
      return { caseId, draft: await draftReply(ctx, ws, caseId, request.body.instructions) };
    },
  );

  app.post(
    "/api/v1/ai/translate",
    { schema: { ...tags, body: TranslateBody }, onRequest: guard(ctx, "cases.read") },
    async (request) => ({
      to: request.body.to,
      text: await translate(ctx, actorOf(request).workspaceId, request.body.text, request.body.to),
    }),
  );

  app.get(
    "/api/v1/cases/:id/analysis",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      if (!(await automationFacts(db, ws, request.params.id))) throw caseNotFound();
      const { aggregate: a, messages } = await caseAnalysis(db, ws, request.params.id);
      return {
        caseId: request.params.id,
        worstSentiment: a ? { label: a.worst_sentiment, score: a.worst_score } : null,
        lastSentiment: a?.last_sentiment ?? null,
        lastCategory: a?.last_category ?? null,
        lastLanguage: a?.last_language ?? null,
        messagesAnalyzed: a?.messages_analyzed ?? 0,
        messages: messages.map((m) => ({ messageId: m.message_id, corrected: m.corrected, ...analysisOf(m) })),
      };
    },
  );

  app.get(
    "/api/v1/cases/:id/suggestions",
    {
      schema: {
        ...tags,
        params: IdParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) }),
      },
      onRequest: guard(ctx, "cases.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const found = await suggestReplies(db, ws, request.params.id, request.query.limit);
      if (!found) throw caseNotFound();
      return found;
    },
  );
}
