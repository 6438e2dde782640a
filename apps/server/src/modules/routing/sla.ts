// SLA clocks as pure functions over a case's event list: which targets run, when they fall due,
// when to warn, and when a job should look again. No database, no timers.
import { AppError } from "../../platform/errors.ts";
import { ALWAYS_OPEN, addBusinessTime, type BusinessHoursCalendar, businessTimeBetween } from "./business-hours.ts";

export type Priority = "urgent" | "high" | "normal" | "low";

/** Priorities from most to least urgent. */
export const PRIORITIES: readonly Priority[] = ["urgent", "high", "normal", "low"];

export type CaseStatus = "open" | "pending" | "on-hold" | "solved" | "closed";

export type SlaTargetName = "firstResponse" | "nextResponse" | "periodicUpdate" | "resolution";

/** The SLA targets in the order they are reported. */
export const SLA_TARGETS: readonly SlaTargetName[] = ["firstResponse", "nextResponse", "periodicUpdate", "resolution"];

/** Target durations in minutes of open (business) time; a missing target is not measured. */
export type SlaTargetMinutes = Readonly<Partial<Record<SlaTargetName, number>>>;

export type SlaPolicy = {
  readonly name: string;
  readonly targets: Readonly<Partial<Record<Priority, SlaTargetMinutes>>>;
  /** Business hours the clocks count in; absent means 24/7. */
  readonly calendar?: BusinessHoursCalendar;
  /** Fraction of a target after which the target is "at risk" (default 0.8). */
  readonly warningThreshold?: number;
};

export type SlaEvent =
  | { readonly type: "status"; readonly at: Date; readonly status: CaseStatus }
  | { readonly type: "priority"; readonly at: Date; readonly priority: Priority }
  | {
      readonly type: "message";
      readonly at: Date;
      /** Bot and system messages neither start nor stop a clock. */
      readonly author: "customer" | "agent" | "bot";
      /** Private notes never answer a customer. */
      readonly isPrivate?: boolean;
    };

/** What the SLA clocks need to know about a case. */
export type SlaCase = {
  readonly createdAt: Date;
  readonly priority: Priority;
  /** Status at creation (default "open"). */
  readonly status?: CaseStatus;
  /** Status changes, priority changes and messages, in any order; ties keep their given order. */
  readonly events: readonly SlaEvent[];
};

export type SlaState = "active" | "paused" | "achieved" | "breached";

export type SlaTargetStatus = {
  readonly target: SlaTargetName;
  readonly state: SlaState;
  readonly targetMinutes: number;
  /** Start of the latest cycle (nextResponse and periodicUpdate run one cycle per exchange). */
  readonly startedAt: Date;
  /** When the latest cycle stopped, and why; null while it runs or is paused. */
  readonly stoppedAt: Date | null;
  readonly stoppedBy: "reply" | "resolution" | null;
  /** When the target falls (or fell) due; null while paused before it was due, or met before it. */
  readonly dueAt: Date | null;
  /** When the target crosses the warning threshold; null when it did not or cannot (paused). */
  readonly warningAt: Date | null;
  /** Past the warning threshold, not yet breached and not stopped. */
  readonly isWarning: boolean;
  /** Open time counted so far in the latest cycle, in ms. */
  readonly elapsedMs: number;
  /** Target minus elapsed, in ms of open time (negative once overdue). */
  readonly remainingMs: number;
  readonly breachedAt: Date | null;
  /** Cycles measured so far, and how many of them breached. */
  readonly cycles: number;
  readonly breaches: number;
};

export type SlaEvaluation = {
  readonly policy: string;
  readonly evaluatedAt: Date;
  readonly priority: Priority;
  readonly status: CaseStatus;
  readonly targets: readonly SlaTargetStatus[];
  /** When a job should evaluate again to raise the next warning or breach; null when nothing is pending. */
  readonly nextEvaluationAt: Date | null;
};

type Cycle = { start: number; end: number | null; stoppedBy: "reply" | "resolution" | null };
/** A stretch of time during which clocks run (status open); `end` is Infinity while still running. */
type Span = { start: number; end: number };

const MINUTE = 60_000;
const DEFAULT_WARNING_THRESHOLD = 0.8;

