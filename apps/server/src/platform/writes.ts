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
import { type OperationNodeSource, type RawBuilder, sql } from "kysely";
import { type Executor, prepared } from "./db.ts";

/**
 * One statement of a `writeTogether` call; `counted` ones must have a `returning` clause (their row count is
 * returned). `fixed`: the statement's text is the same whatever its values (rows through `unnestRows`), so a
 * combined statement made only of fixed writes is prepared once per connection (see `prepared` in db.ts).
 */
export type Write = { statement: OperationNodeSource; counted?: boolean; fixed?: boolean };

/** Runs the writes as one statement; returns, per write, the number of rows it returned (0 when not counted). */
export async function writeTogether(db: Executor, writes: readonly Write[]): Promise<number[]> {
  if (writes.length === 0) return [];
  const name = (i: number) => sql.raw(`w${i}`);
  const ctes = writes.map((w, i) => sql`${name(i)} as (${w.statement})`);
  const counted = writes.flatMap((w, i) =>
    w.counted ? [sql`(select count(*) from ${name(i)})::int as ${name(i)}`] : [],
  );
  const mark = writes.every((w) => w.fixed) ? prepared : sql``;
  const { rows } = await sql<Record<string, number>>`${mark}
    with ${sql.join(ctes)} select ${counted.length > 0 ? sql.join(counted) : sql`0 as none`}`.execute(db);
  const row = rows[0] ?? {};
  return writes.map((w, i) => (w.counted ? Number(row[`w${i}`] ?? 0) : 0));
}

/**
 * The PostgreSQL type of each column of `unnestRows`, in the order of the columns. An array type (`uuid[]`)
 * travels as one array literal per row, so rows may hold arrays of different lengths.
 */
export type ColumnTypes<R> = { readonly [K in keyof R]-?: string };

/**
 * Rows as one array parameter per column: `(select … from unnest($1::uuid[], $2::text[], …))`, a subquery with
 * the given columns, to select from. The statement's text is the same whatever the number of rows (zero
 * included), so it can be prepared: PostgreSQL parses and plans it once instead of on every batch.
 */
export function unnestRows<R extends object>(types: ColumnTypes<R>, rows: readonly R[]): RawBuilder<unknown> {
  const columns = Object.entries(types) as [keyof R & string, string][];
  const params = columns.map(([column, type]) => {
    const values = rows.map((r) => r[column] ?? null);
    if (!type.endsWith("[]")) return sql`${values}::${sql.raw(`${type}[]`)}`;
    return sql`${values.map((v) => (v === null ? null : arrayLiteral(v as readonly unknown[])))}::text[]`;
  });
  const selected = columns.map(([column, type], i) =>
    type.endsWith("[]")
      ? sql`${sql.raw(`c${i}`)}::${sql.raw(type)} as ${sql.id(column)}`
      : sql`${sql.raw(`c${i}`)} as ${sql.id(column)}`,
  );
  const aliases = sql.raw(columns.map((_, i) => `c${i}`).join(", "));
  return sql`(select ${sql.join(selected)} from unnest(${sql.join(params)}) as t(${aliases}))`;
}

/**
 * `insert into table (columns) select … from unnestRows(…)`, then `tail` (`on conflict …`, `returning …`): a fixed
 * write (see `Write`) of any number of rows.
 */
export function insertRows<R extends object>(
  table: string,
  types: ColumnTypes<R>,
  rows: readonly R[],
  tail: RawBuilder<unknown> = sql``,
): RawBuilder<unknown> {
  const columns = sql.join(Object.keys(types).map((c) => sql.id(c)));
  return sql`insert into ${sql.table(table)} (${columns}) select * from ${unnestRows(types, rows)} as v ${tail}`;
}

/** A PostgreSQL array literal of the values (each quoted, NULL for null). */
function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) =>
    v === null || v === undefined ? "NULL" : `"${String(v).replace(/[\\"]/g, "\\$&")}"`,
  );
  return `{${items.join(",")}}`;
}
