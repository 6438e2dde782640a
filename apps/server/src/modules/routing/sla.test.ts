import { describe, expect, it } from "vitest";
import { type BusinessHoursCalendar, wallClockToInstant } from "./business-hours.ts";
import {
  type CaseStatus,
  evaluateSla,
  nextEvaluationAt,
  type Priority,
  type SlaCase,
  type SlaEvent,
  type SlaPolicy,
  type SlaTargetName,
  type SlaTargetStatus,
} from "./sla.ts";

const M = 60_000;
const H = 60 * M;
/** Monday 2026-03-23 09:00 in Paris. */
const T0 = Date.parse("2026-03-23T08:00:00Z");
/** An instant `minutes` after T0. */
const t = (minutes: number) => new Date(T0 + minutes * M);

const TARGETS = {
  urgent: { firstResponse: 30, nextResponse: 60, periodicUpdate: 120, resolution: 240 },
  high: { firstResponse: 45, nextResponse: 90, periodicUpdate: 180, resolution: 480 },
  normal: { firstResponse: 60, nextResponse: 120, periodicUpdate: 240, resolution: 600 },
  low: { firstResponse: 480 },
} as const;
const allDay: SlaPolicy = { name: "24/7", targets: TARGETS };

const OFFICE = [{ start: "09:00", end: "17:00" }];
const parisOffice: BusinessHoursCalendar = {
  timeZone: "Europe/Paris",
  weekly: { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE },
  holidays: [{ date: "2026-04-06", name: "Lundi de Pâques" }],
};
const office: SlaPolicy = { name: "office hours", targets: TARGETS, calendar: parisOffice };
const paris = (month: number, day: number, hour: number, minute = 0) =>
  wallClockToInstant("Europe/Paris", { year: 2026, month, day, hour, minute });

const status = (minutes: number, s: CaseStatus): SlaEvent => ({ type: "status", at: t(minutes), status: s });
const customer = (minutes: number): SlaEvent => ({ type: "message", at: t(minutes), author: "customer" });
const agent = (minutes: number): SlaEvent => ({ type: "message", at: t(minutes), author: "agent" });
const note = (minutes: number): SlaEvent => ({ type: "message", at: t(minutes), author: "agent", isPrivate: true });
const priority = (minutes: number, p: Priority): SlaEvent => ({ type: "priority", at: t(minutes), priority: p });
const normalCase = (events: SlaEvent[], overrides: Partial<SlaCase> = {}): SlaCase => ({
  createdAt: t(0),
  priority: "normal",
  events,
  ...overrides,
});

type Expected = Partial<{
  state: SlaTargetStatus["state"];
  dueAt: Date | null;
  warningAt: Date | null;
  isWarning: boolean;
  breachedAt: Date | null;
  stoppedAt: Date | null;
  stoppedBy: SlaTargetStatus["stoppedBy"];
  startedAt: Date;
  elapsedMs: number;
  remainingMs: number;
  targetMinutes: number;
  cycles: number;
  breaches: number;
}>;

function byTarget(targets: readonly SlaTargetStatus[]): Partial<Record<SlaTargetName, SlaTargetStatus>> {
  return Object.fromEntries(targets.map((s) => [s.target, s]));
}

