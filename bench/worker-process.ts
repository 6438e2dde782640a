// Child process of bench/http-server.ts when BENCH_WORKER=process: the worker role in a process of its own over
// the same database schema (production's `--roles=web` + `--roles=worker` layout, docs/ARCHITECTURE.md): it
// dispatches the outbox (woken by the web process's NOTIFY) and works the job queues. Prints "ready" once started.
import pino from "pino";
import { loadConfig } from "../apps/server/src/platform/config.ts";
import type { AppContext } from "../apps/server/src/platform/context.ts";
import { openDatabase } from "../apps/server/src/platform/db.ts";
import { createJobs } from "../apps/server/src/platform/jobs.ts";
import { createDispatcher } from "../apps/server/src/platform/outbox.ts";
import { defineJobs, subscribeHandlers } from "../apps/server/src/wiring.ts";

const url = process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
const database = await openDatabase({
  kind: "postgres",
  url,
  schema: process.env.BENCH_SCHEMA ?? "",
  max: Number(process.env.TEST_DB_POOL_MAX ?? 4),
});
const jobs = createJobs(database, {
  schema: process.env.BENCH_JOBS_SCHEMA ?? "",
  pollingIntervalSeconds: Number(process.env.TEST_JOBS_POLL_SECONDS ?? 2),
});
const ctx: AppContext = {
  config: loadConfig({ LOG_LEVEL: "silent" }),
  database,
  secretKey: Buffer.from(process.env.BENCH_SECRET_KEY ?? "", "hex"),
  logger: pino({ level: "silent" }),
  jobs,
};
defineJobs(ctx);
const dispatcher = createDispatcher(database, { listenUrl: url });
subscribeHandlers(ctx, dispatcher);
await jobs.start({ work: true, supervise: false });
await dispatcher.start();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await dispatcher.stop();
  await jobs.stop(5000);
  await database.close();
  process.exit(0);
});
