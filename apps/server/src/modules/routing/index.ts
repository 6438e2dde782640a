// Public API of the routing module (pure core: business hours, SLA clocks, assignment engine).
// Each function carries its own one-sentence JSDoc in the file that defines it.

/** Types of the assignment engine: agents, cases, strategies, decisions, queue items and escalation rules. */
export type {
  AssignmentDecision,
  AssignmentOptions,
  AssignmentStrategy,
  EscalationResult,
  EscalationRule,
  Presence,
  QueuedCase,
  RoutableAgent,
  RoutableCase,
  SkillRequirement,
} from "./assignment.ts";
/** The assignment engine: choose an agent and explain why, order a queue, escalate a waiting case. */
export { chooseAgent, escalate, orderQueue } from "./assignment.ts";
/** Types of business-hours calendars and wall-clock times. */
export type {
  BusinessHoursCalendar,
  Holiday,
  OpenInterval,
  WallClock,
  Weekday,
  WeeklySchedule,
} from "./business-hours.ts";
/** Business-hours calendars: open/closed checks, business-time arithmetic, wall clock ↔ instant in a zone. */
export {
  ALWAYS_OPEN,
  addBusinessTime,
  businessTimeBetween,
  instantToWallClock,
  isAlwaysOpen,
  isOpen,
  nextOpenAt,
  openPeriodsBetween,
  validateCalendar,
  wallClockToInstant,
} from "./business-hours.ts";
/** The workspace's SLA policy as stored (the API's reading). */
export { getSlaPolicy } from "./repository.ts";
/** The routing API routes (settings, agents, presence, route now). */
export { registerRoutingRoutes } from "./routes.ts";
/** Types of SLA policies, case histories and evaluations. */
export type {
  CaseStatus,
  Priority,
  SlaCase,
  SlaEvaluation,
  SlaEvent,
  SlaPolicy,
  SlaState,
  SlaTargetMinutes,
  SlaTargetName,
  SlaTargetStatus,
} from "./sla.ts";
/** SLA clocks: evaluate every target of a policy for a case, and when a job should look again. */
export { evaluateSla, nextEvaluationAt, PRIORITIES, SLA_TARGETS } from "./sla.ts";
/** Sets the workspace's SLA policy; a case's SLA evaluation (stored on the case). */
export { evaluateCaseSla, putSlaPolicy } from "./use-cases/case-sla.ts";
/** Assigns one case now with the workspace's strategy; every member as the engine sees them. */
export { routableAgents, routeCase } from "./use-cases/route-case.ts";
/** The workspace's business-hours calendar (SLA clocks, web chat availability); undefined means always open. */
export { getBusinessHours } from "./use-cases/workspace-calendar.ts";
/** The SLA job, and the handlers that auto-assign new cases and keep SLA clocks current. */
export { defineRoutingJobs, subscribeRoutingHandlers } from "./wiring.ts";
