import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "./db.ts";
import { analyzeGrownTables, startEmbeddedMaintenance, vacuumTables } from "./maintenance.ts";

describe("embedded database maintenance (PGlite has no autovacuum)", () => {
  let database: DatabaseHandle;
  const stats = async () =>
    (
      await database.query<{ reltuples: number; dead: number }>(
        "select reltuples::int as reltuples, (select count(*) from t where v = 'dead')::int as dead from pg_class where relname = 't'",
      )
    ).rows[0];

  beforeAll(async () => {
    database = await openDatabase({ kind: "pglite", dataDir: undefined });
    await database.exec("create table t (workspace_id uuid, id int, v text, primary key (workspace_id, id))");
    await database.exec("create table empty_table (id int)");
  });
  afterAll(() => database.close());

  it("analyses a table that filled up since it was created, and only that one", async () => {
    await database.exec(
      "insert into t select '00000000-0000-7000-8000-000000000001', i, 'x' from generate_series(1, 5000) i",
    );
    expect((await stats())?.reltuples).toBe(-1); // never analysed: the planner guesses
    expect(await analyzeGrownTables(database)).toEqual(["t"]); // the empty table needs nothing
    expect((await stats())?.reltuples).toBe(5000);
    // With statistics, one workspace's key lookup is an index probe, not a scan of the workspace.
    const plan = await database.query<{ "QUERY PLAN": string }>(
      "explain select * from t where workspace_id = '00000000-0000-7000-8000-000000000001' and id in (1, 2, 3)",
    );
    expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Cond: .*id = ANY/);
    // Nothing grew: nothing to do. Grown by more than a tenth: analysed again.
    expect(await analyzeGrownTables(database)).toEqual([]);
    await database.exec(
      "insert into t select '00000000-0000-7000-8000-000000000001', i, 'x' from generate_series(5001, 7000) i",
    );
    expect(await analyzeGrownTables(database)).toEqual(["t"]);
    expect((await stats())?.reltuples).toBe(7000);
  });

  it("vacuums every table, keeping the rows", async () => {
    await database.exec("update t set v = 'y' where id <= 3000");
    const before = await database.query<{ pages: number }>("select pg_relation_size('t')::int / 8192 as pages");
    expect(await vacuumTables(database)).toEqual(["empty_table", "t"]);
    // The dead versions' space is reusable: the same update again does not grow the table.
    await database.exec("update t set v = 'z' where id <= 3000");
    const after = await database.query<{ pages: number }>("select pg_relation_size('t')::int / 8192 as pages");
    expect(after.rows[0]?.pages).toBe(before.rows[0]?.pages);
    expect((await database.query<{ n: number }>("select count(*)::int as n from t")).rows[0]?.n).toBe(7000);
  });

  it("runs on a timer on PGlite, reports failures and keeps going, and does nothing on PostgreSQL", async () => {
    const errors: unknown[] = [];
    const broken = { ...database, exec: async () => Promise.reject(new Error("disk full")) };
    const stop = startEmbeddedMaintenance(broken, (err) => errors.push(err), { analyzeMs: 20, vacuumMs: 1_000_000 });
    await database.exec(
      "insert into t select '00000000-0000-7000-8000-000000000002', i, 'x' from generate_series(1, 5000) i",
    );
    await new Promise((resolve) => setTimeout(resolve, 120));
    await stop();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect((errors[0] as Error).message).toBe("disk full");
    const calls: string[] = [];
    const server = { ...database, kind: "postgres" as const, exec: async (text: string) => void calls.push(text) };
    await startEmbeddedMaintenance(server, () => undefined, { analyzeMs: 5, vacuumMs: 5 })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toEqual([]);
  });
});
