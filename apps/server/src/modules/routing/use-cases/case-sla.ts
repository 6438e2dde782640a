import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { jobIdFor } from "../../../platform/jobs.ts";
import { emitEvent, runTransaction } from "../../../platform/outbox.ts";
import { setCaseSla, slaHistory } from "../../conversations/index.ts";
import type { BusinessHoursCalendar } from "../business-hours.ts";
import { cachedSlaPolicy, forgetSlaPolicy, q } from "../repository.ts";
import {
  type CaseStatus,
  evaluateSla,
  type Priority,
  type SlaEvaluation,
  type SlaEvent,
  type SlaPolicy,
} from "../sla.ts";
import { CalendarBody, storeBusinessHours } from "./workspace-calendar.ts";

export const SLA_JOB = "sla.evaluate";
export const SlaJobData = z.strictObject({ workspaceId: z.uuid(), caseId: z.uuid() });

const Minutes = z.number().int().min(1).max(525_600);
const Targets = z.strictObject({
  firstResponse: Minutes.optional(),
  nextResponse: Minutes.optional(),
  periodicUpdate: Minutes.optional(),
  resolution: Minutes.optional(),
});
export const SlaPolicyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  targets: z.strictObject({
    urgent: Targets.optional(),
    high: Targets.optional(),
    normal: Targets.optional(),
    low: Targets.optional(),
  }),
  /** The workspace's business hours (kept in their own row, shared with web chat); omitted: left as they are. */
  calendar: CalendarBody.nullable().optional(),
  warningThreshold: z.number().gt(0).lte(1).optional(),
});
export type SlaPolicyInput = z.infer<typeof SlaPolicyBody>;

/**
 * Sets the workspace's SLA policy; a `calendar` in it sets (null: removes) the workspace's business hours. Drops
 * the cached policy (a caller in a transaction drops it again after the commit: forgetSlaPolicy).
 */
export async function putSlaPolicy(db: Executor, ws: string, input: SlaPolicyInput): Promise<void> {
  if (input.calendar !== undefined) await storeBusinessHours(db, ws, input.calendar as BusinessHoursCalendar | null);
  const values = {
    name: input.name,
    targets: JSON.stringify(input.targets),
    calendar: null,
    warning_threshold: input.warningThreshold ?? 0.8,
    updated_at: new Date(),
  };
  await q(db)
    .insertInto("sla_policies")
    .values({ workspace_id: ws, ...values })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet(values))
    .execute();
  forgetSlaPolicy(ws);
}

type Change = { from: unknown; to: unknown };

/**
 * Re-evaluates a case's SLA clocks from its history, stores the state on the case, raises `sla.at-risk`
 * / `sla.breached` when the state worsens, and schedules the next evaluation as a job (no polling).
 */
export async function evaluateCaseSla(
  ctx: AppContext,
  ws: string,
  caseId: string,
  now = new Date(),
  /** The workspace's policy when the caller read it already (null: it has none). */
  known?: SlaPolicy | null,
) {
  const { db } = ctx.database;
  // Most workspaces without a policy: no history read on every message.
  const policy = known === undefined ? await cachedSlaPolicy(db, ws) : (known ?? undefined);
  if (!policy) return undefined;
  const history = await slaHistory(db, ws, caseId);
  if (!history || history.case.merged_into) return undefined;
  const events: SlaEvent[] = [];
  let initialPriority: Priority | undefined;
  let initialStatus: CaseStatus | undefined;
  for (const c of history.changes) {
    if (c.action === "case.reopened") {
      events.push({ type: "status", at: c.created_at, status: "open" });
      continue;
    }
    const changes = ((c.details as { changes?: Record<string, Change> }).changes ?? {}) as Record<string, Change>;
    if (changes.status) {
      initialStatus ??= changes.status.from as CaseStatus;
      events.push({ type: "status", at: c.created_at, status: changes.status.to as CaseStatus });
    }
    if (changes.priority) {
      initialPriority ??= changes.priority.from as Priority;
      events.push({ type: "priority", at: c.created_at, priority: changes.priority.to as Priority });
    }
  }
  for (const m of history.messages) {
    const author = m.direction === "inbound" ? "customer" : m.author_type === "bot" ? "bot" : "agent";
    if (m.author_type === "system") continue;
    events.push({ type: "message", at: m.created_at, author, isPrivate: m.private });
  }
  const evaluation = evaluateSla(
    policy,
    {
      createdAt: history.case.created_at,
      priority: initialPriority ?? history.case.priority,
      status: initialStatus ?? "open",
      events,
    },
    now,
  );
  const state = stateOf(evaluation);
  const dueAt = earliest(evaluation.targets.filter((t) => t.state === "active").map((t) => t.dueAt));
  const detail = {
    policy: evaluation.policy,
    evaluatedAt: evaluation.evaluatedAt.toISOString(),
    targets: evaluation.targets.map((t) => ({
      target: t.target,
      state: t.state,
      dueAt: t.dueAt?.toISOString() ?? null,
      warning: t.isWarning,
      breachedAt: t.breachedAt?.toISOString() ?? null,
      remainingMs: t.remainingMs,
    })),
  };
  await runTransaction(ctx.database, async (tx) => {
    const result = await setCaseSla(tx, ws, caseId, { state, dueAt, detail });
    const from = result?.changedFrom ?? null;
    if (state !== from && (state === "warning" || state === "breached")) {
      await emitEvent(tx, {
        workspaceId: ws,
        type: state === "breached" ? "sla.breached" : "sla.at-risk",
        payload: {
          caseId,
          targets: detail.targets.filter((t) => (state === "breached" ? t.breachedAt : t.warning)).map((t) => t.target),
        },
      });
    }
  });
  if (evaluation.nextEvaluationAt) {
    // Every message re-evaluates; the job id keeps one job per case and due time.
    const at = evaluation.nextEvaluationAt;
    await ctx.jobs.send(
      SLA_JOB,
      { workspaceId: ws, caseId },
      { startAfter: at, id: jobIdFor(`${caseId}@${at.toISOString()}`) },
    );
  }
  return { state, dueAt, evaluation };
}

function stateOf(e: SlaEvaluation): "ok" | "warning" | "breached" {
  const running = e.targets.filter((t) => t.state === "active" || t.state === "paused" || t.state === "breached");
  if (e.targets.some((t) => t.state === "breached")) return "breached";
  if (running.some((t) => t.isWarning)) return "warning";
  return "ok";
}

function earliest(dates: (Date | null)[]): Date | null {
  let min: Date | null = null;
  for (const d of dates) if (d && (!min || d < min)) min = d;
  return min;
}
