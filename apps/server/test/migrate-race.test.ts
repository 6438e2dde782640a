import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openTestEnv, TEST_DATABASES } from "./harness.ts";

// Kysely's Migrator introspects every schema of the database before migrating; another schema dropped during
// that scan (a parallel test run's, another install's) used to fail the migration with 3F000/42P01.
describe.skipIf(!TEST_DATABASES.includes("postgres"))("migrations on PostgreSQL", () => {
  it("succeed while other schemas are created and dropped all the time", async () => {
    const churn = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await churn.connect();
    let stop = false;
    let churned = 0;
    const loop = (async () => {
      while (!stop) {
        const schema = `churn_${randomBytes(5).toString("hex")}`;
        await churn.query(`create schema ${schema}; create table ${schema}.t (id serial primary key, a text, b text)`);
        await churn.query(`drop schema ${schema} cascade`);
        churned++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const env = await openTestEnv("postgres");
        await env.close();
      }
    } finally {
      stop = true;
      await loop;
      await churn.end();
    }
    expect(churned).toBeGreaterThan(0);
  });
});
