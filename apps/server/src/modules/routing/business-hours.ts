// Business-hours calendars: a weekly schedule in an IANA time zone, minus holidays.
// Pure functions over instants; wall-clock ↔ instant conversion uses Intl only (no tz library).
//
// The open set of a calendar is: the union of its weekly intervals (each laid out on every local date
// whose weekday has it, an overnight interval running into the next date) minus the union of its
// holiday windows (a whole local date, or part of it). Everything below is computed from that set.
import { AppError } from "../../platform/errors.ts";
import { isTimeZone, localEpochToInstant, offsetAt, WEEKDAYS, type Weekday } from "../../platform/wall-clock.ts";

export {
  instantToWallClock,
  type WallClock,
  type Weekday,
  wallClockToInstant,
} from "../../platform/wall-clock.ts";

/**
 * One open interval of a weekday, as wall-clock times "HH:MM". `end` may be "24:00"; an `end` at or
 * before `start` is an overnight interval that closes on the next day (22:00–06:00).
 */
export type OpenInterval = { readonly start: string; readonly end: string };

export type WeeklySchedule = Readonly<Partial<Record<Weekday, readonly OpenInterval[]>>>;

/**
 * A local date (YYYY-MM-DD in the calendar's zone) on which the calendar is closed: the whole day,
 * or only from `closedFrom` (default "00:00") until `closedUntil` (default "24:00").
 */
export type Holiday = {
  readonly date: string;
  readonly name?: string;
  readonly closedFrom?: string;
  readonly closedUntil?: string;
};

export type BusinessHoursCalendar = {
  readonly timeZone: string;
  readonly weekly: WeeklySchedule;
  readonly holidays?: readonly Holiday[];
};

const MINUTE = 60_000;
const DAY = 86_400_000;
const FULL_DAY: readonly OpenInterval[] = [{ start: "00:00", end: "24:00" }];

/** A calendar that is always open (24/7, no holidays). */
export const ALWAYS_OPEN: BusinessHoursCalendar = {
  timeZone: "UTC",
  weekly: { mon: FULL_DAY, tue: FULL_DAY, wed: FULL_DAY, thu: FULL_DAY, fri: FULL_DAY, sat: FULL_DAY, sun: FULL_DAY },
};

// ---------------------------------------------------------------------------------------------
// Compiled calendars

type MinuteRange = readonly [start: number, end: number];

type CompiledCalendar = {
  readonly timeZone: string;
  readonly isAlwaysOpen: boolean;
  readonly hasOpenTime: boolean;
  /** Per JS weekday (0 = Sunday): minute ranges from that date's midnight; `end` may exceed 1440. */
  readonly weekly: readonly (readonly MinuteRange[])[];
  /** Per local epoch day: closed minute ranges from that date's midnight. */
  readonly holidays: ReadonlyMap<number, readonly MinuteRange[]>;
};

const compiled = new WeakMap<BusinessHoursCalendar, CompiledCalendar>();

const TIME_RE = /^([01]\d|2[0-4]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseTime(value: string): number | null {
  const m = TIME_RE.exec(value);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes > 1440 ? null : minutes;
}

function parseDate(value: string): number | null {
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms).toISOString().slice(0, 10);
  return back === value ? ms / DAY : null;
}

/** Lists what is wrong with a calendar (unknown zone, malformed times or dates); empty when valid. */
export function validateCalendar(calendar: BusinessHoursCalendar): string[] {
  const problems: string[] = [];
  if (!isTimeZone(calendar.timeZone)) problems.push(`unknown time zone "${calendar.timeZone}"`);
  for (const [day, intervals] of Object.entries(calendar.weekly)) {
    if (!WEEKDAYS.includes(day as Weekday)) problems.push(`unknown weekday "${day}"`);
    for (const [i, interval] of (intervals ?? []).entries()) {
      const start = parseTime(interval.start);
      const end = parseTime(interval.end);
      if (start === null || start === 1440)
        problems.push(`${day}[${i}].start "${interval.start}" is not HH:MM (00:00–23:59)`);
      if (end === null) problems.push(`${day}[${i}].end "${interval.end}" is not HH:MM (00:00–24:00)`);
      if (start !== null && end !== null && start === end) {
        problems.push(`${day}[${i}] is empty (${interval.start}–${interval.end}); use 00:00–24:00 for a whole day`);
      }
    }
  }
  for (const [i, holiday] of (calendar.holidays ?? []).entries()) {
    if (parseDate(holiday.date) === null) problems.push(`holidays[${i}].date "${holiday.date}" is not YYYY-MM-DD`);
    const from = parseTime(holiday.closedFrom ?? "00:00");
    const until = parseTime(holiday.closedUntil ?? "24:00");
    if (from === null || until === null) problems.push(`holidays[${i}] closedFrom/closedUntil must be HH:MM`);
    else if (until <= from) problems.push(`holidays[${i}] closedUntil must be after closedFrom`);
  }
  return problems;
}

