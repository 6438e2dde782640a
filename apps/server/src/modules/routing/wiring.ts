import type { AppContext } from "../../platform/context.ts";
import { byWorkspace, type Dispatcher, type OutboxEvent } from "../../platform/outbox.ts";
import { cachedSettings, cachedSlaPolicy } from "./repository.ts";
import { evaluateCaseSla, SLA_JOB, SlaJobData } from "./use-cases/case-sla.ts";
import { routeCase } from "./use-cases/route-case.ts";

/** Defines the SLA evaluation job: it runs when a warning or breach falls due (scheduled, not polled). */
export function defineRoutingJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: SLA_JOB,
    schema: SlaJobData,
    retryLimit: 3,
    handler: async (data) => void (await evaluateCaseSla(ctx, data.workspaceId, data.caseId)),
  });
}

/**
 * Auto-assigns new cases where the workspace turned it on (its settings read once a batch, cached 5 s);
 * idempotent (an assigned case is left alone).
 */
export function subscribeRoutingHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  dispatcher.onBatch("case.created", "routing.auto-assign", async (events) => {
    for (const [ws, caseIds] of byWorkspace(events, (event) => (event.payload as { caseId: string }).caseId)) {
      const settings = await cachedSettings(ctx.database.db, ws);
      if (!settings.auto_assign) continue;
      for (const caseId of caseIds) await routeCase(ctx, ws, caseId, settings);
    }
  });
  // SLA clocks move with the case's status, priority and messages; their own state change is skipped. A batch of
  // events reads each workspace's policy once (cached 5 s) and evaluates each case once, however many of its events
  // it holds.
  const evaluate = async (events: OutboxEvent[]) => {
    const casesByWorkspace = byWorkspace(events, (event) => {
      const { caseId, changed } = event.payload as { caseId: string; changed?: string[] };
      return changed?.length === 1 && changed[0] === "sla" ? undefined : caseId;
    });
    for (const [ws, cases] of casesByWorkspace) {
      const policy = (await cachedSlaPolicy(ctx.database.db, ws)) ?? null;
      if (!policy) continue;
      for (const caseId of cases) await evaluateCaseSla(ctx, ws, caseId, new Date(), policy);
    }
  };
  dispatcher.onBatch("case.created", "routing.sla-on-case-created", evaluate);
  dispatcher.onBatch("case.updated", "routing.sla-on-case-updated", evaluate);
  dispatcher.onBatch("message.created", "routing.sla-on-message-created", evaluate);
}
