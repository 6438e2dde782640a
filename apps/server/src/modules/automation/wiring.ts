import type { AppContext } from "../../platform/context.ts";
import type { Dispatcher } from "../../platform/outbox.ts";
import { defineAlertDeliveryJobs } from "./ai/alert-delivery.ts";
import { checkSpikes, SPIKE_JOB, SpikeJobData, scheduleSpikeCheck, watchesKeywords } from "./ai/spikes.ts";
import { ensureMessageAnalysis } from "./ai/store.ts";
import { runBot } from "./bot/runtime.ts";
import { menuOpenedBy, runKeywordMenu } from "./keyword-menus.ts";
import { runRules } from "./runner.ts";
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
  // The bot answers after the rules, so a rule's handover or flow for this message takes precedence.
  // A contact standing in a keyword menu answers it first: keyword rules and the bot then leave the message alone.
  dispatcher.on("message.created", "automation.rules-on-message", async (event) => {
    const answeredMenu = await runKeywordMenu(ctx, event);
    await runRules(ctx, event, answeredMenu ? { skipTriggers: ["keyword"] } : {});
    if (answeredMenu) return;
    const p = event.payload as { caseId?: string; messageId?: string; direction?: string };
    if (
      p.direction === "inbound" &&
      p.caseId &&
      p.messageId &&
      (await menuOpenedBy(db, event.workspaceId, p.caseId, p.messageId))
    )
      return;
    await runBot(ctx, event);
  });
  dispatcher.on("case.created", "automation.rules-on-case", (event) => runRules(ctx, event));
  for (const type of RULE_EVENTS.slice(2))
    dispatcher.on(type, `automation.rules-on-${type}`, (event) => runRules(ctx, event));
  dispatcher.on("case.updated", "automation.schedules-on-case", (event) => planScheduledRuns(ctx, event));
  dispatcher.on("message.created", "automation.schedules-on-message", (event) => planScheduledRuns(ctx, event));
  // Analysis first, then the spike check: a queue that is down fails the delivery after the analysis is
  // stored, and the retry finds it (one select) before scheduling again.
  dispatcher.on("message.created", "automation.ai-on-message", async (event) => {
    const p = event.payload as { messageId?: string; direction?: string };
    if (p.direction !== "inbound" || !p.messageId) return;
    const analysis = await ensureMessageAnalysis(db, event.workspaceId, p.messageId);
    if (!analysis) return;
    const counts = analysis.sentiment === "negative" || analysis.category === "complaint";
    if (counts || (await watchesKeywords(db, event.workspaceId))) await scheduleSpikeCheck(ctx, event.workspaceId);
  });
}
