import { describe, expect, it } from "vitest";
import { cronProblem, nextCronAt } from "./schedule.ts";

describe("cron schedules (UTC)", () => {
  it.each([
    ["*/15 * * * *", "2026-12-04T10:07:30Z", "2026-12-04T10:15:00.000Z"],
    ["0 9 * * 1-5", "2026-12-04T09:00:00Z", "2026-12-07T09:00:00.000Z"],
    ["30 8 1 * *", "2026-12-04T00:00:00Z", "2027-01-01T08:30:00.000Z"],
    ["0 0 * * 7", "2026-12-04T00:00:00Z", "2026-12-06T00:00:00.000Z"],
    ["0 12 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T12:00:00.000Z"],
    ["0 8-18/5 * * *", "2026-12-04T13:30:00Z", "2026-12-04T18:00:00.000Z"],
  ])("%s after %s → %s", (cron, after, expected) => {
    expect(nextCronAt(cron, new Date(after))?.toISOString()).toBe(expected);
  });

  it("explains a bad expression", () => {
    expect(cronProblem("0 9 * *")).toBe("five fields: minute hour day month weekday");
    expect(cronProblem("0 25 * * *")).toBe('hour: "25" is outside 0-23');
    expect(cronProblem("0 0 31 2 *")).toBe("never fires");
    expect(cronProblem("a b c d e")).toMatch(/^minute: "a" is not/);
    expect(cronProblem("0 9 * * 1")).toBeUndefined();
  });
});
