import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/platform/config.ts";
import type { AppContext } from "../src/platform/context.ts";
import { openDatabase } from "../src/platform/db.ts";
import { createJobs } from "../src/platform/jobs.ts";
import { migrateToLatest } from "../src/platform/migrate.ts";
import { defineJobs } from "../src/wiring.ts";

/** The databases every integration suite runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const TEST_DATABASES: ("pglite" | "postgres")[] = loadConfig().TEST_DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

export type TestEnv = AppContext & {
  app: Awaited<ReturnType<typeof buildApp>>;
  /** The schema of this run's job-queue tables. */
  jobsSchema: string;
  close(): Promise<void>;
};

/** A fresh, migrated database of the given kind (PostgreSQL: a schema of its own, dropped on close) and the HTTP app over it. */
export async function openTestEnv(
  kind: "pglite" | "postgres",
  settings: Record<string, string> = {},
): Promise<TestEnv> {
  const config = loadConfig({ LOG_LEVEL: "silent", TEST_DATABASE_URL: process.env.TEST_DATABASE_URL, ...settings });
  let dropSchema: (() => Promise<void>) | undefined;
  let database: AppContext["database"];
  if (kind === "postgres") {
    const url = config.TEST_DATABASE_URL;
    if (!url) throw new Error("TEST_DATABASE_URL is not set");
    const schema = `test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    database = await openDatabase({ kind: "postgres", url, schema, max: Number(process.env.TEST_DB_POOL_MAX ?? 4) });
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    };
  } else {
    database = await openDatabase({ kind: "pglite", dataDir: undefined });
  }
  await migrateToLatest(database.db);
  // The job queue gets a schema of its own per run (pg-boss names its schema explicitly).
  const jobsSchema = `jobs_${randomBytes(6).toString("hex")}`;
  // Tests poll the job queues often; benchmarks poll as production does (TEST_JOBS_POLL_SECONDS=2, the default).
  const jobs = createJobs(database, {
    schema: jobsSchema,
    pollingIntervalSeconds: Number(process.env.TEST_JOBS_POLL_SECONDS ?? 0.5),
  });
  const ctx: AppContext = { config, database, secretKey: randomBytes(32), logger: pino({ level: "silent" }), jobs };
  defineJobs(ctx);
  const app = await buildApp(ctx, { serveConsole: false });
  await app.ready();
  return {
    ...ctx,
    app,
    jobsSchema,
    async close() {
      await app.close();
      await jobs.stop(5000);
      await database.query(`drop schema if exists ${jobsSchema} cascade`);
      await database.close();
      await dropSchema?.();
    },
  };
}

/**
 * The environment's database as another handle that records each statement's kind (a module's caches keyed by
 * the database handle start empty on it): how many statements a call costs.
 */
export function countingDatabase(env: TestEnv): { database: TestEnv["database"]; statements: string[] } {
  const statements: string[] = [];
  const db = env.database.db.withPlugin({
    transformQuery: (args) => {
      statements.push(args.node.kind);
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { database: { ...env.database, db }, statements };
}
