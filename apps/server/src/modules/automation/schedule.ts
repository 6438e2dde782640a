/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC) for scheduled rules: `*`,
 * lists `1,15`, ranges `1-5`, steps `*\/10` and `8-18/2`. Day-of-week 0 and 7 are Sunday. When both day fields
 * are restricted, either may match (as in Vixie cron).
 */
type Cron = {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  dayStar: boolean;
  weekdayStar: boolean;
};

const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];
const NAMES = ["minute", "hour", "day of month", "month", "day of week"];

function parseField(text: string, [min, max]: [number, number], name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`${name}: "${part}" is not a number, range, list or step`);
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === "*" ? min : Number(m[2]);
    const to = m[1] === "*" ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : from;
    if (from < min || to > max || from > to || step < 1) throw new Error(`${name}: "${part}" is outside ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function parseCron(expression: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error("five fields: minute hour day month weekday");
  const sets = fields.map((f, i) => parseField(f, RANGES[i] as [number, number], NAMES[i] ?? ""));
  const weekdays = sets[4] as Set<number>;
  if (weekdays.has(7)) weekdays.add(0);
  return {
    minutes: sets[0] as Set<number>,
    hours: sets[1] as Set<number>,
    days: sets[2] as Set<number>,
    months: sets[3] as Set<number>,
    weekdays,
    dayStar: fields[2] === "*",
    weekdayStar: fields[4] === "*",
  };
}

/** What is wrong with a cron expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  try {
    const cron = parseCron(expression);
    return nextCronAt(cron, new Date(Date.UTC(2000, 0, 1))) ? undefined : "never fires";
  } catch (err) {
    return (err as Error).message;
  }
}

/** The first instant strictly after `after` (whole minutes, UTC) that the expression names; undefined if none within 5 years. */
export function nextCronAt(expression: string | Cron, after: Date): Date | undefined {
  const cron = typeof expression === "string" ? parseCron(expression) : expression;
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() < limit) {
    const dayOk = (() => {
      const dom = cron.days.has(t.getUTCDate());
      const dow = cron.weekdays.has(t.getUTCDay());
      if (cron.dayStar && cron.weekdayStar) return true;
      if (cron.dayStar) return dow;
      if (cron.weekdayStar) return dom;
      return dom || dow;
    })();
    if (!cron.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayOk) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!cron.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!cron.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else return t;
  }
  return undefined;
}
