import type { AppContext } from "../../platform/context.ts";
import type { Dispatcher } from "../../platform/outbox.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import { checkSpikes, getSpikeSettings, SPIKE_JOB, SpikeJobData, scheduleSpikeCheck } from "./ai/spikes.ts";
import { ensureMessageAnalysis } from "./ai/store.ts";
import { runRules } from "./runner.ts";

/** Defines the spike-check job (smart alerts). */
export function defineAutomationJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: SPIKE_JOB,
    schema: SpikeJobData,
    retryLimit: 2,
    handler: async (data) => void (await checkSpikes(ctx, data.workspaceId)),
  });
}

/** Whether a workspace watches keywords (then every message may count towards a spike). */
const watching = new TtlCache<string, boolean>(30_000, 10_000);

/** Runs the rules on customer messages and new cases; analyses every customer message (AI triage). */
export function subscribeAutomationHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  const { db } = ctx.database;
  dispatcher.on("message.created", "automation.rules-on-message", (event) => runRules(ctx, event));
  dispatcher.on("case.created", "automation.rules-on-case", (event) => runRules(ctx, event));
  dispatcher.on("message.created", "automation.ai-on-message", async (event) => {
    const p = event.payload as { messageId?: string; direction?: string };
    if (p.direction === "inbound" && p.messageId) await ensureMessageAnalysis(db, event.workspaceId, p.messageId);
  });
  // A separate handler: a queue that is down delays alerts, never the analysis.
  dispatcher.on("message.created", "automation.spike-check-on-message", async (event) => {
    const p = event.payload as { messageId?: string; direction?: string };
    if (p.direction !== "inbound" || !p.messageId) return;
    const analysis = await ensureMessageAnalysis(db, event.workspaceId, p.messageId);
    if (!analysis) return;
    let watches = watching.get(event.workspaceId);
    if (watches === undefined) {
      watches = (await getSpikeSettings(db, event.workspaceId)).watchedKeywords.length > 0;
      watching.set(event.workspaceId, watches);
    }
    if (watches || analysis.sentiment === "negative" || analysis.category === "complaint")
      await scheduleSpikeCheck(ctx, event.workspaceId);
  });
}
