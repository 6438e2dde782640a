/**
 * The bot at work on a case it controls. For each customer message (from the outbox, after ingest committed):
 * "talk to a human" in any language hands over; inside a flow, the message answers the waiting `ask` step;
 * otherwise the intent bot recognises it and, above the workspace's confidence threshold, answers (FAQ or the
 * intent's answer), starts the intent's flow or hands over; below it, the fallback answer, and after
 * `maxFallbacks` in a row a handover. An agent's public reply takes the case from the bot.
 */
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type OutboxEvent, runTransaction } from "../../../platform/outbox.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { type CaseActor, caseControl, findMessage, hasAgentReply, sendReply } from "../../conversations/index.ts";
import { findContactOrder } from "../../profiles/index.ts";
import { detectIntents, detectLanguage } from "../ai/analyze.ts";
import { handOver } from "./handover.ts";
import { workspaceBot } from "./models.ts";
import { recognize } from "./nlu.ts";
import {
  type BotSettings,
  bots,
  type FlowRow,
  findFlow,
  findIntentByName,
  findSession,
  getBotSettings,
  type SessionPatch,
  type SessionRow,
  saveSession,
} from "./repository.ts";
import { BOT_LANGS, type I18nText, type SettingsInput, type Step, textIn } from "./schemas.ts";

const settingsCache = new TtlCache<string, BotSettings>(5_000, 1000);

/** The workspace's bot settings (cached 5 s; dropped at once on this node when saved). */
export async function cachedBotSettings(db: Executor, ws: string): Promise<BotSettings> {
  return settingsCache.load(ws, () => getBotSettings(db, ws));
}

/** Forgets a workspace's cached settings (after a save). */
export const forgetBotSettings = (ws: string) => settingsCache.delete(ws);

/** Saves a workspace's bot settings (the settings API, the "bot first" scenario) and drops the cached copy. */
export async function saveBotSettings(db: Executor, ws: string, b: SettingsInput): Promise<void> {
  const values = {
    enabled: b.enabled,
    threshold: b.threshold,
    fallback_text: JSON.stringify(b.fallbackText ?? {}),
    handover_text: JSON.stringify(b.handoverText ?? {}),
    max_fallbacks: b.maxFallbacks,
    timeout_minutes: b.timeoutMinutes,
    handover_team_id: b.handoverTeamId ?? null,
    updated_at: new Date(),
  };
  await bots(db)
    .insertInto("bot_settings")
    .values({ workspace_id: ws, ...values })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet(values))
    .execute();
  forgetBotSettings(ws);
}

/** Steps run in one turn at most (flows are checked for cycles without an ask; this is a second fence). */
const MAX_STEPS = 50;

const ORDER_STATUS_WORDS: Record<string, Record<string, string>> = {
  en: { pending: "pending", paid: "paid", fulfilled: "shipped", cancelled: "cancelled", refunded: "refunded" },
  fr: { pending: "en attente", paid: "payée", fulfilled: "expédiée", cancelled: "annulée", refunded: "remboursée" },
  es: { pending: "pendiente", paid: "pagado", fulfilled: "enviado", cancelled: "cancelado", refunded: "reembolsado" },
  zh: { pending: "待付款", paid: "已付款", fulfilled: "已发货", cancelled: "已取消", refunded: "已退款" },
};

/** Replaces `{{slot}}` in a text with what was collected (nothing for an unknown slot). */
export function renderTemplate(text: string, slots: Record<string, string>): string {
  return text.replace(
    /\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\s*\}\}/gi,
    (_, name: string) => slots[name] ?? "",
  );
}

/** Everything a turn works with. */
type TurnState = {
  tx: Executor;
  actor: CaseActor;
  caseId: string;
  contactId: string;
  settings: BotSettings;
  lang: string;
  session: SessionPatch & { slots: Record<string, string> };
  /** The intent recognised in this message at or above the threshold (what `branch` steps test). */
  lastIntent: string | null;
  /** The message that started the flow in this turn (ask steps with `extract` look for their value in it). */
  opening?: string | undefined;
};

