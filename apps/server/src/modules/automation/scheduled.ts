/**
 * Scheduled rules, as pg-boss jobs (no polling): `schedule.cron` runs over the workspace's unsolved cases at
 * each cron instant (the next run is enqueued by the current one, keyed by rule version and instant);
 * `schedule.after-solved` runs N hours after a case is solved if it still is; `schedule.no-reply` runs N hours
 * after the case's last message if the customer has not written since. Job ids come from jobIdFor, so a
 * redelivered event or a second scheduler enqueues once.
 */
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { jobIdFor } from "../../platform/jobs.ts";
import type { OutboxEvent } from "../../platform/outbox.ts";
import { recentCasesWithFirstMessage } from "../conversations/index.ts";
import { cachedRules, findRule, type RuleRow, runsSince } from "./repository.ts";
import { compileRule } from "./rules.ts";
import { executeRules, gatherFacts } from "./runner.ts";
import { nextCronAt } from "./schedule.ts";

export const SCHEDULE_JOB = "automation.scheduled-rule";

export const ScheduleJobData = z.strictObject({
  workspaceId: z.uuid(),
  ruleId: z.uuid(),
  kind: z.enum(["cron", "after-solved", "no-reply"]),
  /** The rule's version (updated_at, ms) the job was planned for: a changed rule ignores old jobs. */
  version: z.number().optional(),
  caseId: z.uuid().optional(),
  at: z.string(),
});
export type ScheduleJobData = z.infer<typeof ScheduleJobData>;

/** Enqueues the next run of a cron rule (after `after`); nothing for other rules or a disabled one. */
export async function scheduleCron(ctx: AppContext, rule: RuleRow, after = new Date()): Promise<void> {
  const cron = rule.trigger_config?.schedule?.cron;
  if (rule.trigger !== "schedule.cron" || !rule.enabled || !cron) return;
  const at = nextCronAt(cron, after);
  if (!at) return;
  const version = rule.updated_at.getTime();
  await ctx.jobs.send(
    SCHEDULE_JOB,
    { workspaceId: rule.workspace_id, ruleId: rule.id, kind: "cron", version, at: at.toISOString() },
    { startAfter: at, id: jobIdFor(`cron:${rule.id}:${version}:${at.toISOString()}`) },
  );
}

/** On a solved case or an outbound message: enqueues the after-solved and no-reply runs of the rules that want them. */
export async function planScheduledRuns(ctx: AppContext, event: OutboxEvent): Promise<void> {
  const p = (event.payload ?? {}) as { caseId?: string; changed?: unknown; direction?: string; messageId?: string };
  if (!p.caseId) return;
  const ws = event.workspaceId;
  let kind: "after-solved" | "no-reply";
  if (event.type === "case.updated" && Array.isArray(p.changed) && p.changed.includes("status")) kind = "after-solved";
  else if (event.type === "message.created" && p.direction === "outbound") kind = "no-reply";
  else return;
  const trigger = kind === "after-solved" ? "schedule.after-solved" : "schedule.no-reply";
  const rules = (await cachedRules(ctx.database.db, ws)).filter((r) => r.enabled && r.trigger === trigger);
  if (rules.length === 0) return;
  if (kind === "after-solved") {
    const facts = await gatherFacts(ctx, ws, [], { caseId: p.caseId });
    if (facts?.facts.case.status !== "solved") return;
  }
  for (const rule of rules) {
    const hours = rule.trigger_config?.schedule?.hours ?? 24;
    const at = new Date(event.createdAt.getTime() + hours * 3_600_000);
    await ctx.jobs.send(
      SCHEDULE_JOB,
      { workspaceId: ws, ruleId: rule.id, kind, caseId: p.caseId, at: event.createdAt.toISOString() },
      { startAfter: at, id: jobIdFor(`${kind}:${rule.id}:${event.id}`) },
    );
  }
}

/** Runs one scheduled job: re-checks that the rule and the case still qualify, then runs the rule. */
export async function runScheduled(ctx: AppContext, data: ScheduleJobData, jobId: string): Promise<void> {
  const ws = data.workspaceId;
  const rule = await findRule(ctx.database.db, ws, data.ruleId);
  if (!rule?.enabled) return;
  const compiled = compileRule({ trigger: rule.trigger, ...(rule.conditions ? { conditions: rule.conditions } : {}) });
  if (data.kind === "cron") {
    if (rule.updated_at.getTime() !== data.version) return;
    const cases = (await recentCasesWithFirstMessage(ctx.database.db, ws, 1000)).filter(
      (c) => c.status !== "solved" && c.status !== "closed",
    );
    for (const c of cases) {
      const gathered = await gatherFacts(ctx, ws, [rule], { caseId: c.id });
      if (!gathered || !compiled.matches(gathered.facts)) continue;
      await executeRules(ctx, ws, [rule], gathered.facts, {
        eventId: jobIdFor(`${jobId}:${c.id}`),
        caseId: c.id,
        contactId: gathered.contactId,
        externalThreadId: gathered.externalThreadId,
        createdByRule: gathered.createdByRule,
      });
    }
    await scheduleCron(ctx, rule, new Date(data.at));
    return;
  }
  if (!data.caseId) return;
  const gathered = await gatherFacts(ctx, ws, [rule], { caseId: data.caseId });
  if (!gathered) return;
  const hours = rule.trigger_config?.schedule?.hours ?? 24;
  const c = gathered.facts.case;
  if (data.kind === "after-solved" && c.status !== "solved") return;
  if (data.kind === "no-reply") {
    // Only the run planned after the case's last message fires; the customer must not have written since;
    // and once per silence: the rule's own nudge does not plan another one (no reminder every N hours).
    const quiet = (h: number | undefined) => h === undefined || h >= hours - 0.01;
    if (!quiet(c.hoursSinceLastMessage) || !quiet(c.hoursSinceLastCustomerMessage)) return;
    const silentSince = new Date(Date.now() - (c.hoursSinceLastCustomerMessage ?? 24 * 365) * 3_600_000);
    if ((await runsSince(ctx.database.db, ws, rule.id, data.caseId, silentSince)) > 0) return;
  }
  if (!compiled.matches(gathered.facts)) return;
  await executeRules(ctx, ws, [rule], gathered.facts, {
    eventId: jobId,
    caseId: data.caseId,
    contactId: gathered.contactId,
    externalThreadId: gathered.externalThreadId,
    createdByRule: gathered.createdByRule,
  });
}
