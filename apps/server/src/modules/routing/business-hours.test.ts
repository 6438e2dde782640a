import { describe, expect, it } from "vitest";
import { AppError } from "../../platform/errors.ts";
import {
  ALWAYS_OPEN,
  addBusinessTime,
  type BusinessHoursCalendar,
  businessTimeBetween,
  instantToWallClock,
  isAlwaysOpen,
  isOpen,
  nextOpenAt,
  openPeriodsBetween,
  validateCalendar,
  wallClockToInstant,
} from "./business-hours.ts";

const H = 3_600_000;
const M = 60_000;
const PARIS = "Europe/Paris";
const NEW_YORK = "America/New_York";

/** A wall-clock time "YYYY-MM-DD HH:MM" in a zone, as an instant. */
function at(zone: string, wall: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(wall);
  if (!m) throw new Error(`bad wall time ${wall}`);
  const [, year, month, day, hour, minute] = m.map(Number) as [number, number, number, number, number, number];
  return wallClockToInstant(zone, { year, month, day, hour, minute });
}
const paris = (wall: string) => at(PARIS, wall);
const ny = (wall: string) => at(NEW_YORK, wall);

const OFFICE = [{ start: "09:00", end: "17:00" }];
const WHOLE_DAY = [{ start: "00:00", end: "24:00" }];
const NIGHT = [{ start: "22:00", end: "06:00" }];

/** Mon–Fri 09:00–17:00 in Paris; Labour Day and Christmas off, Christmas Eve closes at noon. */
const parisOffice: BusinessHoursCalendar = {
  timeZone: PARIS,
  weekly: { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE },
  holidays: [
    { date: "2026-05-01", name: "Fête du Travail" },
    { date: "2026-12-24", name: "Réveillon", closedFrom: "12:00" },
    { date: "2026-12-25", name: "Noël" },
  ],
};
const nyOffice: BusinessHoursCalendar = {
  timeZone: NEW_YORK,
  weekly: { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE },
};
/** Every night 22:00–06:00 in Paris. */
const parisNights: BusinessHoursCalendar = {
  timeZone: PARIS,
  weekly: { mon: NIGHT, tue: NIGHT, wed: NIGHT, thu: NIGHT, fri: NIGHT, sat: NIGHT, sun: NIGHT },
};
/** Only Friday night 22:00 → Saturday 06:00, with one Saturday off. */
const fridayNight: BusinessHoursCalendar = {
  timeZone: PARIS,
  weekly: { fri: NIGHT },
  holidays: [{ date: "2026-06-13" }],
};
/** Around the clock in Paris except Christmas Day — not the 24/7 fast path. */
const parisAlmostAlways: BusinessHoursCalendar = {
  timeZone: PARIS,
  weekly: {
    mon: WHOLE_DAY,
    tue: WHOLE_DAY,
    wed: WHOLE_DAY,
    thu: WHOLE_DAY,
    fri: WHOLE_DAY,
    sat: WHOLE_DAY,
    sun: WHOLE_DAY,
  },
  holidays: [{ date: "2026-12-25" }],
};
const nyAlways: BusinessHoursCalendar = {
  ...parisAlmostAlways,
  timeZone: NEW_YORK,
  holidays: [{ date: "2030-01-01" }],
};
/** A split shift with a lunch break on Mondays. */
const splitShift: BusinessHoursCalendar = {
  timeZone: PARIS,
  weekly: {
    mon: [
      { start: "13:00", end: "17:00" },
      { start: "09:00", end: "12:00" },
    ],
  },
};
/** Sundays only, to look at what DST does to a day. */
const sundays = (zone: string, intervals: { start: string; end: string }[]): BusinessHoursCalendar => ({
  timeZone: zone,
  weekly: { sun: intervals },
});

