// bench/case-list: the inbox's case list (GET /api/v1/cases, authenticated, with its presenter) over a workspace
// holding 1,000,000 contacts, 200,000 cases and 5,000,000 messages on PostgreSQL, at 50 concurrent requests,
// against a bare route running one plain keyset SELECT of the same page on the same tables (same process, same
// run). Also counts the SQL statements of one request at page size 25 and 100: they must be equal (no N+1).
// Targets: p95 ≤ 50 ms; statements(25) = statements(100).
// Usage: node --import tsx bench/case-list.ts [--scale=1] [--seconds=10] [--connections=50]
//   --scale=0.1 builds a tenth of the data (100k contacts, 20k cases, 500k messages) for a quick look.
//   --when-idle builds the data at once but measures only once the machine's 1-minute load average is below 1
//   (on a shared box: build while others work, measure when they are done).
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import Fastify from "fastify";
import { sql } from "kysely";
import pg from "pg";
import { arg, openBenchEnv } from "./profiles-setup.ts";
import { NOW_MS, uuidv7Sql } from "./sql-ids.ts";

const scale = Number(arg("scale", "1"));

if (process.argv.includes("--serve")) await serve();
else await drive();

/** The parent: starts the server child, loads it with autocannon, prints the figures. */
async function drive() {
  const seconds = Number(arg("seconds", "10"));
  const connections = Number(arg("connections", "50"));
  const child = spawn(process.execPath, ["--import", "tsx", "bench/case-list.ts", "--serve", `--scale=${scale}`], {
    env: { ...process.env, TEST_DB_POOL_MAX: "20" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<string>((resolve) => {
    lines.on("line", (line) => {
      if (line.startsWith("{")) resolve(line);
      else console.log(line);
    });
  });
  const info = JSON.parse(ready) as {
    app: string;
    bare: string;
    token: string;
    agentId: string;
    statements: Record<string, number>;
  };
  if (process.argv.includes("--when-idle")) {
    console.log(`built; waiting for a 1-minute load average below 1 (now ${loadavg()[0]?.toFixed(1)})…`);
    while ((loadavg()[0] ?? 0) >= 1) await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const headers = { authorization: `Bearer ${info.token}` };
  const measure = async (url: string) => {
    const r = await autocannon({ url, headers, connections, duration: seconds });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r;
  };
  // p95 is not among autocannon's percentiles: p97.5 is the nearest above it, reported as an upper bound.
  const row = (name: string, r: autocannon.Result) =>
    `${name.padEnd(44)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50} ms  p90 ${r.latency.p90} ms  p97.5 ${r.latency.p97_5} ms  p99 ${r.latency.p99} ms`;
  await measure(`${info.bare}/bare-cases`); // warm-up
  const bare = await measure(`${info.bare}/bare-cases`);
  const views: [string, string][] = [
    ["all unsolved, 25 per page", "/api/v1/cases?status=open,pending,on-hold&limit=25"],
    ["one agent's, 25 per page", `/api/v1/cases?status=open,pending,on-hold&assigneeId=${info.agentId}&limit=25`],
    ["unassigned, 100 per page", "/api/v1/cases?status=open,pending,on-hold&assigneeId=none&limit=100"],
    ["all, 100 per page", "/api/v1/cases?limit=100"],
  ];
  const results: [string, autocannon.Result][] = [];
  for (const [name, path] of views) results.push([name, await measure(`${info.app}${path}`)]);
  console.log(`scale ${scale}: ${connections} connections, ${seconds} s per run, PostgreSQL`);
  console.log(row("bare keyset SELECT, 25 rows (baseline)", bare));
  for (const [name, r] of results) console.log(row(`GET /api/v1/cases: ${name}`, r));
  const worst = Math.max(...results.map(([, r]) => r.latency.p97_5));
  console.log(`worst p97.5 (≥ p95): ${worst} ms (target p95 ≤ 50 ms) ${worst <= 50 ? "OK" : "ABOVE TARGET"}`);
  const s = info.statements;
  console.log(
    `statements per request: ${Object.entries(s)
      .map(([k, v]) => `${k} → ${v}`)
      .join(", ")} ${new Set(Object.values(s)).size === 1 ? "OK (same for 25 and 100)" : "DIFFERENT (N+1?)"}`,
  );
  child.kill("SIGTERM");
}

/** The child: builds the data set, counts one request's statements, serves the app and the bare route. */
async function serve() {
  const started = Date.now();
  const log = (text: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${text}`);
  const { env, ws } = await openBenchEnv("postgres");
  const { db } = env.database;
  const wsId = ws.workspace.id;
  const contacts = Math.round(1_000_000 * scale);
  const cases = Math.round(200_000 * scale);
  const messagesPerCase = 25;
  const agentId = ws.users.agent.id;
  const channelId = "00000000-0000-7000-8000-00000000c4a1";
  await sql`insert into channels (workspace_id, id, type, name) values (${wsId}, ${channelId}, 'api', 'bench')`.execute(
    db,
  );
  log(`building ${contacts} contacts, ${cases} cases, ${cases * messagesPerCase} messages…`);
  // Plain tables, not temporary ones: the statements below may run on different pool connections.
  await sql`create table bench_contacts as select i, ${sql.raw(uuidv7Sql(`${NOW_MS} - i * 1000`, "i"))} as id
    from generate_series(1, ${contacts}) i`.execute(db);
  await sql`insert into contacts (workspace_id, id, given_name, family_name, display_name, emails, name_key, search_text, created_at, updated_at)
    select ${wsId}, id, 'Given' || i, 'Family' || (i % 997), 'Given' || i || ' Family' || (i % 997),
      jsonb_build_array(jsonb_build_object('value', 'c' || i || '@example.com')), 'given' || i, 'given' || i,
      now() - make_interval(secs => i), now()
    from bench_contacts`.execute(db);
  log("contacts done");
  await sql`create table bench_cases as
    select c.i, ${sql.raw(uuidv7Sql(`${NOW_MS} - c.i * 9000`, "c.i"))} as id, k.id as contact_id
    from generate_series(1, ${cases}) c(i) join bench_contacts k on k.i = 1 + (c.i * 5 % ${contacts})`.execute(db);
  await sql`insert into cases (workspace_id, id, number, subject, status, priority, contact_id, assignee_id, channel_ids,
      last_message_at, last_inbound_at, created_at, updated_at)
    select ${wsId}, id, i, 'Where is my order ' || i,
      (array['open','pending','on-hold','solved','closed'])[1 + i % 5],
      (array['urgent','high','normal','low'])[1 + i % 4], contact_id,
      case when i % 3 = 0 then ${agentId}::uuid end, array[${channelId}::uuid],
      now() - make_interval(secs => i * 7), now() - make_interval(secs => i * 7), now() - make_interval(secs => i * 9), now()
    from bench_cases`.execute(db);
  log("cases done");
  const chunk = Math.max(1, Math.round(cases / 10));
  for (let from = 1; from <= cases; from += chunk) {
    await sql`insert into messages (workspace_id, id, case_id, channel_id, direction, author_type, type, text, status, created_at)
      select ${wsId}, ${sql.raw(uuidv7Sql(`${NOW_MS} - (c.i * 7 + m) * 1000`, `c.i * ${messagesPerCase} + m`))}, c.id, ${channelId}::uuid,
        case when m % 2 = 0 then 'inbound' else 'outbound' end, case when m % 2 = 0 then 'contact' else 'user' end,
        'text', 'Message ' || m || ' of case ' || c.i, case when m % 2 = 0 then 'received' else 'sent' end,
        now() - make_interval(secs => c.i * 7 + m)
      from bench_cases c cross join generate_series(1, ${messagesPerCase}) m
      where c.i between ${from} and ${from + chunk - 1}`.execute(db);
    log(`messages: ${Math.min(cases, from + chunk - 1) * messagesPerCase} of ${cases * messagesPerCase}`);
  }
  await sql`drop table bench_contacts, bench_cases`.execute(db);
  await sql`analyze`.execute(db);
  log("analyzed");

  // Statements of one request, counted at the driver, for page sizes 25 and 100.
  const statements: Record<string, number> = {};
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  let count = 0;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  } as typeof pg.Client.prototype.query;
  for (const limit of [25, 100]) {
    // Once to warm caches (credentials, workspace), once counted.
    const url = `/api/v1/cases?status=open,pending,on-hold&limit=${limit}`;
    await env.app.inject({ url, headers: ws.auth("agent") });
    count = 0;
    const r = await env.app.inject({ url, headers: ws.auth("agent") });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    statements[`limit ${limit}`] = count;
  }
  pg.Client.prototype.query = original as typeof pg.Client.prototype.query;

  const address = await env.app.listen({ port: 0, host: "127.0.0.1" });
  const bare = Fastify({ logger: false });
  bare.get("/bare-cases", async () => {
    const rows = await sql`select * from cases where workspace_id = ${wsId} and merged_into is null
      and status in ('open', 'pending', 'on-hold') order by last_message_at desc, id desc limit 25`.execute(db);
    return { data: rows.rows };
  });
  const bareAddress = await bare.listen({ port: 0, host: "127.0.0.1" });
  process.stdout.write(
    `${JSON.stringify({ app: address, bare: bareAddress, token: ws.tokens.agent, agentId, statements })}\n`,
  );
  process.on("SIGTERM", async () => {
    setTimeout(() => process.exit(0), 3000).unref(); // a close that hangs must not keep the bench alive
    await bare.close();
    await env.close();
    process.exit(0);
  });
}
