import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CUSTOMERS, seedDemo } from "../src/seed.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "./harness.ts";

describe.each(TEST_DATABASES)("demo data on %s", (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await openTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("makes a working inbox once, and grows with --scale", async () => {
    const first = await seedDemo(env);
    expect(first).toMatchObject({ created: true, cases: DEMO_CUSTOMERS });
    expect(first.adminPassword).toMatch(/^\S{12,}$/);
    expect(await seedDemo(env)).toEqual({ created: false });

    const count = async (sqlText: string) => (await env.database.query<{ n: number }>(sqlText)).rows[0]?.n ?? 0;
    const statuses = await env.database.query<{ status: string }>("select distinct status from cases order by 1");
    expect(statuses.rows.map((r) => r.status)).toEqual(["closed", "on-hold", "open", "pending", "solved"]);
    const priorities = await env.database.query<{ priority: string }>("select distinct priority from cases order by 1");
    expect(priorities.rows.map((r) => r.priority)).toEqual(["high", "low", "normal", "urgent"]);
    expect(
      await count("select count(*)::int as n from messages where direction = 'outbound' and private"),
    ).toBeGreaterThan(0);
    expect(await count("select count(*)::int as n from contacts where display_name is null")).toBe(0);
    expect(
      await count("select count(*)::int as n from contacts where display_name ~ '[\\u4e00-\\u9fff]'"),
    ).toBeGreaterThan(0);

    const more = await seedDemo(env, { scale: 1 });
    expect(more).toMatchObject({ created: false, cases: DEMO_CUSTOMERS });
    expect(await count("select count(*)::int as n from cases")).toBe(2 * DEMO_CUSTOMERS);
  });
});
