/**
 * Smart alerts: a spike is an hour with many more negative messages, complaints or mentions of a watched keyword
 * than the hourly average of the 24 hours before it. Checked at most once a minute per workspace, a minute after
 * a message that counts towards a metric; each alert is an `ai.spike-detected` outbox event (for in-app, email
 * and webhook notifiers) and a row listing the messages that caused it. One alert per metric per hour.
 */
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { jobIdFor } from "../../../platform/jobs.ts";
import { emitEvent, runTransaction } from "../../../platform/outbox.ts";
import { queryTerms, tsqueryLiteral } from "../../../platform/search-text.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { messageHasWords } from "../../conversations/index.ts";
import { queueAlertDeliveries } from "./alert-delivery.ts";
import { ai } from "./store.ts";

export const SPIKE_JOB = "ai.spike-check";
export const SpikeJobData = z.object({ workspaceId: z.uuid() });

const HOUR = 3_600_000;
const HISTORY_HOURS = 24;

export type SpikeSettings = { watchedKeywords: string[]; minCount: number; factor: number };
export const SPIKE_DEFAULTS: SpikeSettings = { watchedKeywords: [], minCount: 5, factor: 3 };

/** True when the last hour's count is a spike against the previous hours' counts. */
export function isSpike(current: number, history: number[], s: Pick<SpikeSettings, "minCount" | "factor">): boolean {
  const mean = history.length ? history.reduce((a, b) => a + b, 0) / history.length : 0;
  const sd = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, history.length));
  return current >= s.minCount && current >= s.factor * Math.max(mean, 1) && current > mean + 3 * sd;
}

export async function getSpikeSettings(db: Executor, ws: string): Promise<SpikeSettings> {
  const row = await ai(db).selectFrom("ai_settings").selectAll().where("workspace_id", "=", ws).executeTakeFirst();
  return row
    ? { watchedKeywords: row.watched_keywords, minCount: row.spike_min_count, factor: row.spike_factor }
    : SPIKE_DEFAULTS;
}

const watching = new TtlCache<string, boolean>(5_000, 10_000);

/**
 * Whether a workspace watches keywords (then every message may count towards a spike), for the event handler
 * (cached 5 s; dropped at once on this node when the settings are saved).
 */
export async function watchesKeywords(db: Executor, ws: string): Promise<boolean> {
  return watching.load(ws, async () => (await getSpikeSettings(db, ws)).watchedKeywords.length > 0);
}

/** Forgets whether a workspace watches keywords (after its spike settings are saved). */
export const forgetWatchedKeywords = (ws: string) => watching.delete(ws);

/** Saves a workspace's spike settings and drops the cached `watchesKeywords`. */
export async function putSpikeSettings(db: Executor, ws: string, s: SpikeSettings): Promise<void> {
  const values = { watched_keywords: s.watchedKeywords, spike_min_count: s.minCount, spike_factor: s.factor };
  await ai(db)
    .insertInto("ai_settings")
    .values({ workspace_id: ws, ...values })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  forgetWatchedKeywords(ws);
}

/** Schedules a spike check of the workspace a minute from now (one per workspace and minute). */
export async function scheduleSpikeCheck(ctx: AppContext, ws: string, now = Date.now()): Promise<void> {
  const minute = Math.floor(now / 60_000);
  await ctx.jobs.send(
    SPIKE_JOB,
    { workspaceId: ws },
    { id: jobIdFor(`${ws}@spike@${minute}`), startAfter: new Date((minute + 1) * 60_000) },
  );
}

/** The metrics of a workspace: negative messages, complaints, and one per watched keyword (a tsquery). */
function metricsOf(ws: string, s: SpikeSettings) {
  const out: { name: string; where: ReturnType<typeof sql<boolean>> }[] = [
    { name: "sentiment:negative", where: sql<boolean>`sentiment = 'negative'` },
    { name: "category:complaint", where: sql<boolean>`category = 'complaint'` },
  ];
  for (const keyword of s.watchedKeywords) {
    const literal = tsqueryLiteral(
      queryTerms(keyword).map((t) => ({ ...t, prefix: false })),
      "all",
    );
    if (literal) {
      out.push({
        name: `keyword:${keyword}`,
        where: messageHasWords(ws, sql.ref("message_analyses.message_id"), literal),
      });
    }
  }
  return out;
}

/** Checks every metric of a workspace at `now`; records and emits the spikes found (returns them). */
export async function checkSpikes(ctx: AppContext, ws: string, now = new Date()) {
  const { db } = ctx.database;
  const settings = await getSpikeSettings(db, ws);
  const found: { metric: string; count: number; baseline: number; messageIds: string[] }[] = [];
  const since = new Date(now.getTime() - (HISTORY_HOURS + 1) * HOUR);
  for (const metric of metricsOf(ws, settings)) {
    const { rows } = await sql<{ hour: number; n: number }>`
      select floor(extract(epoch from (${now}::timestamptz - created_at)) / 3600)::int as hour, count(*)::int as n
      from message_analyses
      where workspace_id = ${ws}::uuid and created_at > ${since} and created_at <= ${now} and ${metric.where}
      group by 1
    `.execute(db);
    const byHour = new Map(rows.map((r) => [Number(r.hour), Number(r.n)]));
    const current = byHour.get(0) ?? 0;
    const history = Array.from({ length: HISTORY_HOURS }, (_, i) => byHour.get(i + 1) ?? 0);
    if (!isSpike(current, history, settings)) continue;
    const recent = await ai(db)
      .selectFrom("ai_alerts")
      .select("id")
      .where("workspace_id", "=", ws)
      .where("metric", "=", metric.name)
      .where("created_at", ">", new Date(now.getTime() - HOUR))
      .executeTakeFirst();
    if (recent) continue;
    const { rows: messages } = await sql<{ message_id: string }>`
      select message_id from message_analyses
      where workspace_id = ${ws}::uuid and created_at > ${new Date(now.getTime() - HOUR)} and created_at <= ${now}
        and ${metric.where}
      order by message_id desc limit 50
    `.execute(db);
    const baseline = history.reduce((a, b) => a + b, 0) / HISTORY_HOURS;
    const alert = { metric: metric.name, count: current, baseline, messageIds: messages.map((m) => m.message_id) };
    await runTransaction(ctx.database, async (tx) => {
      const id = uuidv7();
      await ai(tx)
        .insertInto("ai_alerts")
        .values({
          workspace_id: ws,
          id,
          metric: alert.metric,
          count: alert.count,
          baseline,
          message_ids: alert.messageIds,
          created_at: now,
        })
        .execute();
      await emitEvent(tx, { workspaceId: ws, type: "ai.spike-detected", payload: { alertId: id, ...alert } });
      await queueAlertDeliveries(ctx, tx, ws, id);
    });
    found.push(alert);
  }
  return found;
}
