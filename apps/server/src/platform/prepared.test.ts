import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../test/harness.ts";
import { type DatabaseHandle, openDatabase, prepared } from "./db.ts";

describe.each(TEST_DATABASES)("prepared statements on %s", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database =
      kind === "pglite"
        ? await openDatabase({ kind, dataDir: undefined })
        : // One connection, so the statements below all see the same session's prepared statements.
          await openDatabase({ kind, url: process.env.TEST_DATABASE_URL as string, max: 1 });
  });
  afterAll(() => database.close());

  const preparedNames = async () =>
    (
      await sql<{ name: string }>`select name from pg_prepared_statements where name like 'rapport\\_%'`.execute(
        database.db,
      )
    ).rows.map((r) => r.name);

  it("prepares marked statements once per connection (PostgreSQL), runs them with their values, and leaves the others alone", async () => {
    const plus = (n: number) => sql<{ n: number }>`${prepared} select ${n}::int + 1 as n`.execute(database.db);
    expect((await plus(1)).rows[0]?.n).toBe(2);
    expect((await plus(41)).rows[0]?.n).toBe(42);
    await sql`select ${1}::int as unmarked`.execute(database.db);
    // In a transaction too (same connection, same statement).
    await database.db.transaction().execute(async (tx) => {
      expect((await sql<{ n: number }>`${prepared} select ${9}::int + 1 as n`.execute(tx)).rows[0]?.n).toBe(10);
    });
    expect(await preparedNames()).toHaveLength(kind === "postgres" ? 1 : 0);
    // The pool's own query path (with its callback) still answers.
    expect((await database.query<{ ok: number }>("select $1::int as ok", [7])).rows[0]?.ok).toBe(7);
  });
});