describe("wallClockToInstant", () => {
  it.each([
    ["Paris winter", PARIS, "2026-01-15 09:00", "2026-01-15T08:00:00.000Z"],
    ["Paris summer", PARIS, "2026-07-15 09:00", "2026-07-15T07:00:00.000Z"],
    ["Paris DST gap 02:30 moves forward to 03:30 CEST", PARIS, "2026-03-29 02:30", "2026-03-29T01:30:00.000Z"],
    ["Paris 03:00 right after the gap", PARIS, "2026-03-29 03:00", "2026-03-29T01:00:00.000Z"],
    ["Paris DST overlap 02:30 takes the earlier (CEST)", PARIS, "2026-10-25 02:30", "2026-10-25T00:30:00.000Z"],
    ["Paris 03:00 after the overlap", PARIS, "2026-10-25 03:00", "2026-10-25T02:00:00.000Z"],
    ["New York DST gap", NEW_YORK, "2026-03-08 02:30", "2026-03-08T07:30:00.000Z"],
    ["New York DST overlap takes EDT", NEW_YORK, "2026-11-01 01:30", "2026-11-01T05:30:00.000Z"],
    ["Kolkata half-hour offset", "Asia/Kolkata", "2026-06-01 09:00", "2026-06-01T03:30:00.000Z"],
    ["Sydney summer (southern DST)", "Australia/Sydney", "2026-01-15 09:00", "2026-01-14T22:00:00.000Z"],
    ["Lord Howe 30-minute DST gap", "Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-03T15:45:00.000Z"],
  ])("%s", (_name, zone, wall, expected) => {
    expect(at(zone, wall).toISOString()).toBe(expected);
  });

  it.each([
    [PARIS, "2026-10-25T00:30:00Z", { hour: 2, minute: 30, weekday: "sun" }],
    [PARIS, "2026-10-25T01:30:00Z", { hour: 2, minute: 30, weekday: "sun" }],
    [NEW_YORK, "2026-03-08T07:30:00Z", { hour: 3, minute: 30, weekday: "sun" }],
    ["Asia/Tokyo", "2026-12-31T15:00:00Z", { year: 2027, month: 1, day: 1, hour: 0, weekday: "fri" }],
  ])("reads the wall clock of %s at %s", (zone, instant, expected) => {
    expect(instantToWallClock(zone, new Date(instant))).toMatchObject(expected);
  });

  it("rejects an unknown zone", () => {
    expect(() => wallClockToInstant("Mars/Olympus", { year: 2026, month: 1, day: 1, hour: 0, minute: 0 })).toThrow(
      AppError,
    );
  });
});

describe("isOpen", () => {
  it.each([
    ["office: before opening", parisOffice, paris("2026-03-23 08:59"), false],
    ["office: at opening", parisOffice, paris("2026-03-23 09:00"), true],
    ["office: last minute", parisOffice, paris("2026-03-23 16:59"), true],
    ["office: at closing (end is exclusive)", parisOffice, paris("2026-03-23 17:00"), false],
    ["office: Saturday", parisOffice, paris("2026-03-28 10:00"), false],
    ["office: Monday after the spring DST change", parisOffice, paris("2026-03-30 09:00"), true],
    ["office: 08:00 UTC is 10:00 CEST after the change", parisOffice, new Date("2026-03-30T08:00:00Z"), true],
    ["office: 07:30 UTC is 09:30 CEST", parisOffice, new Date("2026-03-30T07:30:00Z"), true],
    ["office: 06:30 UTC is 08:30 CEST, closed", parisOffice, new Date("2026-03-30T06:30:00Z"), false],
    ["office: Labour Day holiday", parisOffice, paris("2026-05-01 10:00"), false],
    ["office: Christmas Eve morning", parisOffice, paris("2026-12-24 11:59"), true],
    ["office: Christmas Eve afternoon (partial holiday)", parisOffice, paris("2026-12-24 12:00"), false],
    ["nights: late evening", parisNights, paris("2026-03-24 23:00"), true],
    ["nights: early morning", parisNights, paris("2026-03-25 05:59"), true],
    ["nights: at 06:00", parisNights, paris("2026-03-25 06:00"), false],
    ["nights: at 21:59", parisNights, paris("2026-03-25 21:59"), false],
    ["friday night: spills into Saturday", fridayNight, paris("2026-06-06 03:00"), true],
    ["friday night: not Saturday night", fridayNight, paris("2026-06-06 23:00"), false],
    ["friday night: a holiday Saturday cuts the spill", fridayNight, paris("2026-06-13 03:00"), false],
    ["friday night: the holiday leaves Friday evening open", fridayNight, paris("2026-06-12 23:00"), true],
    ["split shift: lunch break", splitShift, paris("2026-03-23 12:30"), false],
    ["split shift: afternoon", splitShift, paris("2026-03-23 13:00"), true],
    ["24/7", ALWAYS_OPEN, new Date("2026-12-25T03:00:00Z"), true],
    ["almost always: Christmas", parisAlmostAlways, paris("2026-12-25 12:00"), false],
    ["almost always: Boxing Day 00:00", parisAlmostAlways, paris("2026-12-26 00:00"), true],
    ["New York office: 09:00 EDT", nyOffice, ny("2026-03-09 09:00"), true],
    ["New York office: 13:00 UTC is 09:00 EDT", nyOffice, new Date("2026-03-09T13:00:00Z"), true],
    ["New York office: 13:00 UTC was 08:00 EST the Friday before", nyOffice, new Date("2026-03-06T13:00:00Z"), false],
  ])("%s", (_name, calendar, instant, expected) => {
    expect(isOpen(calendar, instant)).toBe(expected);
  });
});

