// Child process of bench/http-baseline.ts: serves the real app (authenticated GET /api/v1/me) and a bare
// Fastify route side by side, then prints their ports, a token and an api channel as one JSON line.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import Fastify from "fastify";
import { createDispatcher } from "../apps/server/src/platform/outbox.ts";
import { subscribeHandlers } from "../apps/server/src/wiring.ts";
import { buildWorkspace } from "../apps/server/test/factories.ts";
import { openTestEnv } from "../apps/server/test/harness.ts";

const kind = process.env.BENCH_DB === "pglite" ? "pglite" : "postgres";
const env = await openTestEnv(kind);
const ws = await buildWorkspace(env);
const address = await env.app.listen({ port: 0, host: "127.0.0.1" });
// An api channel for the ingest benchmark.
const created = await env.app.inject({
  method: "POST",
  url: "/api/v1/channels",
  headers: ws.auth("admin"),
  payload: { type: "api", name: "bench" },
});
const channelId = (created.json() as { channel: { id: string } }).channel.id;
// For the ingest benchmark, events are dispatched while it runs, as in production (worker role in the same
// process); the HTTP baseline measures the web role alone.
const dispatcher = createDispatcher(env.database, {});
if (process.env.BENCH_WORKER === "1" || (process.env.BENCH_WORKER === "process" && kind === "pglite")) {
  subscribeHandlers(env, dispatcher);
  await env.jobs.start({ work: true, supervise: false });
  await dispatcher.start();
}
// BENCH_WORKER=process (PostgreSQL): the worker role runs in a process of its own (bench/worker-process.ts), as
// production runs `--roles=web` and `--roles=worker` apart; this process is then the web role alone.
const worker =
  process.env.BENCH_WORKER === "process" && kind === "postgres"
    ? spawn(process.execPath, ["--import", "tsx", "bench/worker-process.ts"], {
        env: {
          ...process.env,
          BENCH_SCHEMA: (await env.database.query<{ s: string }>("select current_schema() as s")).rows[0]?.s,
          BENCH_JOBS_SCHEMA: env.jobsSchema,
          BENCH_SECRET_KEY: env.secretKey.toString("hex"),
        },
        stdio: ["ignore", "pipe", "inherit"],
      })
    : undefined;
if (worker?.stdout) await once(worker.stdout, "data");
const bare = Fastify({ logger: false });
bare.get("/bare", async () => ({ ok: true }));
// The ingest benchmark's baseline: one single-row INSERT of the same message into a bare table per request.
await env.database.exec(
  "create table bench_messages (id uuid primary key, channel_id uuid, external_id text, sender text, body text, created_at timestamptz default now())",
);
bare.post("/bare-insert", async (request) => {
  const m = request.body as { externalMessageId: string; from: { externalId: string }; text: string };
  await env.database.query(
    "insert into bench_messages (id, channel_id, external_id, sender, body) values ($1, $2, $3, $4, $5)",
    [randomUUID(), channelId, m.externalMessageId, m.from.externalId, m.text],
  );
  return { ok: true };
});
// Steady state: after the warm-up, the tables carry planner statistics, as autovacuum (PostgreSQL) or the
// embedded mode's maintenance job (PGlite) gives them in production; freshly created tables have none.
bare.post("/analyze", async () => {
  await env.database.exec("analyze");
  return { ok: true };
});
// The outbox events not yet dispatched: after a run, whether the event handlers kept up with the ingest.
bare.get("/backlog", async () => {
  const { rows } = await env.database.query<{ n: number }>(
    "select count(*)::int as n from outbox where dispatched_at is null",
  );
  return { undispatched: rows[0]?.n ?? 0 };
});
const bareAddress = await bare.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(
  `${JSON.stringify({ app: address, bare: bareAddress, token: ws.tokens.agent, kind, channelId, workspaceId: ws.workspace.id })}\n`,
);
process.on("SIGTERM", async () => {
  await bare.close();
  if (worker) {
    worker.kill("SIGTERM");
    await once(worker, "exit");
  }
  await dispatcher.stop();
  await env.close();
  process.exit(0);
});
// BENCH_COUNT_SQL=1: counts the statements the process sends to PostgreSQL by their first words, printed to
// stderr on SIGTERM — how many round trips a message costs, ingest and event handlers together.
if (process.env.BENCH_COUNT_SQL === "1") {
  const pg = await import("pg");
  const counts = new Map<string, number>();
  const original = pg.default.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.default.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? "?");
    const key = text.replace(/\s+/g, " ").slice(0, 90);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return original.apply(this, args);
  } as typeof pg.default.Client.prototype.query;
  process.on("SIGTERM", () => {
    const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 60);
    process.stderr.write(`${rows.map(([k, v]) => `${String(v).padStart(7)}  ${k}`).join("\n")}\n`);
  });
}