function isRunningStatus(status: CaseStatus): boolean {
  return status === "open";
}

function isResolvedStatus(status: CaseStatus): boolean {
  return status === "solved" || status === "closed";
}

/**
 * Evaluates every SLA target of a policy for a case at `now`. Clocks count only open business time
 * and only while the case is open: they pause while it is pending or on-hold; solving stops them.
 */
export function evaluateSla(policy: SlaPolicy, slaCase: SlaCase, now: Date): SlaEvaluation {
  const threshold = policy.warningThreshold ?? DEFAULT_WARNING_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new AppError("invalid", "invalid_warning_threshold", "An SLA warning threshold must be in (0, 1].");
  }
  const calendar = policy.calendar ?? ALWAYS_OPEN;
  const nowMs = now.getTime();
  const created = slaCase.createdAt.getTime();
  const events = slaCase.events
    .map((event, index) => ({ event, index, at: Math.max(event.at.getTime(), created) }))
    .filter((e) => e.at <= nowMs)
    .sort((a, b) => a.at - b.at || a.index - b.index);

  let status: CaseStatus = slaCase.status ?? "open";
  const priorities: { at: number; priority: Priority }[] = [{ at: created, priority: slaCase.priority }];
  const running: Span[] = [];
  let runningSince: number | null = isRunningStatus(status) ? created : null;

  let resolvedAt: number | null = isResolvedStatus(status) ? created : null;
  const first: Cycle = { start: created, end: null, stoppedBy: null };
  if (isResolvedStatus(status)) stop(first, created, "resolution");
  let hasAgentReplied = false;
  const next: Cycle[] = [];
  const periodic: Cycle[] = [];
  const stopLatest = (cycles: Cycle[], at: number, by: "reply" | "resolution") => {
    const last = cycles[cycles.length - 1];
    if (last) stop(last, at, by);
  };

  for (const { event, at } of events) {
    if (event.type === "priority") {
      priorities.push({ at, priority: event.priority });
    } else if (event.type === "status") {
      if (event.status === status) continue;
      const wasResolved = isResolvedStatus(status);
      status = event.status;
      if (isRunningStatus(status) && runningSince === null) runningSince = at;
      if (!isRunningStatus(status) && runningSince !== null) {
        if (at > runningSince) running.push({ start: runningSince, end: at });
        runningSince = null;
      }
      if (isResolvedStatus(status)) {
        if (!wasResolved) resolvedAt = at;
        stop(first, at, "resolution");
        stopLatest(next, at, "resolution");
        stopLatest(periodic, at, "resolution");
      } else {
        resolvedAt = null;
      }
    } else if (!event.isPrivate && event.author !== "bot") {
      if (event.author === "customer") {
        const last = next[next.length - 1];
        if (hasAgentReplied && (!last || last.end !== null)) next.push({ start: at, end: null, stoppedBy: null });
      } else {
        stop(first, at, "reply");
        hasAgentReplied = true;
        stopLatest(next, at, "reply");
        stopLatest(periodic, at, "reply");
        if (!isResolvedStatus(status)) periodic.push({ start: at, end: null, stoppedBy: null });
      }
    }
  }
  if (runningSince !== null) running.push({ start: runningSince, end: Number.POSITIVE_INFINITY });

  const priorityAt = (at: number): Priority => {
    let current = slaCase.priority;
    for (const p of priorities) if (p.at <= at) current = p.priority;
    return current;
  };
  const cyclesOf: Record<SlaTargetName, Cycle[]> = {
    firstResponse: [first],
    nextResponse: next,
    periodicUpdate: periodic,
    resolution: [{ start: created, end: resolvedAt, stoppedBy: resolvedAt === null ? null : "resolution" }],
  };

  const targets: SlaTargetStatus[] = [];
  for (const name of SLA_TARGETS) {
    let cycles = 0;
    let breaches = 0;
    let latest: SlaTargetStatus | null = null;
    for (const cycle of cyclesOf[name]) {
      const minutes = policy.targets[priorityAt(cycle.end ?? nowMs)]?.[name];
      if (minutes === undefined) continue;
      if (!(Number.isFinite(minutes) && minutes >= 0)) {
        throw new AppError("invalid", "invalid_sla_target", `SLA target ${name} must be a number of minutes ≥ 0.`);
      }
      const status = measureCycle(name, cycle, minutes, threshold, running, calendar, nowMs);
      cycles++;
      if (status.state === "breached") breaches++;
      latest = status;
    }
    if (latest) targets.push({ ...latest, cycles, breaches });
  }

  return {
    policy: policy.name,
    evaluatedAt: new Date(nowMs),
    priority: priorityAt(nowMs),
    status,
    targets,
    nextEvaluationAt: nextEvaluationAt(targets, now),
  };
}