describe("evaluateSla", () => {
  it.each<[string, SlaPolicy, SlaCase, Date, Partial<Record<SlaTargetName, Expected | undefined>>]>([
    [
      "a new case runs first response and resolution, warning at 80 %",
      allDay,
      normalCase([]),
      t(30),
      {
        firstResponse: { state: "active", dueAt: t(60), warningAt: t(48), isWarning: false, remainingMs: 30 * M },
        resolution: { state: "active", dueAt: t(600), warningAt: t(480) },
        nextResponse: undefined,
        periodicUpdate: undefined,
      },
    ],
    [
      "past the warning threshold the target is at risk",
      allDay,
      normalCase([]),
      t(50),
      { firstResponse: { state: "active", isWarning: true, remainingMs: 10 * M } },
    ],
    [
      "an agent reply in time achieves first response and starts the periodic-update clock",
      allDay,
      normalCase([agent(40)]),
      t(45),
      {
        firstResponse: { state: "achieved", stoppedAt: t(40), stoppedBy: "reply", dueAt: null, elapsedMs: 40 * M },
        periodicUpdate: { state: "active", startedAt: t(40), dueAt: t(280) },
      },
    ],
    [
      "a reply exactly at the due time is in time",
      allDay,
      normalCase([agent(60)]),
      t(61),
      { firstResponse: { state: "achieved", breachedAt: null } },
    ],
    [
      "a late reply leaves first response breached",
      allDay,
      normalCase([agent(70)]),
      t(80),
      { firstResponse: { state: "breached", breachedAt: t(60), stoppedAt: t(70), remainingMs: -10 * M, breaches: 1 } },
    ],
    [
      "without a reply the running target breaches at its due time",
      allDay,
      normalCase([]),
      t(75),
      { firstResponse: { state: "breached", breachedAt: t(60), dueAt: t(60), remainingMs: -15 * M, isWarning: false } },
    ],
    [
      "a private note is not a reply",
      allDay,
      normalCase([note(10)]),
      t(20),
      { firstResponse: { state: "active", dueAt: t(60) }, periodicUpdate: undefined },
    ],
    [
      "a bot message is neither a reply nor a customer message",
      allDay,
      normalCase([
        { type: "message", at: t(5), author: "bot" },
        agent(10),
        { type: "message", at: t(20), author: "bot" },
      ]),
      t(30),
      {
        firstResponse: { state: "achieved", stoppedAt: t(10) },
        nextResponse: undefined,
        periodicUpdate: { startedAt: t(10), cycles: 1 },
      },
    ],
    [
      "pending pauses the clock and open resumes it",
      allDay,
      normalCase([status(20, "pending"), status(80, "open")]),
      t(100),
      {
        firstResponse: { state: "active", dueAt: t(120), elapsedMs: 40 * M, remainingMs: 20 * M },
        resolution: { state: "active", dueAt: t(660) },
      },
    ],
    [
      "while pending the clocks are paused with no due time",
      allDay,
      normalCase([status(20, "pending")]),
      t(200),
      {
        firstResponse: { state: "paused", dueAt: null, warningAt: null, elapsedMs: 20 * M, remainingMs: 40 * M },
        resolution: { state: "paused", dueAt: null },
      },
    ],
    [
      "on-hold pauses too, and a reached warning stays visible",
      allDay,
      normalCase([status(50, "on-hold")]),
      t(300),
      { firstResponse: { state: "paused", warningAt: t(48), isWarning: true, dueAt: null, elapsedMs: 50 * M } },
    ],
    [
      "a case created pending does not run until opened",
      allDay,
      normalCase([status(30, "open")], { status: "pending" }),
      t(40),
      { firstResponse: { state: "active", dueAt: t(90), elapsedMs: 10 * M } },
    ],
    [
      "each unanswered customer message after a reply starts one next-response cycle",
      allDay,
      normalCase([agent(10), customer(30), customer(40), agent(200), customer(210)]),
      t(220),
      {
        firstResponse: { state: "achieved" },
        nextResponse: { state: "active", startedAt: t(210), dueAt: t(330), cycles: 2, breaches: 1 },
      },
    ],
    [
      "a late next response is a breach of that cycle",
      allDay,
      normalCase([agent(10), customer(30), customer(40), agent(200)]),
      t(220),
      { nextResponse: { state: "breached", startedAt: t(30), breachedAt: t(150), stoppedAt: t(200), cycles: 1 } },
    ],
    [
      "customer messages before the first reply belong to first response",
      allDay,
      normalCase([customer(5), customer(15)]),
      t(20),
      { nextResponse: undefined, firstResponse: { state: "active" } },
    ],
    [
      "every agent reply closes one periodic-update cycle and opens the next",
      allDay,
      normalCase([agent(10), agent(100), agent(400)]),
      t(410),
      { periodicUpdate: { state: "active", startedAt: t(400), dueAt: t(640), cycles: 3, breaches: 1 } },
    ],
    [
      "solving achieves resolution and stops the other clocks",
      allDay,
      normalCase([agent(10), customer(20), status(100, "solved")]),
      t(2000),
      {
        resolution: { state: "achieved", stoppedAt: t(100), stoppedBy: "resolution", elapsedMs: 100 * M },
        nextResponse: { state: "achieved", stoppedBy: "resolution" },
        periodicUpdate: { state: "achieved", stoppedBy: "resolution" },
      },
    ],
    [
      "solving without a reply stops first response",
      allDay,
      normalCase([status(30, "solved")]),
      t(100),
      { firstResponse: { state: "achieved", stoppedBy: "resolution" } },
    ],
    [
      "closing after solving keeps the solve time",
      allDay,
      normalCase([status(100, "solved"), status(500, "closed")]),
      t(1000),
      { resolution: { state: "achieved", stoppedAt: t(100) } },
    ],
    [
      "reopening resumes resolution without counting the solved time",
      allDay,
      normalCase([agent(5), status(300, "solved"), status(1000, "open")]),
      t(1200),
      { resolution: { state: "active", elapsedMs: 500 * M, dueAt: t(1300), stoppedAt: null } },
    ],
    [
      "a reopened case can still breach resolution",
      allDay,
      normalCase([agent(5), status(300, "solved"), status(1000, "open")]),
      t(1400),
      { resolution: { state: "breached", breachedAt: t(1300) } },
    ],
    [
      "raising the priority recomputes targets from the original start",
      allDay,
      normalCase([priority(10, "urgent")]),
      t(20),
      { firstResponse: { state: "active", targetMinutes: 30, dueAt: t(30) }, resolution: { dueAt: t(240) } },
    ],
    [
      "a priority without a target stops measuring it",
      allDay,
      normalCase([priority(10, "low")]),
      t(20),
      { firstResponse: { targetMinutes: 480, dueAt: t(480) }, resolution: undefined },
    ],
    [
      "a finished cycle keeps the priority it ended under",
      allDay,
      normalCase([agent(50), priority(60, "urgent")]),
      t(70),
      { firstResponse: { state: "achieved", targetMinutes: 60 } },
    ],
    [
      "events after the evaluation time are ignored",
      allDay,
      normalCase([agent(100), status(200, "solved")]),
      t(50),
      { firstResponse: { state: "active", dueAt: t(60) }, resolution: { state: "active" } },
    ],
    [
      "a case opened by an agent message has met first response at once",
      allDay,
      normalCase([agent(0)]),
      t(1),
      { firstResponse: { state: "achieved", elapsedMs: 0 } },
    ],
    [
      "a custom warning threshold",
      { ...allDay, warningThreshold: 0.5 },
      normalCase([]),
      t(10),
      { firstResponse: { warningAt: t(30) }, resolution: { warningAt: t(300) } },
    ],
    [
      "business hours: a target met exactly at closing time is due at closing, not next morning",
      office,
      { createdAt: paris(3, 27, 16), priority: "normal", events: [] },
      paris(3, 27, 16, 10),
      { firstResponse: { dueAt: paris(3, 27, 17) } },
    ],
    [
      "business hours: a case late on Friday is due on Monday, after the DST change",
      office,
      { createdAt: paris(3, 27, 16, 30), priority: "normal", events: [] },
      paris(3, 28, 12),
      {
        firstResponse: {
          state: "active",
          dueAt: paris(3, 30, 9, 30),
          warningAt: paris(3, 30, 9, 18),
          elapsedMs: 30 * M,
          remainingMs: 30 * M,
        },
      },
    ],
    [
      "business hours: a case created at night starts counting at opening",
      office,
      { createdAt: paris(3, 24, 22), priority: "urgent", events: [] },
      paris(3, 25, 8),
      { firstResponse: { state: "active", dueAt: paris(3, 25, 9, 30), elapsedMs: 0 } },
    ],
    [
      "business hours: a pause over a night continues the next morning",
      office,
      {
        createdAt: paris(3, 23, 10),
        priority: "normal",
        events: [
          { type: "status", at: paris(3, 23, 11), status: "pending" },
          { type: "status", at: paris(3, 24, 10), status: "open" },
        ],
      },
      paris(3, 24, 12),
      { resolution: { state: "active", dueAt: paris(3, 25, 11), elapsedMs: 3 * H } },
    ],
    [
      "business hours: Easter Monday does not count",
      office,
      { createdAt: paris(4, 3, 16, 30), priority: "normal", events: [] },
      paris(4, 3, 16, 45),
      { firstResponse: { dueAt: paris(4, 7, 9, 30) }, resolution: { dueAt: paris(4, 8, 10, 30) } },
    ],
    [
      "business hours: a reply on Saturday came inside the target",
      office,
      {
        createdAt: paris(3, 27, 16, 30),
        priority: "normal",
        events: [{ type: "message", at: paris(3, 28, 11), author: "agent" }],
      },
      paris(3, 28, 12),
      { firstResponse: { state: "achieved", elapsedMs: 30 * M, remainingMs: 30 * M } },
    ],
  ])("%s", (_name, policy, slaCase, now, expected) => {
    const result = byTarget(evaluateSla(policy, slaCase, now).targets);
    for (const [target, fields] of Object.entries(expected)) {
      if (fields === undefined) expect(result[target as SlaTargetName], target).toBeUndefined();
      else expect(result[target as SlaTargetName], target).toMatchObject(fields);
    }
  });

  it("reports the case's current priority and status", () => {
    const evaluation = evaluateSla(allDay, normalCase([priority(5, "high"), status(10, "pending")]), t(20));
    expect(evaluation).toMatchObject({ policy: "24/7", priority: "high", status: "pending" });
  });

  it("refuses a warning threshold outside (0, 1]", () => {
    expect(() => evaluateSla({ ...allDay, warningThreshold: 1.5 }, normalCase([]), t(1))).toThrow(
      expect.objectContaining({ reason: "invalid_warning_threshold" }),
    );
  });

  it("refuses a negative target", () => {
    const policy: SlaPolicy = { name: "bad", targets: { normal: { firstResponse: -5 } } };
    expect(() => evaluateSla(policy, normalCase([]), t(1))).toThrow(
      expect.objectContaining({ reason: "invalid_sla_target" }),
    );
  });
});

