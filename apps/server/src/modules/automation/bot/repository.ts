import { type Generated, type Selectable, sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import type { I18nText, IntentInput, Step } from "./schemas.ts";

/** The tables of bots and handover. */
export type BotTables = {
  bot_settings: {
    workspace_id: string;
    enabled: boolean;
    threshold: number;
    fallback_text: unknown;
    handover_text: unknown;
    max_fallbacks: number;
    timeout_minutes: number;
    handover_team_id: string | null;
    updated_at: Generated<Date>;
  };
  bot_intents: {
    workspace_id: string;
    id: string;
    name: string;
    utterances: unknown;
    answer: unknown;
    flow_id: string | null;
    handover: boolean;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  bot_flows: {
    workspace_id: string;
    id: string;
    name: string;
    start: string;
    steps: unknown;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  bot_sessions: {
    workspace_id: string;
    case_id: string;
    flow_id: string | null;
    step_id: string | null;
    flow_started_at: Date | null;
    retries: Generated<number>;
    fallbacks: Generated<number>;
    slots: unknown;
    language: string | null;
    last_intent: string | null;
    last_score: number | null;
    expires_at: Date | null;
    updated_at: Generated<Date>;
  };
  bot_turns: {
    workspace_id: string;
    message_id: string;
    case_id: string;
    intent: string | null;
    score: number | null;
    action: string;
    created_at: Generated<Date>;
  };
};

export type IntentRow = Omit<Selectable<BotTables["bot_intents"]>, "utterances" | "answer"> & {
  utterances: IntentInput["utterances"];
  answer: I18nText | null;
};
export type FlowRow = Omit<Selectable<BotTables["bot_flows"]>, "steps"> & { steps: Step[] };
export type SessionRow = Omit<Selectable<BotTables["bot_sessions"]>, "slots"> & { slots: Record<string, string> };

/** A workspace's bot settings (the defaults when never saved). */
export type BotSettings = {
  enabled: boolean;
  threshold: number;
  fallbackText: I18nText;
  handoverText: I18nText;
  maxFallbacks: number;
  timeoutMinutes: number;
  handoverTeamId: string | null;
};

export const DEFAULT_SETTINGS: BotSettings = {
  enabled: false,
  threshold: 0.7,
  fallbackText: {
    en: "Sorry, I didn't understand. Could you rephrase? You can also ask for a human.",
    fr: "Désolé, je n'ai pas compris. Pouvez-vous reformuler ? Vous pouvez aussi demander un humain.",
    es: "Lo siento, no he entendido. ¿Puede reformularlo? También puede pedir hablar con una persona.",
    zh: "抱歉，我没有理解。可以换个说法吗？您也可以输入“人工”。",
  },
  handoverText: {
    en: "I'm passing you to a colleague, who will answer here shortly.",
    fr: "Je vous passe un collègue, qui vous répondra ici très vite.",
    es: "Le paso con un compañero, que le responderá aquí en breve.",
    zh: "正在为您转接人工客服，请稍候。",
  },
  maxFallbacks: 2,
  timeoutMinutes: 30,
  handoverTeamId: null,
};

export const bots = (db: Executor) => db.withTables<BotTables>();

const isEmpty = (v: unknown) => v === null || (typeof v === "object" && Object.keys(v as object).length === 0);

export async function getBotSettings(db: Executor, ws: string): Promise<BotSettings> {
  const row = await bots(db).selectFrom("bot_settings").selectAll().where("workspace_id", "=", ws).executeTakeFirst();
  if (!row) return DEFAULT_SETTINGS;
  return {
    enabled: row.enabled,
    threshold: row.threshold,
    fallbackText: isEmpty(row.fallback_text) ? DEFAULT_SETTINGS.fallbackText : (row.fallback_text as I18nText),
    handoverText: isEmpty(row.handover_text) ? DEFAULT_SETTINGS.handoverText : (row.handover_text as I18nText),
    maxFallbacks: row.max_fallbacks,
    timeoutMinutes: row.timeout_minutes,
    handoverTeamId: row.handover_team_id,
  };
}

export function listIntents(db: Executor, ws: string) {
  return bots(db)
    .selectFrom("bot_intents")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("name")
    .execute() as Promise<IntentRow[]>;
}

export function findIntentByName(db: Executor, ws: string, name: string) {
  return bots(db)
    .selectFrom("bot_intents")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("name", "=", name)
    .executeTakeFirst() as Promise<IntentRow | undefined>;
}

export function listFlows(db: Executor, ws: string) {
  return bots(db)
    .selectFrom("bot_flows")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("name")
    .execute() as Promise<FlowRow[]>;
}

export function findFlow(db: Executor, ws: string, id: string) {
  return bots(db)
    .selectFrom("bot_flows")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst() as Promise<FlowRow | undefined>;
}

/** A fingerprint of the workspace's intents (count, latest change): the bot retrains when it changes. */
export async function intentsVersion(db: Executor, ws: string): Promise<string> {
  const row = await bots(db)
    .selectFrom("bot_intents")
    .select([sql<number>`count(*)::int`.as("n"), sql<string | null>`max(updated_at)::text`.as("latest")])
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return `${row?.n ?? 0}|${row?.latest ?? ""}`;
}

export function findSession(db: Executor, ws: string, caseId: string) {
  return bots(db)
    .selectFrom("bot_sessions")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .executeTakeFirst() as Promise<SessionRow | undefined>;
}

export type SessionPatch = Partial<Omit<SessionRow, "workspace_id" | "case_id" | "updated_at">>;

/** Creates or changes the bot's state on a case. */
export async function saveSession(db: Executor, ws: string, caseId: string, patch: SessionPatch) {
  const values = { ...patch, ...(patch.slots ? { slots: JSON.stringify(patch.slots) } : {}), updated_at: new Date() };
  await bots(db)
    .insertInto("bot_sessions")
    .values({ workspace_id: ws, case_id: caseId, slots: "{}", ...values })
    .onConflict((oc) => oc.columns(["workspace_id", "case_id"]).doUpdateSet(values))
    .execute();
}