describe("addBusinessTime", () => {
  it.each([
    ["within the day", parisOffice, paris("2026-03-23 10:00"), 2 * H, paris("2026-03-23 12:00")],
    ["starting before opening", parisOffice, paris("2026-03-23 07:00"), 30 * M, paris("2026-03-23 09:30")],
    ["starting after closing", parisOffice, paris("2026-03-23 18:00"), H, paris("2026-03-24 10:00")],
    [
      "ending exactly at closing stays that day",
      parisOffice,
      paris("2026-03-23 09:00"),
      8 * H,
      paris("2026-03-23 17:00"),
    ],
    ["spilling into the next day", parisOffice, paris("2026-03-23 16:00"), 2 * H, paris("2026-03-24 10:00")],
    ["a whole working week", parisOffice, paris("2026-03-23 09:00"), 40 * H, paris("2026-03-27 17:00")],
    [
      "over a weekend with the spring DST change",
      parisOffice,
      paris("2026-03-27 16:00"),
      2 * H,
      paris("2026-03-30 10:00"),
    ],
    [
      "over a weekend with the autumn DST change",
      parisOffice,
      paris("2026-10-23 16:00"),
      2 * H,
      paris("2026-10-26 10:00"),
    ],
    ["skipping a full-day holiday", parisOffice, paris("2026-04-30 16:00"), 2 * H, paris("2026-05-04 10:00")],
    [
      "through a half-day and a full-day holiday",
      parisOffice,
      paris("2026-12-24 11:00"),
      2 * H,
      paris("2026-12-28 10:00"),
    ],
    ["across a lunch break", splitShift, paris("2026-03-23 11:00"), 2 * H, paris("2026-03-23 14:00")],
    ["overnight into the next night", parisNights, paris("2026-03-24 05:00"), 2 * H, paris("2026-03-24 23:00")],
    ["overnight through the spring DST gap", parisNights, paris("2026-03-28 23:00"), 6 * H, paris("2026-03-29 06:00")],
    [
      "overnight through the autumn DST overlap",
      parisNights,
      paris("2026-10-24 23:00"),
      8 * H,
      paris("2026-10-25 06:00"),
    ],
    ["24/7", ALWAYS_OPEN, new Date("2026-03-29T00:30:00Z"), 90 * M, new Date("2026-03-29T02:00:00Z")],
    [
      "around the clock except Christmas",
      parisAlmostAlways,
      paris("2026-12-24 23:00"),
      2 * H,
      paris("2026-12-26 01:00"),
    ],
    [
      "around the clock on the spring DST day",
      parisAlmostAlways,
      paris("2026-03-29 01:00"),
      2 * H,
      paris("2026-03-29 04:00"),
    ],
    ["New York over the spring DST weekend", nyOffice, ny("2026-03-06 16:00"), 2 * H, ny("2026-03-09 10:00")],
    ["New York over the autumn DST weekend", nyOffice, ny("2026-10-30 16:00"), 2 * H, ny("2026-11-02 10:00")],
    [
      "zero duration returns the start, even when closed",
      parisOffice,
      paris("2026-03-28 10:00"),
      0,
      paris("2026-03-28 10:00"),
    ],
    ["a long target over several weeks", parisOffice, paris("2026-04-27 09:00"), 80 * H, paris("2026-05-11 17:00")],
  ])("%s", (_name, calendar, from, ms, expected) => {
    expect(addBusinessTime(calendar, from, ms).toISOString()).toBe(expected.toISOString());
  });

  it("moves 2 h of office time over the spring weekend to 08:00 UTC, not 09:00 UTC", () => {
    expect(addBusinessTime(parisOffice, new Date("2026-03-27T15:00:00Z"), 2 * H).toISOString()).toBe(
      "2026-03-30T08:00:00.000Z",
    );
  });

  it("refuses a negative duration", () => {
    expect(() => addBusinessTime(parisOffice, paris("2026-03-23 10:00"), -1)).toThrow(/≥ 0/);
  });

  it("refuses a calendar that is never open", () => {
    const never: BusinessHoursCalendar = { timeZone: PARIS, weekly: {} };
    expect(() => addBusinessTime(never, paris("2026-03-23 10:00"), H)).toThrow(
      expect.objectContaining({ reason: "business_hours_never_open" }),
    );
  });
});

