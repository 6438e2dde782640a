/**
 * Several modules' data-modifying statements sent to the database as one: each becomes a CTE of a single `with`
 * statement (PostgreSQL runs every data-modifying CTE exactly once, to completion, all on one snapshot), so a
 * group commit pays one round trip for its writes instead of one per table. Each module still builds its own
 * statement (its SQL stays in its repository); this file only puts them side by side.
 *
 * The statements must not depend on each other's effects (none sees the others' rows; two of them must not
 * change the same row). Foreign keys between rows written by different statements are fine: they are checked
 * at the end of the statement.
 */
import { type OperationNodeSource, sql } from "kysely";
import type { Executor } from "./db.ts";

/** One statement of a `writeTogether` call; `counted` ones must have a `returning` clause (their row count is returned). */
export type Write = { statement: OperationNodeSource; counted?: boolean };

/** Runs the writes as one statement; returns, per write, the number of rows it returned (0 when not counted). */
export async function writeTogether(db: Executor, writes: readonly Write[]): Promise<number[]> {
  if (writes.length === 0) return [];
  const name = (i: number) => sql.raw(`w${i}`);
  const ctes = writes.map((w, i) => sql`${name(i)} as (${w.statement})`);
  const counted = writes.flatMap((w, i) =>
    w.counted ? [sql`(select count(*) from ${name(i)})::int as ${name(i)}`] : [],
  );
  const { rows } = await sql<Record<string, number>>`
    with ${sql.join(ctes)} select ${counted.length > 0 ? sql.join(counted) : sql`0 as none`}`.execute(db);
  const row = rows[0] ?? {};
  return writes.map((w, i) => (w.counted ? Number(row[`w${i}`] ?? 0) : 0));
}
