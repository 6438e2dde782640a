/**
 * One trained bot per workspace, cached in the process. Its fingerprint (intents and FAQ: count and latest
 * change) is checked at most every CHECK_MS; a change — or `invalidateBot` after an edit here — schedules a
 * retraining DEBOUNCE_MS after the last change, while the previous model keeps answering. Only a workspace's very
 * first message waits for a training. Training happens in the worker's event handler, never in message ingest.
 */
import type { Executor } from "../../../platform/db.ts";
import { faqArticles, faqVersion } from "../../knowledge/index.ts";
import { type BotModel, type TrainingIntent, trainBotOffThread } from "./nlu.ts";
import { intentsVersion, listIntents } from "./repository.ts";
import type { BotLang } from "./schemas.ts";
import { BUILT_IN_INTENTS } from "./templates.ts";

const CHECK_MS = 5_000;
const DEBOUNCE_MS = 1_000;
const MAX_WORKSPACES = 500;

type Entry = {
  model?: BotModel | undefined;
  version: string;
  checkedAt: number;
  training?: Promise<BotModel> | undefined;
  timer?: NodeJS.Timeout | undefined;
};
const entries = new Map<string, Entry>();

/** A FAQ answer as a chat message: the article's text, cut at about 1,000 characters. */
const clip = (text: string) => (text.length > 1000 ? `${text.slice(0, 1000).replace(/\s+\S*$/, "")} …` : text);

/** The id under which a FAQ article is an intent. */
export const faqIntent = (articleId: string) => `faq:${articleId}`;

const versionOf = async (db: Executor, ws: string) => `${await intentsVersion(db, ws)}/${await faqVersion(db, ws)}`;

/** What a workspace's bot learns from: its intents, its FAQ articles' titles, the built-in intents. */
export async function trainingSet(db: Executor, ws: string): Promise<TrainingIntent[]> {
  const [intents, faq] = await Promise.all([listIntents(db, ws), faqArticles(db, ws)]);
  const own = new Set(intents.map((i) => i.name));
  return [
    ...intents.map((i) => ({ name: i.name, utterances: i.utterances })),
    ...faq.map((a) => {
      const lang = (l: string) => (l === "zh-CN" ? "zh" : l);
      return {
        name: faqIntent(a.id),
        utterances: Object.fromEntries(a.versions.map((v) => [lang(v.lang), [v.question]])) as Partial<
          Record<BotLang, string[]>
        >,
        answer: Object.fromEntries(a.versions.map((v) => [lang(v.lang), clip(v.answer)])) as Partial<
          Record<BotLang, string>
        >,
      };
    }),
    ...BUILT_IN_INTENTS.filter((i) => !own.has(i.name)),
  ];
}

async function train(db: Executor, ws: string, entry: Entry): Promise<BotModel> {
  if (entry.training) return entry.training;
  entry.training = (async () => {
    const version = await versionOf(db, ws);
    const model = await trainBotOffThread(await trainingSet(db, ws));
    entry.model = model;
    entry.version = version;
    entry.checkedAt = Date.now();
    return model;
  })().finally(() => {
    entry.training = undefined;
  });
  return entry.training;
}

function entryOf(ws: string): Entry {
  let entry = entries.get(ws);
  if (!entry) {
    if (entries.size >= MAX_WORKSPACES) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entry = { version: "", checkedAt: 0 };
    entries.set(ws, entry);
  }
  return entry;
}

function scheduleRetrain(db: Executor, ws: string, entry: Entry) {
  if (entry.timer) clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    entry.timer = undefined;
    train(db, ws, entry).catch(() => {
      entry.checkedAt = 0;
    });
  }, DEBOUNCE_MS);
  entry.timer.unref();
}

/** The workspace's trained bot (trained now only when it has none yet). */
export async function workspaceBot(db: Executor, ws: string, now = Date.now()): Promise<BotModel> {
  const entry = entryOf(ws);
  if (!entry.model) return train(db, ws, entry);
  if (now - entry.checkedAt >= CHECK_MS) {
    entry.checkedAt = now;
    if ((await versionOf(db, ws)) !== entry.version) scheduleRetrain(db, ws, entry);
  }
  return entry.model;
}

/** Marks a workspace's bot as changed (an intent was edited): it retrains shortly, debounced. */
export function invalidateBot(db: Executor, ws: string): void {
  const entry = entries.get(ws);
  if (entry?.model) scheduleRetrain(db, ws, entry);
  else entries.delete(ws);
}

/** Trains a workspace's bot now and waits for it (tests, and the "train now" API). */
export async function retrainBot(db: Executor, ws: string): Promise<BotModel> {
  const entry = entryOf(ws);
  if (entry.timer) clearTimeout(entry.timer);
  entry.timer = undefined;
  if (entry.training) await entry.training.catch(() => undefined);
  return train(db, ws, entry);
}