describe("businessTimeBetween", () => {
  it.each([
    ["a working week", parisOffice, paris("2026-03-23 00:00"), paris("2026-03-30 00:00"), 40 * H],
    ["the week of Labour Day", parisOffice, paris("2026-04-27 00:00"), paris("2026-05-04 00:00"), 32 * H],
    ["Christmas week", parisOffice, paris("2026-12-21 00:00"), paris("2026-12-28 00:00"), 27 * H],
    ["reversed bounds are negative", parisOffice, paris("2026-03-24 00:00"), paris("2026-03-23 00:00"), -8 * H],
    ["a closed stretch", parisOffice, paris("2026-03-28 00:00"), paris("2026-03-29 12:00"), 0],
    [
      "the 23-hour spring Sunday",
      sundays(PARIS, WHOLE_DAY),
      paris("2026-03-29 00:00"),
      paris("2026-03-30 00:00"),
      23 * H,
    ],
    [
      "the 25-hour autumn Sunday",
      sundays(PARIS, WHOLE_DAY),
      paris("2026-10-25 00:00"),
      paris("2026-10-26 00:00"),
      25 * H,
    ],
    [
      "01:00–04:00 across the spring gap",
      sundays(PARIS, [{ start: "01:00", end: "04:00" }]),
      paris("2026-03-29 00:00"),
      paris("2026-03-30 00:00"),
      2 * H,
    ],
    [
      "01:00–04:00 across the autumn overlap",
      sundays(PARIS, [{ start: "01:00", end: "04:00" }]),
      paris("2026-10-25 00:00"),
      paris("2026-10-26 00:00"),
      4 * H,
    ],
    ["New York spring Sunday", sundays(NEW_YORK, WHOLE_DAY), ny("2026-03-08 00:00"), ny("2026-03-09 00:00"), 23 * H],
    ["New York autumn Sunday", sundays(NEW_YORK, WHOLE_DAY), ny("2026-11-01 00:00"), ny("2026-11-02 00:00"), 25 * H],
    ["the short spring night", parisNights, paris("2026-03-28 12:00"), paris("2026-03-29 12:00"), 7 * H],
    ["the long autumn night", parisNights, paris("2026-10-24 12:00"), paris("2026-10-25 12:00"), 9 * H],
    ["a night started before the range", parisNights, paris("2026-03-25 03:00"), paris("2026-03-25 12:00"), 3 * H],
    ["24/7 is plain elapsed time", ALWAYS_OPEN, paris("2026-03-28 12:00"), paris("2026-03-29 12:00"), 23 * H],
    ["a non-leap year of office days", parisOffice, paris("2026-01-01 00:00"), paris("2027-01-01 00:00"), 2067 * H],
  ])("%s", (_name, calendar, a, b, expected) => {
    expect(businessTimeBetween(calendar, a, b)).toBe(expected);
  });

  it.each([
    ["Paris office", parisOffice],
    ["New York office", nyOffice],
    ["Paris nights", parisNights],
    ["split shift", splitShift],
    ["almost always", parisAlmostAlways],
    ["New York around the clock", nyAlways],
  ])("is the inverse of addBusinessTime on %s", (_name, calendar) => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const start = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < 60; i++) {
      const from = new Date(start + Math.floor(random() * 365 * 24 * 60) * M);
      const ms = Math.floor(random() * 72 * 60) * M;
      const due = addBusinessTime(calendar, from, ms);
      expect(businessTimeBetween(calendar, from, due)).toBe(ms);
      expect(due.getTime()).toBeGreaterThanOrEqual(from.getTime());
    }
  });
});

