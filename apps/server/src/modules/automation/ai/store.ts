/**
 * Analyses stored per inbound message and aggregated per case (worst sentiment, last category and language),
 * and the workspace's corrections, which retrain its models lazily (cached 10 s, dropped at once on this node
 * when a correction is recorded).
 */
import { type Generated, type Selectable, sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { findMessages, lockCases, updateCase } from "../../conversations/index.ts";
import { type Analysis, analyzeText, baseModels, type Models, modelsWithCorrections } from "./analyze.ts";
import { MODERATION_TAG, type Moderation, type ModerationReason, moderate } from "./moderation.ts";
import type { Category, Sentiment } from "./training-data.ts";

/** The tables of AI triage. */
export type AiTables = {
  message_analyses: {
    workspace_id: string;
    message_id: string;
    case_id: string;
    language: string;
    sentiment: Sentiment;
    sentiment_score: number;
    category: Category;
    confidence: number;
    intents: string[];
    corrected: Generated<boolean>;
    moderation_reasons: Generated<string[]>;
    created_at: Generated<Date>;
  };
  case_analyses: {
    workspace_id: string;
    case_id: string;
    worst_sentiment: Sentiment;
    worst_score: number;
    last_sentiment: Sentiment;
    last_category: Category;
    last_language: string;
    last_message_id: string;
    messages_analyzed: Generated<number>;
    updated_at: Generated<Date>;
  };
  ai_settings: {
    workspace_id: string;
    watched_keywords: string[];
    spike_min_count: number;
    spike_factor: number;
    alert_webhook_url: Generated<string | null>;
    alert_webhook_secret_encrypted: Generated<string | null>;
    alert_webhook_allow_private: Generated<boolean>;
    alert_email: Generated<boolean>;
    provider_url: Generated<string | null>;
    provider_model: Generated<string | null>;
    provider_key_encrypted: Generated<string | null>;
    provider_allow_private: Generated<boolean>;
    updated_at: Generated<Date>;
  };
  ai_alerts: {
    workspace_id: string;
    id: string;
    metric: string;
    count: number;
    baseline: number;
    message_ids: string[];
    created_at: Date;
  };
  ai_alert_deliveries: {
    workspace_id: string;
    alert_id: string;
    channel: "email" | "webhook";
    status: "pending" | "retrying" | "delivered" | "failed" | "skipped";
    attempts: Generated<number>;
    recipients: Generated<string[]>;
    last_error: string | null;
    updated_at: Generated<Date>;
  };
  ai_corrections: {
    workspace_id: string;
    id: string;
    text: string;
    category: Category | null;
    sentiment: Sentiment | null;
    message_id: string | null;
    created_by: string | null;
    created_at: Generated<Date>;
  };
};

export type MessageAnalysisRow = Selectable<AiTables["message_analyses"]>;
export type CaseAnalysisRow = Selectable<AiTables["case_analyses"]>;
export type CorrectionRow = Selectable<AiTables["ai_corrections"]>;

export const ai = (db: Executor) => db.withTables<AiTables>();

const MAX_CORRECTIONS = 5000;
const models = new TtlCache<string, Models>(10_000, 1000);

/** The workspace's models: the shared ones plus its latest corrections (retrained when they change). */
export async function workspaceModels(db: Executor, ws: string): Promise<Models> {
  const hit = models.get(ws);
  if (hit) return hit;
  const corrections = await ai(db)
    .selectFrom("ai_corrections")
    .select(["text", "category", "sentiment"])
    .where("workspace_id", "=", ws)
    .orderBy("id", "desc")
    .limit(MAX_CORRECTIONS)
    .execute();
  const built = corrections.length ? modelsWithCorrections(corrections) : baseModels();
  models.set(ws, built);
  return built;
}

/** Analyses a text with the workspace's models. */
export async function analyzeForWorkspace(db: Executor, ws: string, text: string): Promise<Analysis> {
  return analyzeText(text, await workspaceModels(db, ws));
}

const COLUMNS = [
  "workspace_id",
  "message_id",
  "case_id",
  "language",
  "sentiment",
  "sentiment_score",
  "category",
  "confidence",
  "intents",
  "corrected",
  "moderation_reasons",
  "created_at",
] as const;

/** The analysis of a row, in the API's shape, with its moderation verdict. */
export function analysisOf(row: MessageAnalysisRow): Analysis & { moderation: Moderation } {
  return {
    moderation: { flagged: row.moderation_reasons.length > 0, reasons: row.moderation_reasons as ModerationReason[] },
    language: row.language,
    sentiment: { label: row.sentiment, score: row.sentiment_score },
    category: row.category,
    confidence: row.confidence,
    intents: row.intents,
  };
}

/**
 * The stored analysis of an inbound customer message, computed and stored (with the case aggregate) the first
 * time; undefined for outbound or private messages and unknown ids. Idempotent under redelivery and races.
 */
export async function ensureMessageAnalysis(
  db: Executor,
  ws: string,
  messageId: string,
): Promise<MessageAnalysisRow | undefined> {
  return (await ensureMessageAnalyses(db, ws, [messageId])).get(messageId);
}

/**
 * ensureMessageAnalysis for many messages of a workspace at once (the outbox's batches): a fixed number of
 * statements whatever their number — the stored analyses, the messages, the new analyses, one upsert of the
 * cases' aggregates — plus one per newly flagged case. Keyed by message id; outbound, private and unknown
 * messages are absent.
 */
export async function ensureMessageAnalyses(
  db: Executor,
  ws: string,
  messageIds: readonly string[],
): Promise<Map<string, MessageAnalysisRow>> {
  const out = new Map<string, MessageAnalysisRow>();
  const stored = (ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve([])
      : ai(db)
          .selectFrom("message_analyses")
          .select(COLUMNS)
          .where("workspace_id", "=", ws)
          .where("message_id", "in", ids)
          .execute();
  for (const row of await stored(messageIds)) out.set(row.message_id, row);
  const missing = messageIds.filter((id) => !out.has(id));
  const messages = (await findMessages(db, ws, missing)).filter((m) => m.direction === "inbound" && !m.private);
  if (messages.length === 0) return out;
  const models = await workspaceModels(db, ws);
  const analysed = messages.map((message) => {
    const a = analyzeText(message.text, models);
    return { message, a, moderation: moderate(message.text, a) };
  });
  const inserted = await ai(db)
    .insertInto("message_analyses")
    .values(
      analysed.map(({ message, a, moderation }) => ({
        workspace_id: ws,
        message_id: message.id,
        case_id: message.case_id,
        language: a.language,
        sentiment: a.sentiment.label,
        sentiment_score: a.sentiment.score,
        category: a.category,
        confidence: a.confidence,
        intents: a.intents,
        moderation_reasons: moderation.reasons,
      })),
    )
    .onConflict((oc) => oc.columns(["workspace_id", "message_id"]).doNothing())
    .returning(COLUMNS)
    .execute();
  for (const row of inserted) out.set(row.message_id, row);
  // Another delivery stored some first: theirs stand, and they folded them into the cases already.
  for (const row of await stored(analysed.filter((x) => !out.has(x.message.id)).map((x) => x.message.id))) {
    out.set(row.message_id, row);
  }
  const mine = new Set(inserted.map((r) => r.message_id));
  const fresh = analysed.filter((x) => mine.has(x.message.id));
  for (const caseId of new Set(fresh.filter((x) => x.moderation.flagged).map((x) => x.message.case_id))) {
    await tagFlaggedCase(db, ws, caseId);
  }
  await foldIntoCases(db, ws, fresh);
  return out;
}

/**
 * Folds new analyses into their cases' aggregates in one statement (one row per case: the batch's worst
 * sentiment, its latest message, its count), so concurrent batches never lose one another's messages.
 */
async function foldIntoCases(
  db: Executor,
  ws: string,
  fresh: { message: { id: string; case_id: string }; a: Analysis }[],
) {
  const byCase = new Map<string, { worst: (typeof fresh)[number]; last: (typeof fresh)[number]; n: number }>();
  for (const x of fresh) {
    const c = byCase.get(x.message.case_id);
    if (!c) byCase.set(x.message.case_id, { worst: x, last: x, n: 1 });
    else {
      if (x.a.sentiment.score < c.worst.a.sentiment.score) c.worst = x;
      if (x.message.id > c.last.message.id) c.last = x;
      c.n++;
    }
  }
  if (byCase.size === 0) return;
  await ai(db)
    .insertInto("case_analyses")
    .values(
      [...byCase].map(([caseId, { worst, last, n }]) => ({
        workspace_id: ws,
        case_id: caseId,
        worst_sentiment: worst.a.sentiment.label,
        worst_score: worst.a.sentiment.score,
        last_sentiment: last.a.sentiment.label,
        last_category: last.a.category,
        last_language: last.a.language,
        last_message_id: last.message.id,
        messages_analyzed: n,
      })),
    )
    .onConflict((oc) =>
      oc.columns(["workspace_id", "case_id"]).doUpdateSet({
        worst_sentiment: sql`case when excluded.worst_score < case_analyses.worst_score
          then excluded.worst_sentiment else case_analyses.worst_sentiment end`,
        worst_score: sql`least(excluded.worst_score, case_analyses.worst_score)`,
        last_sentiment: sql`case when excluded.last_message_id > case_analyses.last_message_id
          then excluded.last_sentiment else case_analyses.last_sentiment end`,
        last_category: sql`case when excluded.last_message_id > case_analyses.last_message_id
          then excluded.last_category else case_analyses.last_category end`,
        last_language: sql`case when excluded.last_message_id > case_analyses.last_message_id
          then excluded.last_language else case_analyses.last_language end`,
        last_message_id: sql`greatest(excluded.last_message_id, case_analyses.last_message_id)`,
        messages_analyzed: sql`case_analyses.messages_analyzed + excluded.messages_analyzed`,
        updated_at: new Date(),
      }),
    )
    .execute();
}

/**
 * Tags a case `moderation:flagged` (once), holding the case's row lock so that it never overwrites a concurrent
 * tag change; a merged case keeps its tags.
 */
async function tagFlaggedCase(db: Executor, ws: string, caseId: string): Promise<void> {
  const tag = async (tx: Executor) => {
    const [c] = await lockCases(tx, ws, [caseId]);
    if (!c || c.merged_into || c.tags.includes(MODERATION_TAG)) return;
    await updateCase(tx, { workspaceId: ws, type: "system", id: null }, caseId, { tags: [...c.tags, MODERATION_TAG] }, [
      "moderation: a customer message was flagged",
    ]);
  };
  if (db.isTransaction) await tag(db);
  else await db.transaction().execute(tag);
}

/** The case's aggregate (worst sentiment, last category and language). */
export function caseAggregate(db: Executor, ws: string, caseId: string) {
  return ai(db)
    .selectFrom("case_analyses")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .executeTakeFirst();
}

/** The case's aggregate and its messages' analyses (oldest first, at most 200). */
export async function caseAnalysis(db: Executor, ws: string, caseId: string) {
  const [aggregate, messages] = await Promise.all([
    caseAggregate(db, ws, caseId),
    ai(db)
      .selectFrom("message_analyses")
      .select(COLUMNS)
      .where("workspace_id", "=", ws)
      .where("case_id", "=", caseId)
      .orderBy("message_id")
      .limit(200)
      .execute(),
  ]);
  return { aggregate, messages };
}

/** Recomputes a case's aggregate from its messages' analyses (after a correction changed one). */
async function recomputeCase(db: Executor, ws: string, caseId: string) {
  const rows = await ai(db)
    .selectFrom("message_analyses")
    .select(COLUMNS)
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .orderBy("message_id")
    .execute();
  const last = rows.at(-1);
  if (!last) return;
  const worst = rows.reduce((w, r) => (r.sentiment_score < w.sentiment_score ? r : w), last);
  await ai(db)
    .updateTable("case_analyses")
    .set({
      worst_sentiment: worst.sentiment,
      worst_score: worst.sentiment_score,
      last_sentiment: last.sentiment,
      last_category: last.category,
      last_language: last.language,
      last_message_id: last.message_id,
      messages_analyzed: rows.length,
      updated_at: new Date(),
    })
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .execute();
}

/** The polarity a corrected sentiment stands for. */
const SCORE_OF: Record<Sentiment, number> = { positive: 1, neutral: 0, negative: -1 };

/**
 * Records a correction (the workspace's models retrain from it); with a message, that message's stored
 * analysis and its case's aggregate take the corrected labels.
 */
export async function recordCorrection(
  db: Executor,
  ws: string,
  input: {
    text: string;
    category?: Category | undefined;
    sentiment?: Sentiment | undefined;
    messageId?: string | undefined;
    createdBy?: string | undefined;
  },
): Promise<CorrectionRow> {
  const row = await ai(db)
    .insertInto("ai_corrections")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      text: input.text,
      category: input.category ?? null,
      sentiment: input.sentiment ?? null,
      message_id: input.messageId ?? null,
      created_by: input.createdBy ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  models.delete(ws);
  if (input.messageId) {
    const updated = await ai(db)
      .updateTable("message_analyses")
      .set({
        ...(input.category
          ? {
              category: input.category,
              confidence: 1,
              // A message corrected to spam is flagged as spam; one corrected away from spam no longer is.
              moderation_reasons:
                input.category === "spam"
                  ? sql<string[]>`case when 'spam' = any(moderation_reasons) then moderation_reasons
                      else array_prepend('spam', moderation_reasons) end`
                  : sql<string[]>`array_remove(moderation_reasons, 'spam')`,
            }
          : {}),
        ...(input.sentiment ? { sentiment: input.sentiment, sentiment_score: SCORE_OF[input.sentiment] } : {}),
        corrected: true,
      })
      .where("workspace_id", "=", ws)
      .where("message_id", "=", input.messageId)
      .returning("case_id")
      .executeTakeFirst();
    if (updated) await recomputeCase(db, ws, updated.case_id);
  }
  return row;
}