async function say(s: TurnState, text: I18nText) {
  const body = renderTemplate(textIn(text, s.lang), s.session.slots).trim();
  if (!body) return;
  try {
    await sendReply(s.tx, s.actor, s.caseId, { text: body });
  } catch (err) {
    // A closed reply window or a channel that refuses text: the turn goes on (its record tells what happened).
    if (!(err instanceof AppError)) throw err;
  }
}

async function handOverNow(s: TurnState, reason: string, teamId?: string | null, text?: I18nText) {
  await say(s, text ?? s.settings.handoverText);
  await saveSession(s.tx, s.actor.workspaceId, s.caseId, s.session);
  await handOver(s.tx, s.actor, s.caseId, { to: "agent", reason, teamId: teamId ?? s.settings.handoverTeamId });
}

const endFlow = (s: TurnState) =>
  Object.assign(s.session, { flow_id: null, step_id: null, flow_started_at: null, retries: 0, expires_at: null });

function branchTarget(step: Extract<Step, { type: "branch" }>, s: TurnState): string | undefined {
  for (const c of step.cases) {
    if (c.intent !== undefined && c.intent === s.lastIntent) return c.next;
    if (c.slot !== undefined) {
      const value = (s.session.slots[c.slot] ?? "").trim().toLowerCase();
      if (c.equals !== undefined && value === c.equals.trim().toLowerCase()) return c.next;
      if (c.matches !== undefined && new RegExp(c.matches, "iu").test(s.session.slots[c.slot] ?? "")) return c.next;
    }
  }
  return step.else;
}

/** Runs a flow from a step until it waits for the customer (ask), hands over or ends. */
async function runFlow(s: TurnState, flow: FlowRow, from: string | undefined): Promise<string> {
  const ws = s.actor.workspaceId;
  const byId = new Map(flow.steps.map((step) => [step.id, step]));
  let id = from;
  for (let n = 0; n < MAX_STEPS && id !== undefined; n++) {
    const step = byId.get(id);
    if (!step) break;
    switch (step.type) {
      case "ask": {
        const found = step.extract && s.opening ? new RegExp(step.extract, "iu").exec(s.opening)?.[0] : undefined;
        if (found && (!step.pattern || new RegExp(step.pattern, "iu").test(found))) {
          s.session.slots[step.slot] = found;
          id = step.next;
          break;
        }
        await say(s, step.prompt);
        Object.assign(s.session, {
          flow_id: flow.id,
          step_id: step.id,
          retries: 0,
          expires_at: new Date(Date.now() + s.settings.timeoutMinutes * 60_000),
        });
        await saveSession(s.tx, ws, s.caseId, s.session);
        return "ask";
      }
      case "lookup": {
        const order = await findContactOrder(s.tx, ws, s.contactId, s.session.slots[step.key] ?? "");
        if (order) {
          const words = ORDER_STATUS_WORDS[s.lang] ?? ORDER_STATUS_WORDS.en;
          for (const [field, value] of Object.entries(order))
            s.session.slots[`${step.into}.${field}`] = field === "status" ? (words?.[value] ?? value) : value;
        }
        id = order ? step.found : step.notFound;
        break;
      }
      case "answer":
        await say(s, step.text);
        id = step.next;
        break;
      case "branch":
        id = branchTarget(step, s);
        break;
      case "handover":
        endFlow(s);
        await handOverNow(s, step.reason ?? "flow", step.teamId, step.text);
        return "handover";
      case "end":
        if (step.text) await say(s, step.text);
        id = undefined;
        break;
    }
  }
  endFlow(s);
  await saveSession(s.tx, ws, s.caseId, s.session);
  return "flow_end";
}

/** Puts a case's customer into a flow at its start step (a rule's `start_flow`, an intent with a flow). */
async function enterFlow(s: TurnState, flow: FlowRow, opening: string | undefined): Promise<string> {
  Object.assign(s.session, { flow_id: flow.id, flow_started_at: new Date(), retries: 0, fallbacks: 0 });
  s.opening = opening;
  return runFlow(s, flow, flow.start);
}