describe("calendar helpers", () => {
  it.each([
    ["Friday evening → Monday morning", parisOffice, paris("2026-03-27 18:00"), paris("2026-03-30 09:00")],
    ["already open → the same instant", parisOffice, paris("2026-03-30 10:00"), paris("2026-03-30 10:00")],
    ["before Labour Day weekend", parisOffice, paris("2026-04-30 17:30"), paris("2026-05-04 09:00")],
    ["nights: daytime → 22:00", parisNights, paris("2026-03-25 12:00"), paris("2026-03-25 22:00")],
  ])("nextOpenAt: %s", (_name, calendar, from, expected) => {
    expect(nextOpenAt(calendar, from).toISOString()).toBe(expected.toISOString());
  });

  it("lists open periods merged across midnight and clipped to the range", () => {
    const periods = openPeriodsBetween(
      { timeZone: PARIS, weekly: { mon: [{ start: "20:00", end: "24:00" }], tue: [{ start: "00:00", end: "02:00" }] } },
      paris("2026-03-23 21:00"),
      paris("2026-03-24 12:00"),
    );
    expect(periods.map((p) => [p.start.toISOString(), p.end.toISOString()])).toEqual([
      [paris("2026-03-23 21:00").toISOString(), paris("2026-03-24 02:00").toISOString()],
    ]);
  });

  it.each([
    ["ALWAYS_OPEN", ALWAYS_OPEN, true],
    [
      "every night plus every day",
      { timeZone: PARIS, weekly: { ...parisNights.weekly, mon: [...NIGHT, { start: "06:00", end: "22:00" }] } },
      false,
    ],
    ["whole days with a holiday", parisAlmostAlways, false],
    ["office hours", parisOffice, false],
  ])("isAlwaysOpen: %s", (_name, calendar, expected) => {
    expect(isAlwaysOpen(calendar)).toBe(expected);
  });

  it("treats day-and-night shifts covering every minute as 24/7", () => {
    const day = [{ start: "06:00", end: "22:00" }, ...NIGHT];
    const calendar: BusinessHoursCalendar = {
      timeZone: PARIS,
      weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
    };
    expect(isAlwaysOpen(calendar)).toBe(true);
  });

  it.each([
    ["unknown zone", { timeZone: "Europe/Atlantis", weekly: {} }, /unknown time zone/],
    ["malformed time", { timeZone: PARIS, weekly: { mon: [{ start: "9:00", end: "17:00" }] } }, /not HH:MM/],
    ["empty interval", { timeZone: PARIS, weekly: { mon: [{ start: "09:00", end: "09:00" }] } }, /is empty/],
    ["24:00 as a start", { timeZone: PARIS, weekly: { mon: [{ start: "24:00", end: "06:00" }] } }, /start/],
    ["impossible holiday date", { timeZone: PARIS, weekly: {}, holidays: [{ date: "2026-02-30" }] }, /YYYY-MM-DD/],
    [
      "partial holiday ending before it starts",
      { timeZone: PARIS, weekly: {}, holidays: [{ date: "2026-02-03", closedFrom: "14:00", closedUntil: "10:00" }] },
      /after closedFrom/,
    ],
  ])("validateCalendar reports %s", (_name, calendar, problem) => {
    const problems = validateCalendar(calendar as BusinessHoursCalendar);
    expect(problems.join("\n")).toMatch(problem);
    expect(() => isOpen(calendar as BusinessHoursCalendar, new Date())).toThrow(
      expect.objectContaining({ kind: "invalid", reason: "invalid_business_hours" }),
    );
  });

  it("accepts a valid calendar", () => {
    expect(validateCalendar(parisOffice)).toEqual([]);
  });
});
