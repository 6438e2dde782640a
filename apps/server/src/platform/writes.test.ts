import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../test/harness.ts";
import { type DatabaseHandle, openDatabase } from "./db.ts";
import { insertRows, writeTogether } from "./writes.ts";

type Row = { id: number; name: string | null; tags: string[] | null; data: string; ok: boolean; at: Date };
const COLUMNS = { id: "int4", name: "text", tags: "text[]", data: "jsonb", ok: "boolean", at: "timestamptz" } as const;

describe.each(TEST_DATABASES)("combined writes of rows as arrays on %s", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database =
      kind === "pglite"
        ? await openDatabase({ kind, dataDir: undefined })
        : await openDatabase({ kind, url: process.env.TEST_DATABASE_URL as string, max: 1 });
    await database.exec(
      "create temp table w_rows (id int primary key, name text, tags text[], data jsonb, ok boolean, at timestamptz)",
    );
  });
  afterAll(() => database.close());

  it("writes any number of rows, zero included, with one statement text, prepared once (PostgreSQL)", async () => {
    const at = new Date("2026-12-03T10:00:00.123Z");
    const rows: Row[] = [
      {
        id: 1,
        name: 'quote " and \\ backslash, comma',
        tags: ["a", 'b "c"', "d,e", "{f}"],
        data: '{"k":[1,"x"]}',
        ok: true,
        at,
      },
      { id: 2, name: null, tags: [], data: "null", ok: false, at },
      { id: 3, name: "中文", tags: null, data: '"s"', ok: true, at },
      { id: 4, name: "", tags: ["only"], data: "{}", ok: false, at },
    ];
    const write = (batch: Row[]) =>
      writeTogether(database.db, [{ statement: insertRows("w_rows", COLUMNS, batch), fixed: true }]);
    await write(rows.slice(0, 3));
    await write([]);
    await write(rows.slice(3));
    const { rows: stored } = await sql<Row & { data: unknown }>`select * from w_rows order by id`.execute(database.db);
    expect(stored).toEqual([
      { ...rows[0], data: { k: [1, "x"] } },
      { ...rows[1], data: null },
      { ...rows[2], data: "s" },
      { ...rows[3], data: {} },
    ]);
    const names = await sql<{ n: number }>`
      select count(*)::int as n from pg_prepared_statements where name like 'rapport\\_%'`.execute(database.db);
    expect(names.rows[0]?.n).toBe(kind === "postgres" ? 1 : 0);
  });
});
