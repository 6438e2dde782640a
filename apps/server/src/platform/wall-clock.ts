// Wall clock ↔ instant in IANA time zones, with Intl only (no tz library): business-hours calendars, the
// wallboard's day, nightly jobs at a local hour.
import { AppError } from "./errors.ts";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** A wall-clock date and time in some zone; `month` is 1–12. */
export type WallClock = {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second?: number;
};

const DAY = 86_400_000;
/** JS weekday order (0 = Sunday). */
export const WEEKDAYS: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall clock of an instant in a zone, as a "local time read as UTC" epoch number (whole seconds). */
function localEpochAt(timeZone: string, ms: number): number {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let isBc = false;
  for (const p of formatterFor(timeZone).formatToParts(ms)) {
    switch (p.type) {
      case "year":
        year = Number(p.value);
        break;
      case "month":
        month = Number(p.value);
        break;
      case "day":
        day = Number(p.value);
        break;
      case "hour":
        hour = Number(p.value);
        break;
      case "minute":
        minute = Number(p.value);
        break;
      case "second":
        second = Number(p.value);
        break;
      case "era":
        isBc = p.value.startsWith("B");
        break;
    }
  }
  const d = new Date(0);
  d.setUTCFullYear(isBc ? 1 - year : year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function uncachedOffsetAt(timeZone: string, ms: number): number {
  return localEpochAt(timeZone, ms) - Math.floor(ms / 1000) * 1000;
}

// formatToParts costs microseconds and calendar maths calls it a lot, so offsets are cached per zone and
// UTC day — but only for days whose first and last second share one offset (no transition that day);
// days with a DST change are always computed exactly. (No zone changes its offset and back within a day.)
const offsetCache = new Map<string, Map<number, number | null>>();
const OFFSET_CACHE_LIMIT = 20_000;

/** The zone's UTC offset at an instant, in ms (Paris in summer: +7,200,000). */
export function offsetAt(timeZone: string, ms: number): number {
  let days = offsetCache.get(timeZone);
  if (!days) {
    days = new Map();
    offsetCache.set(timeZone, days);
  }
  const day = Math.floor(ms / DAY);
  let offset = days.get(day);
  if (offset === undefined) {
    const first = uncachedOffsetAt(timeZone, day * DAY);
    offset = first === uncachedOffsetAt(timeZone, day * DAY + DAY - 1000) ? first : null;
    if (days.size >= OFFSET_CACHE_LIMIT) days.clear();
    days.set(day, offset);
  }
  return offset ?? uncachedOffsetAt(timeZone, ms);
}

/**
 * The instant of a "local time read as UTC" epoch number in a zone. A wall time skipped by a DST
 * gap moves forward by the gap (02:30 on a spring-forward night → 03:30); a wall time that occurs
 * twice resolves to the earlier instant — the "compatible" rule of Temporal and RFC 5545.
 */
export function localEpochToInstant(timeZone: string, local: number): number {
  const before = offsetAt(timeZone, local - DAY);
  const after = offsetAt(timeZone, local + DAY);
  if (before === after) {
    const t = local - before;
    if (offsetAt(timeZone, t) === before) return t;
  }
  const t1 = local - before;
  const t2 = local - after;
  const isValid1 = offsetAt(timeZone, t1) === before;
  const isValid2 = offsetAt(timeZone, t2) === after;
  if (isValid1 && isValid2) return Math.min(t1, t2);
  if (isValid1) return t1;
  if (isValid2) return t2;
  return local - before;
}

/** Converts a wall-clock time in an IANA zone to an instant (DST gaps move forward, overlaps take the earlier). */
export function wallClockToInstant(timeZone: string, wall: WallClock): Date {
  assertTimeZone(timeZone);
  const d = new Date(0);
  d.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  d.setUTCHours(wall.hour, wall.minute, wall.second ?? 0, 0);
  return new Date(localEpochToInstant(timeZone, d.getTime()));
}

/** The wall-clock time of an instant in an IANA zone, with its weekday. */
export function instantToWallClock(timeZone: string, at: Date): WallClock & { weekday: Weekday } {
  assertTimeZone(timeZone);
  const local = new Date(localEpochAt(timeZone, at.getTime()));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: WEEKDAYS[local.getUTCDay()] ?? "sun",
  };
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function assertTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) {
    throw new AppError("invalid", "invalid_time_zone", `Unknown time zone "${timeZone}".`);
  }
}
