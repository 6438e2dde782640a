import type { AppContext } from "../../platform/context.ts";
import { byWorkspace, type Dispatcher } from "../../platform/outbox.ts";
import { casesUnderBot } from "../conversations/index.ts";
import { defineAlertDeliveryJobs } from "./ai/alert-delivery.ts";
import { checkSpikes, SPIKE_JOB, SpikeJobData, scheduleSpikeCheck, watchesKeywords } from "./ai/spikes.ts";
import { ensureMessageAnalyses } from "./ai/store.ts";
import { cachedBotSettings, runBot } from "./bot/runtime.ts";
import { cachedHasMenus, menuOpenedBy, runKeywordMenu } from "./keyword-menus.ts";
import { runRules, runRulesBatch } from "./runner.ts";
import { planScheduledRuns, runScheduled, SCHEDULE_JOB, ScheduleJobData } from "./scheduled.ts";
import { defineActionJobs } from "./webhooks.ts";

/** Defines the spike-check job (smart alerts), the rules' scheduled runs, webhook calls and template sends. */
export function defineAutomationJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: SPIKE_JOB,
    schema: SpikeJobData,
    retryLimit: 2,
    handler: async (data) => void (await checkSpikes(ctx, data.workspaceId)),
  });
  ctx.jobs.define({
    name: SCHEDULE_JOB,
    schema: ScheduleJobData,
    retryLimit: 3,
    handler: (data, job) => runScheduled(ctx, data, job.id),
  });
  defineActionJobs(ctx);
  defineAlertDeliveryJobs(ctx);
}

/** The events rules react to (see dispatchOf in runner.ts). */
const RULE_EVENTS = [
  "message.created",
  "case.created",
  "case.updated",
  "sla.at-risk",
  "sla.breached",
  "contact.updated",
  "contact.event-recorded",
] as const;

/** Runs the rules on the events they listen to; plans scheduled runs; analyses every customer message (AI triage); runs the bot. */
export function subscribeAutomationHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  const { db } = ctx.database;
  // A batch's events read each workspace's rules (and whether it has keyword menus) once, from the caches. A
  // contact standing in a keyword menu answers it first: keyword rules and the bot then leave the message alone.
  // The bot answers after the rules, so a rule's handover or flow for this message takes precedence.
  dispatcher.onBatch("message.created", "automation.rules-on-message", (events) => {
    const withMenus = (ws: string) => cachedHasMenus(db, ws);
    // Where no rule, keyword menu or bot can hand a case to the bot, the bot has work only in the cases it holds
    // already: one read for the batch's cases instead of one per message (undefined: no such shortcut).
    const caseIds = byWorkspace(events, (event) => (event.payload as { caseId?: string }).caseId);
    const held = new Map<string, Promise<Set<string> | undefined>>();
    const heldByBot = (ws: string, rules: readonly { enabled: boolean }[]) => {
      let found = held.get(ws);
      if (!found) {
        found = (async () => {
          if (rules.some((r) => r.enabled) || (await withMenus(ws)) || (await cachedBotSettings(db, ws)).enabled) {
            return undefined;
          }
          return casesUnderBot(db, ws, caseIds.get(ws) ?? []);
        })();
        held.set(ws, found);
      }
      return found;
    };
    return runRulesBatch(ctx, events, async (event, rules) => {
      const ws = event.workspaceId;
      const answeredMenu = (await withMenus(ws)) && (await runKeywordMenu(ctx, event));
      await runRules(ctx, event, { rules, ...(answeredMenu ? { skipTriggers: ["keyword"] } : {}) });
      if (answeredMenu) return;
      const p = event.payload as { caseId?: string; messageId?: string; direction?: string };
      if (p.direction === "inbound" && p.caseId && p.messageId && (await withMenus(ws))) {
        if (await menuOpenedBy(db, ws, p.caseId, p.messageId)) return;
      }
      const bot = await heldByBot(ws, rules);
      if (bot && p.caseId && !bot.has(p.caseId)) return;
      await runBot(ctx, event);
    });
  });
  dispatcher.onBatch("case.created", "automation.rules-on-case", (events) => runRulesBatch(ctx, events));
  for (const type of RULE_EVENTS.slice(2))
    dispatcher.onBatch(type, `automation.rules-on-${type}`, (events) => runRulesBatch(ctx, events));
  dispatcher.on("case.updated", "automation.schedules-on-case", (event) => planScheduledRuns(ctx, event));
  dispatcher.on("message.created", "automation.schedules-on-message", (event) => planScheduledRuns(ctx, event));
  // Analysis first (a batch's customer messages together), then one spike check per workspace: a queue that is
  // down fails the delivery after the analyses are stored, and the retry finds them (one select) before
  // scheduling again.
  dispatcher.onBatch("message.created", "automation.ai-on-message", async (events) => {
    const inbound = byWorkspace(events, (event) => {
      const p = event.payload as { messageId?: string; direction?: string };
      return p.direction === "inbound" ? p.messageId : undefined;
    });
    for (const [ws, messageIds] of inbound) {
      const analyses = [...(await ensureMessageAnalyses(db, ws, messageIds)).values()];
      if (analyses.length === 0) continue;
      const counts = analyses.some((a) => a.sentiment === "negative" || a.category === "complaint");
      if (counts || (await watchesKeywords(db, ws))) await scheduleSpikeCheck(ctx, ws);
    }
  });
}