async function answerToFlowStep(
  s: TurnState,
  flow: FlowRow,
  step: Extract<Step, { type: "ask" }>,
  text: string,
): Promise<string> {
  const value = text.trim();
  if (step.pattern && !new RegExp(step.pattern, "iu").test(value)) {
    const retries = (s.session.retries ?? 0) + 1;
    if (retries > step.maxRetries) {
      if (step.onFail) return runFlow(s, flow, step.onFail);
      endFlow(s);
      await handOverNow(s, "validation_failed");
      return "handover";
    }
    s.session.retries = retries;
    await say(s, step.retryPrompt ?? step.prompt);
    await saveSession(s.tx, s.actor.workspaceId, s.caseId, s.session);
    return "retry";
  }
  s.session.slots[step.slot] = value;
  return runFlow(s, flow, step.next);
}

async function sessionState(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  contactId: string,
  settings: BotSettings,
  lang: string,
  existing: SessionRow | undefined,
): Promise<TurnState> {
  return {
    tx,
    actor,
    caseId,
    contactId,
    settings,
    lang,
    lastIntent: null,
    session: {
      flow_id: existing?.flow_id ?? null,
      step_id: existing?.step_id ?? null,
      flow_started_at: existing?.flow_started_at ?? null,
      retries: existing?.retries ?? 0,
      fallbacks: existing?.fallbacks ?? 0,
      expires_at: existing?.expires_at ?? null,
      language: lang,
      slots: { ...(existing?.slots ?? {}) },
    },
  };
}

/**
 * Starts a flow on a case, putting it under bot control first (used by the rule action `start_flow`); runs
 * until the flow's first question. Refuses an unknown flow or a case in another workspace.
 */
export async function startFlow(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  flowId: string,
  options: { reason?: string; text?: string | undefined } = {},
): Promise<void> {
  const ws = actor.workspaceId;
  const flow = await findFlow(tx, ws, flowId);
  if (!flow) throw new AppError("conflict", "flow_not_found", "No such bot flow in this workspace (was it deleted?).");
  const c = await caseControl(tx, ws, caseId);
  if (!c) throw new AppError("not_found", "case_not_found", "No such case in your workspace.");
  if (c.control !== "bot") await handOver(tx, actor, caseId, { to: "bot", reason: options.reason ?? "rule" });
  const settings = await cachedBotSettings(tx, ws);
  const existing = await findSession(tx, ws, caseId);
  const detected = options.text ? detectLanguage(options.text) : "und";
  const lang = (BOT_LANGS as readonly string[]).includes(detected) ? detected : (existing?.language ?? "en");
  const s = await sessionState(tx, actor, caseId, c.contactId, settings, lang, existing);
  await enterFlow(s, flow, options.text);
}

/** Hands a case to agents (the rule action `handover`), with the bot's handover message when the bot had it. */
export async function handOverFromRule(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  input: { reason?: string | undefined; teamId?: string | undefined },
): Promise<void> {
  await handOver(tx, actor, caseId, { to: "agent", reason: input.reason ?? "rule", teamId: input.teamId });
}

async function takeFromBot(ctx: AppContext, ws: string, caseId: string, messageId: string) {
  const { db } = ctx.database;
  const c = await caseControl(db, ws, caseId);
  if (c?.control !== "bot") return;
  const m = await findMessage(db, ws, messageId);
  if (!m || m.private || (m.author_type !== "user" && m.author_type !== "token")) return;
  await runTransaction(ctx.database, (tx) =>
    handOver(tx, { type: m.author_type as "user" | "token", id: m.author_id, workspaceId: ws }, caseId, {
      to: "agent",
      reason: "agent_replied",
    }),
  );
}