describe("nextEvaluationAt", () => {
  it.each<[string, SlaPolicy, SlaCase, Date, Date | null]>([
    ["the first warning of a new case", allDay, normalCase([]), t(0), t(48)],
    ["after the warning, the due time", allDay, normalCase([]), t(50), t(60)],
    ["after a breach, the next target's warning", allDay, normalCase([]), t(61), t(480)],
    ["a periodic update due before resolution warns", allDay, normalCase([agent(10)]), t(20), t(202)],
    ["nothing while every clock is paused", allDay, normalCase([status(10, "pending")]), t(20), null],
    ["nothing once solved", allDay, normalCase([agent(5), status(10, "solved")]), t(20), null],
    ["nothing after every target breached", allDay, normalCase([]), t(700), null],
    [
      "in business hours, Monday morning for a Friday-evening case",
      office,
      { createdAt: paris(3, 27, 16, 30), priority: "normal", events: [] },
      paris(3, 27, 18),
      paris(3, 30, 9, 18),
    ],
  ])("%s", (_name, policy, slaCase, now, expected) => {
    const evaluation = evaluateSla(policy, slaCase, now);
    expect(evaluation.nextEvaluationAt?.toISOString() ?? null).toBe(expected?.toISOString() ?? null);
    expect(nextEvaluationAt(evaluation.targets, now)).toEqual(evaluation.nextEvaluationAt);
  });

  it("re-evaluating at nextEvaluationAt shows the warning, then the breach", () => {
    const slaCase = normalCase([]);
    const warnAt = evaluateSla(allDay, slaCase, t(0)).nextEvaluationAt ?? t(0);
    const atWarning = byTarget(evaluateSla(allDay, slaCase, warnAt).targets).firstResponse;
    expect(atWarning).toMatchObject({ state: "active", isWarning: true });
    const dueAt = evaluateSla(allDay, slaCase, warnAt).nextEvaluationAt ?? t(0);
    expect(byTarget(evaluateSla(allDay, slaCase, dueAt).targets).firstResponse).toMatchObject({
      state: "breached",
      breachedAt: dueAt,
    });
  });
});