function stop(cycle: Cycle, at: number, by: "reply" | "resolution"): void {
  if (cycle.end !== null) return;
  cycle.end = at;
  cycle.stoppedBy = by;
}

/** Where a cycle's clock ran: the running spans clipped to the cycle. */
function spansOf(cycle: Cycle, running: readonly Span[]): Span[] {
  const end = cycle.end ?? Number.POSITIVE_INFINITY;
  const out: Span[] = [];
  for (const span of running) {
    const start = Math.max(span.start, cycle.start);
    const stop = Math.min(span.end, end);
    if (stop > start) out.push({ start, end: stop });
  }
  return out;
}

/** The instant at which `amount` ms of open time has run in these spans, or null if it has not (yet). */
function instantAfter(calendar: BusinessHoursCalendar, spans: readonly Span[], amount: number): number | null {
  let left = amount;
  for (const span of spans) {
    if (span.end === Number.POSITIVE_INFINITY) return addBusinessTime(calendar, new Date(span.start), left).getTime();
    const length = businessTimeBetween(calendar, new Date(span.start), new Date(span.end));
    if (left <= length) return addBusinessTime(calendar, new Date(span.start), left).getTime();
    left -= length;
  }
  return null;
}

function measureCycle(
  target: SlaTargetName,
  cycle: Cycle,
  minutes: number,
  threshold: number,
  running: readonly Span[],
  calendar: BusinessHoursCalendar,
  nowMs: number,
): SlaTargetStatus {
  const spans = spansOf(cycle, running);
  const targetMs = minutes * MINUTE;
  let elapsedMs = 0;
  for (const span of spans) {
    if (span.start >= nowMs) break;
    elapsedMs += businessTimeBetween(calendar, new Date(span.start), new Date(Math.min(span.end, nowMs)));
  }
  const due = instantAfter(calendar, spans, targetMs);
  const warn = instantAfter(calendar, spans, targetMs * threshold);
  const isRunningNow = cycle.end === null && spans.some((s) => s.end === Number.POSITIVE_INFINITY);
  const isBreached = due !== null && (cycle.end === null ? due <= nowMs : due < cycle.end);
  const state: SlaState = isBreached
    ? "breached"
    : cycle.end !== null
      ? "achieved"
      : isRunningNow
        ? "active"
        : "paused";
  return {
    target,
    state,
    targetMinutes: minutes,
    startedAt: new Date(cycle.start),
    stoppedAt: cycle.end === null ? null : new Date(cycle.end),
    stoppedBy: cycle.stoppedBy,
    dueAt: due === null ? null : new Date(due),
    warningAt: warn === null ? null : new Date(warn),
    isWarning: cycle.end === null && !isBreached && warn !== null && warn <= nowMs,
    elapsedMs,
    remainingMs: targetMs - elapsedMs,
    breachedAt: isBreached && due !== null ? new Date(due) : null,
    cycles: 1,
    breaches: isBreached ? 1 : 0,
  };
}

/**
 * When a job should evaluate a case's SLA again: the earliest future warning or due time of a target
 * whose clock is running. Null when nothing can happen without a new event (all paused, stopped or breached).
 */
export function nextEvaluationAt(targets: readonly SlaTargetStatus[], now: Date): Date | null {
  const nowMs = now.getTime();
  let next = Number.POSITIVE_INFINITY;
  for (const t of targets) {
    if (t.state !== "active") continue;
    for (const at of [t.warningAt, t.dueAt]) {
      const ms = at?.getTime();
      if (ms !== undefined && ms > nowMs && ms < next) next = ms;
    }
  }
  return next === Number.POSITIVE_INFINITY ? null : new Date(next);
}