/** The bot's handler of `message.created`: a turn for a customer message, or an agent taking the case over. */
export async function runBot(ctx: AppContext, event: OutboxEvent): Promise<void> {
  const p = event.payload as { caseId?: string; messageId?: string; direction?: string };
  if (!p.caseId || !p.messageId) return;
  const ws = event.workspaceId;
  const caseId = p.caseId;
  const messageId = p.messageId;
  if (p.direction === "outbound") return takeFromBot(ctx, ws, caseId, messageId);
  if (p.direction !== "inbound") return;
  const { db } = ctx.database;
  const settings = await cachedBotSettings(db, ws);
  const c = await caseControl(db, ws, caseId);
  if (!c || c.control === "agent" || c.status === "closed") return;
  // A bot that is on takes the cases no agent has written in yet; a case a rule gave it stays its own.
  if (c.control === null && (!settings.enabled || (await hasAgentReply(db, ws, caseId)))) return;
  const message = await findMessage(db, ws, messageId);
  if (message?.type !== "text" || !message.text.trim()) return;
  const existing = await findSession(db, ws, caseId);
  // A flow a rule started after this message arrived already answered it.
  if (existing?.flow_started_at && message.created_at < existing.flow_started_at) return;
  const model = await workspaceBot(db, ws);
  const recognition = await recognize(model, message.text, existing?.language);
  const actor: CaseActor = { type: "bot", id: null, workspaceId: ws };

  await runTransaction(ctx.database, async (tx) => {
    const claimed = await bots(tx)
      .insertInto("bot_turns")
      .values({ workspace_id: ws, message_id: messageId, case_id: caseId, action: "pending" })
      .onConflict((oc) => oc.columns(["workspace_id", "message_id"]).doNothing())
      .returning("message_id")
      .executeTakeFirst();
    if (!claimed) return;
    if (c.control === null) await handOver(tx, actor, caseId, { to: "bot", reason: "bot_first" });
    const lang = recognition.language ?? existing?.language ?? "en";
    const s = await sessionState(tx, actor, caseId, c.contactId, settings, lang, existing);
    const confident = recognition.intent !== null && recognition.score >= settings.threshold;
    s.lastIntent = confident ? recognition.intent : null;
    Object.assign(s.session, {
      last_intent: recognition.intent,
      last_score: recognition.score,
    });
    const turn = await decide(s, message.text, recognition.intent, confident, model.answers);
    await bots(tx)
      .updateTable("bot_turns")
      .set({ action: turn, intent: recognition.intent, score: recognition.score })
      .where("workspace_id", "=", ws)
      .where("message_id", "=", messageId)
      .execute();
  });
}

async function decide(
  s: TurnState,
  text: string,
  intent: string | null,
  confident: boolean,
  answers: Map<string, Partial<Record<string, string>>>,
): Promise<string> {
  const ws = s.actor.workspaceId;
  if (detectIntents(text).includes("human") || (confident && intent === "human")) {
    endFlow(s);
    await handOverNow(s, "customer_asked");
    return "handover";
  }
  if (s.session.flow_id) {
    const expired = s.session.expires_at && s.session.expires_at.getTime() < Date.now();
    const flow = expired ? undefined : await findFlow(s.tx, ws, s.session.flow_id);
    const step = flow?.steps.find((x) => x.id === s.session.step_id);
    if (flow && step?.type === "ask") return answerToFlowStep(s, flow, step, text);
    // Timed out, or the flow was deleted or changed under the customer: read the message afresh.
    endFlow(s);
  }
  if (!confident || !intent) {
    const fallbacks = (s.session.fallbacks ?? 0) + 1;
    if (fallbacks >= s.settings.maxFallbacks) {
      s.session.fallbacks = 0;
      await handOverNow(s, "low_confidence");
      return "handover";
    }
    s.session.fallbacks = fallbacks;
    await say(s, s.settings.fallbackText);
    await saveSession(s.tx, ws, s.caseId, s.session);
    return "fallback";
  }
  s.session.fallbacks = 0;
  const faq = answers.get(intent);
  if (faq) {
    await say(s, faq as I18nText);
    await saveSession(s.tx, ws, s.caseId, s.session);
    return "answer";
  }
  const row = await findIntentByName(s.tx, ws, intent);
  if (row?.flow_id) {
    const flow = await findFlow(s.tx, ws, row.flow_id);
    if (flow) return enterFlow(s, flow, text);
  }
  if (row?.answer) {
    await say(s, row.answer);
    await saveSession(s.tx, ws, s.caseId, s.session);
    return "answer";
  }
  if (row?.handover) {
    await handOverNow(s, "intent");
    return "handover";
  }
  await say(s, s.settings.fallbackText);
  await saveSession(s.tx, ws, s.caseId, s.session);
  return "fallback";
}