/** Union of minute ranges, sorted. */
function unionRanges(ranges: MinuteRange[]): MinuteRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

function compile(calendar: BusinessHoursCalendar): CompiledCalendar {
  const cached = compiled.get(calendar);
  if (cached) return cached;
  const problems = validateCalendar(calendar);
  if (problems.length > 0) {
    throw new AppError(
      "invalid",
      "invalid_business_hours",
      `Invalid business-hours calendar: ${problems.join("; ")}.`,
      {
        problems,
      },
    );
  }
  const weekly = WEEKDAYS.map((day) =>
    (calendar.weekly[day] ?? []).map((interval): MinuteRange => {
      const start = parseTime(interval.start) ?? 0;
      const end = parseTime(interval.end) ?? 0;
      return [start, end <= start ? end + 1440 : end];
    }),
  );
  const holidays = new Map<number, MinuteRange[]>();
  for (const holiday of calendar.holidays ?? []) {
    const day = parseDate(holiday.date) ?? 0;
    const range: MinuteRange = [
      parseTime(holiday.closedFrom ?? "00:00") ?? 0,
      parseTime(holiday.closedUntil ?? "24:00") ?? 0,
    ];
    holidays.set(day, unionRanges([...(holidays.get(day) ?? []), range]));
  }
  // 24/7: every weekday is fully covered by its own intervals plus the previous day's overnight spill.
  const isAlwaysOpen =
    holidays.size === 0 &&
    weekly.every((ranges, day) => {
      const spill = (weekly[(day + 6) % 7] ?? [])
        .filter(([, e]) => e > 1440)
        .map(([, e]): MinuteRange => [0, e - 1440]);
      const covered = unionRanges([...ranges, ...spill]);
      return covered.some(([s, e]) => s <= 0 && e >= 1440);
    });
  const result: CompiledCalendar = {
    timeZone: calendar.timeZone,
    isAlwaysOpen,
    hasOpenTime: weekly.some((ranges) => ranges.length > 0),
    weekly,
    holidays,
  };
  compiled.set(calendar, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Open intervals

type Span = [start: number, end: number];

function localDayOf(timeZone: string, ms: number): number {
  return Math.floor((ms + offsetAt(timeZone, ms)) / DAY);
}

/** The open set of a calendar within [startMs, endMs), as sorted disjoint spans. */
function openSpans(cal: CompiledCalendar, startMs: number, endMs: number): Span[] {
  if (endMs <= startMs) return [];
  if (cal.isAlwaysOpen) return [[startMs, endMs]];
  const zone = cal.timeZone;
  const firstDay = localDayOf(zone, startMs) - 1; // an overnight interval of the day before may still run
  const lastDay = localDayOf(zone, endMs - 1);
  const raw: Span[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = (((day + 4) % 7) + 7) % 7; // epoch day 0 (1970-01-01) was a Thursday
    for (const [s, e] of cal.weekly[weekday] ?? []) {
      const from = localEpochToInstant(zone, day * DAY + s * MINUTE);
      const to = localEpochToInstant(zone, day * DAY + e * MINUTE);
      if (to > startMs && from < endMs && to > from) raw.push([Math.max(from, startMs), Math.min(to, endMs)]);
    }
  }
  raw.sort((a, b) => a[0] - b[0]);
  let merged: Span[] = [];
  for (const span of raw) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  if (cal.holidays.size === 0) return merged;
  for (let day = firstDay; day <= lastDay; day++) {
    for (const [s, e] of cal.holidays.get(day) ?? []) {
      const from = localEpochToInstant(zone, day * DAY + s * MINUTE);
      const to = localEpochToInstant(zone, day * DAY + e * MINUTE);
      merged = subtract(merged, from, to);
    }
  }
  return merged;
}

function subtract(spans: Span[], from: number, to: number): Span[] {
  if (to <= from) return spans;
  const out: Span[] = [];
  for (const [s, e] of spans) {
    if (e <= from || s >= to) out.push([s, e]);
    else {
      if (s < from) out.push([s, from]);
      if (e > to) out.push([to, e]);
    }
  }
  return out;
}

const WINDOW = 14 * DAY;
const MAX_SEARCH = 10 * 366 * DAY;

function neverOpen(): AppError {
  return new AppError(
    "invalid",
    "business_hours_never_open",
    "The business-hours calendar has no open time within ten years; an SLA target on it can never fall due.",
  );
}

/** Whether the calendar is open at an instant. */
export function isOpen(calendar: BusinessHoursCalendar, at: Date): boolean {
  const ms = at.getTime();
  return openSpans(compile(calendar), ms, ms + 1).length > 0;
}

/** Whether a calendar is open around the clock (no holidays, every minute of every weekday covered). */
export function isAlwaysOpen(calendar: BusinessHoursCalendar): boolean {
  return compile(calendar).isAlwaysOpen;
}

/** The open periods of a calendar between two instants, clipped to them, sorted and disjoint. */
export function openPeriodsBetween(
  calendar: BusinessHoursCalendar,
  from: Date,
  to: Date,
): { start: Date; end: Date }[] {
  return openSpans(compile(calendar), from.getTime(), to.getTime()).map(([s, e]) => ({
    start: new Date(s),
    end: new Date(e),
  }));
}

/** The first instant at or after `from` at which the calendar is open. */
export function nextOpenAt(calendar: BusinessHoursCalendar, from: Date): Date {
  const cal = compile(calendar);
  if (!cal.hasOpenTime) throw neverOpen();
  const start = from.getTime();
  for (let cursor = start; cursor < start + MAX_SEARCH; cursor += WINDOW) {
    const first = openSpans(cal, cursor, cursor + WINDOW)[0];
    if (first) return new Date(first[0]);
  }
  throw neverOpen();
}

/**
 * The instant at which `ms` of open time has elapsed since `from` — the due time of an SLA target
 * counting only business hours. Ending exactly at closing time returns the closing time.
 */
export function addBusinessTime(calendar: BusinessHoursCalendar, from: Date, ms: number): Date {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new AppError("invalid", "invalid_duration", "A business-time duration must be a finite number ≥ 0.");
  }
  const cal = compile(calendar);
  const start = from.getTime();
  if (ms === 0) return new Date(start);
  if (cal.isAlwaysOpen) return new Date(start + ms);
  if (!cal.hasOpenTime) throw neverOpen();
  let remaining = ms;
  // Look ahead a day first (most targets fall due within it), then in growing windows.
  for (
    let cursor = start, window = DAY;
    cursor < start + MAX_SEARCH;
    cursor += window, window = Math.min(window * 2, WINDOW)
  ) {
    for (const [s, e] of openSpans(cal, cursor, cursor + window)) {
      if (remaining <= e - s) return new Date(s + remaining);
      remaining -= e - s;
    }
  }
  throw neverOpen();
}

/** The open time between two instants, in ms (negative when `b` is before `a`). */
export function businessTimeBetween(calendar: BusinessHoursCalendar, a: Date, b: Date): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to < from) return -businessTimeBetween(calendar, b, a);
  const cal = compile(calendar);
  if (cal.isAlwaysOpen) return to - from;
  let total = 0;
  for (let cursor = from; cursor < to; cursor += WINDOW) {
    for (const [s, e] of openSpans(cal, cursor, Math.min(cursor + WINDOW, to))) total += e - s;
  }
  return total;
}
