// bench/jobs-throughput: jobs/s worked by one process (send 1,000 no-op jobs, work them with 4 loops) against a
// baseline of the same number of single-row INSERTs on the same database in the same run.
// Usage: node --import tsx bench/jobs-throughput.ts [--db=pglite] [--jobs=1000]
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { openTestEnv } from "../apps/server/test/harness.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const kind = arg("db", "postgres") === "pglite" ? "pglite" : "postgres";
const count = Number(arg("jobs", "1000"));
const env = await openTestEnv(kind);

await env.database.exec(
  "create table bench_rows (id uuid primary key, workspace_id uuid, at timestamptz default now())",
);
const ws = randomUUID();
let t = performance.now();
for (let i = 0; i < count; i++) {
  await env.database.query("insert into bench_rows (id, workspace_id) values ($1, $2)", [randomUUID(), ws]);
}
const insertRate = count / ((performance.now() - t) / 1000);

let done = 0;
env.jobs.define({
  name: "bench.noop",
  schema: z.strictObject({ workspaceId: z.uuid() }),
  concurrency: 4,
  handler: async () => void done++,
});
await env.jobs.start({ work: true, supervise: false });
t = performance.now();
for (let i = 0; i < count; i++) await env.jobs.send("bench.noop", { workspaceId: ws });
while (done < count) await new Promise((r) => setTimeout(r, 5));
const jobRate = count / ((performance.now() - t) / 1000);

console.log(`database: ${kind}, ${count} jobs (sent one by one, then worked by 4 loops)`);
console.log(`baseline single-row INSERT: ${insertRate.toFixed(0)} rows/s`);
console.log(`jobs sent and worked      : ${jobRate.toFixed(0)} jobs/s  ratio ${(jobRate / insertRate).toFixed(2)}`);
await env.close();
