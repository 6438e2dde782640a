import { z } from "zod";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type Actor, recordAudit } from "../../tenancy/index.ts";
import { type BusinessHoursCalendar, validateCalendar } from "../business-hours.ts";
import { forgetSlaPolicy, q } from "../repository.ts";

const Hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, "times read HH:MM");
const Interval = z.strictObject({ start: Hhmm, end: Hhmm });
/** A business-hours calendar as the API takes it: an IANA zone, open intervals per weekday, holidays. */
export const CalendarBody = z.strictObject({
  timeZone: z.string().min(1).max(64),
  weekly: z.partialRecord(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), z.array(Interval).max(6)),
  holidays: z
    .array(
      z.strictObject({
        date: z.iso.date(),
        name: z.string().max(100).optional(),
        closedFrom: Hhmm.optional(),
        closedUntil: Hhmm.optional(),
      }),
    )
    .max(400)
    .optional(),
});

/** Throws a 400 naming every problem of a calendar (unknown zone, empty interval, bad holiday window). */
export function assertCalendar(calendar: BusinessHoursCalendar, field = "calendar"): void {
  const problems = validateCalendar(calendar);
  if (problems.length) {
    throw new AppError(
      "invalid",
      "calendar_invalid",
      `The business-hours calendar is invalid: ${problems.join("; ")}.`,
      { field, problems },
    );
  }
}

/** The workspace's business-hours calendar (SLA clocks and web chat availability), or undefined: always open. */
export async function getBusinessHours(db: Executor, ws: string): Promise<BusinessHoursCalendar | undefined> {
  const row = await q(db)
    .selectFrom("business_hours")
    .select("calendar")
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return row ? (row.calendar as BusinessHoursCalendar) : undefined;
}

/**
 * Sets (or, with null, removes) the workspace's business hours, checked first; no audit record. Drops the cached
 * SLA policy, whose calendar they are (a caller in a transaction drops it again after the commit).
 */
export async function storeBusinessHours(db: Executor, ws: string, calendar: BusinessHoursCalendar | null) {
  if (calendar === null) {
    await q(db).deleteFrom("business_hours").where("workspace_id", "=", ws).execute();
  } else {
    assertCalendar(calendar);
    const values = { calendar: JSON.stringify(calendar), updated_at: new Date() };
    await q(db)
      .insertInto("business_hours")
      .values({ workspace_id: ws, ...values })
      .onConflict((oc) => oc.column("workspace_id").doUpdateSet(values))
      .execute();
  }
  forgetSlaPolicy(ws);
}

/** Sets or removes the workspace's business hours on behalf of an admin, with an audit record. */
export async function putBusinessHours(tx: Executor, actor: Actor, calendar: BusinessHoursCalendar | null) {
  await storeBusinessHours(tx, actor.workspaceId, calendar);
  await recordAudit(tx, actor, {
    action: calendar ? "business_hours.updated" : "business_hours.cleared",
    objectType: "business_hours",
    ...(calendar
      ? {
          details: {
            timeZone: calendar.timeZone,
            openDays: Object.entries(calendar.weekly)
              .filter(([, intervals]) => (intervals ?? []).length > 0)
              .map(([day]) => day),
            holidays: calendar.holidays?.length ?? 0,
          },
        }
      : {}),
  });
}
