/**
 * Analyses stored per inbound message and aggregated per case (worst sentiment, last category and language),
 * and the workspace's corrections, which retrain its models lazily (cached 10 s, dropped at once on this node
 * when a correction is recorded).
 */
import { type Generated, type Selectable, sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { type Executor, prepared } from "../../../platform/db.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { type ColumnTypes, insertRows } from "../../../platform/writes.ts";
import { customerMessageText, lockCases, updateCase } from "../../conversations/index.ts";
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

/** A row of the lookup of ensureMessageAnalyses: the stored analysis (all null when none), else the customer message. */
type Lookup = { [K in keyof MessageAnalysisRow]: MessageAnalysisRow[K] | null } & {
  m_id: string | null;
  m_case_id: string | null;
  m_text: string | null;
};

/** The columns of message_analyses a new analysis sets, with their types (the others have defaults). */
const NEW_ANALYSIS: ColumnTypes<NewAnalysis> = {
  workspace_id: "uuid",
  message_id: "uuid",
  case_id: "uuid",
  language: "text",
  sentiment: "text",
  sentiment_score: "real",
  category: "text",
  confidence: "real",
  intents: "text[]",
  moderation_reasons: "text[]",
};
type NewAnalysis = Omit<MessageAnalysisRow, "corrected" | "created_at">;

const columns = (prefix = "") => sql.join(COLUMNS.map((c) => sql.ref(`${prefix}${c}`)));

/**
 * ensureMessageAnalysis for many messages of a workspace at once (the outbox's batches), in two statements
 * whatever their number: one reads the stored analyses and, for the others, the customer messages; one stores
 * the new analyses and folds them into their cases' aggregates. Plus one read when another delivery stored some
 * first, and one per newly flagged case. Keyed by message id; outbound, private and unknown messages are absent.
 */
export async function ensureMessageAnalyses(
  db: Executor,
  ws: string,
  messageIds: readonly string[],
): Promise<Map<string, MessageAnalysisRow>> {
  const out = new Map<string, MessageAnalysisRow>();
  if (messageIds.length === 0) return out;
  // Prepared, like every statement here: the ids and rows travel as arrays, so the text is the same for any batch.
  const { rows: found } = await sql<Lookup>`${prepared}
    select ${columns("a.")}, m.id as m_id, m.case_id as m_case_id, m.text as m_text
    from unnest(${[...new Set(messageIds)]}::uuid[]) as k(id)
    left join message_analyses a on a.workspace_id = ${ws}::uuid and a.message_id = k.id
    left join lateral ${customerMessageText(ws, sql.ref("k.id"))} m on a.message_id is null`.execute(db);
  const messages: { id: string; case_id: string; text: string }[] = [];
  for (const { m_id: id, m_case_id: caseId, m_text: text, ...stored } of found) {
    if (stored.message_id !== null) out.set(stored.message_id, stored as MessageAnalysisRow);
    else if (id !== null && caseId !== null && text !== null) messages.push({ id, case_id: caseId, text });
  }
  if (messages.length === 0) return out;
  const models = await workspaceModels(db, ws);
  const analysed = messages.map((message) => {
    const a = analyzeText(message.text, models);
    return { message, a, moderation: moderate(message.text, a) };
  });
  const inserted = await storeAnalyses(
    db,
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
  );
  for (const row of inserted) out.set(row.message_id, row);
  // Another delivery stored some first: theirs stand, and they folded them into the cases already.
  const theirs = analysed.filter((x) => !out.has(x.message.id)).map((x) => x.message.id);
  if (theirs.length > 0) {
    const { rows } = await sql<MessageAnalysisRow>`${prepared}
      select ${columns()} from message_analyses
      where workspace_id = ${ws}::uuid and message_id = any(${theirs}::uuid[])`.execute(db);
    for (const row of rows) out.set(row.message_id, row);
  }
  const mine = new Set(inserted.map((r) => r.message_id));
  const flagged = analysed.filter((x) => x.moderation.flagged && mine.has(x.message.id));
  for (const caseId of new Set(flagged.map((x) => x.message.case_id))) await tagFlaggedCase(db, ws, caseId);
  return out;
}

/**
 * Inserts new analyses (those another delivery stored first are left alone) and folds the inserted ones into
 * their cases' aggregates, in one statement: one row per case (the batch's worst sentiment, its latest message,
 * its count), upserted so that concurrent batches never lose one another's messages. Returns the inserted rows.
 */
async function storeAnalyses(db: Executor, rows: readonly NewAnalysis[]): Promise<MessageAnalysisRow[]> {
  const { rows: inserted } = await sql<MessageAnalysisRow>`${prepared}
    with fresh as (
      ${insertRows("message_analyses", NEW_ANALYSIS, rows, sql`on conflict (workspace_id, message_id) do nothing returning ${columns()}`)}
    ), folded as (
      insert into case_analyses (workspace_id, case_id, worst_sentiment, worst_score, last_sentiment, last_category,
        last_language, last_message_id, messages_analyzed)
      select workspace_id, case_id,
        (array_agg(sentiment order by sentiment_score, message_id))[1], min(sentiment_score),
        (array_agg(sentiment order by message_id desc))[1], (array_agg(category order by message_id desc))[1],
        (array_agg(language order by message_id desc))[1], (array_agg(message_id order by message_id desc))[1],
        count(*)::int
      from fresh group by workspace_id, case_id
      on conflict (workspace_id, case_id) do update set
        worst_sentiment = case when excluded.worst_score < case_analyses.worst_score
          then excluded.worst_sentiment else case_analyses.worst_sentiment end,
        worst_score = least(excluded.worst_score, case_analyses.worst_score),
        last_sentiment = case when excluded.last_message_id > case_analyses.last_message_id
          then excluded.last_sentiment else case_analyses.last_sentiment end,
        last_category = case when excluded.last_message_id > case_analyses.last_message_id
          then excluded.last_category else case_analyses.last_category end,
        last_language = case when excluded.last_message_id > case_analyses.last_message_id
          then excluded.last_language else case_analyses.last_language end,
        last_message_id = greatest(excluded.last_message_id, case_analyses.last_message_id),
        messages_analyzed = case_analyses.messages_analyzed + excluded.messages_analyzed,
        updated_at = now()
    )
    select * from fresh`.execute(db);
  return inserted;
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
