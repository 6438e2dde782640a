// bench/http-baseline: requests/s of an authenticated GET /api/v1/me against a bare Fastify route,
// both served by one child process, measured in the same run; prints the ratio (target ≥ 0.5 on PostgreSQL).
// Usage: npm run bench:http [-- --db=pglite] [--seconds=3] [--rounds=5] [--connections=10]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const seconds = Number(arg("seconds", "3"));
const connections = Number(arg("connections", "10"));
const db = arg("db", "postgres");

const child = spawn(process.execPath, ["--import", "tsx", "bench/http-server.ts"], {
  env: {
    ...process.env,
    BENCH_DB: db,
    TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
const { app, bare, token } = JSON.parse(line) as { app: string; bare: string; token: string };

async function measure(url: string, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, headers, connections, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

// Warm both up, then alternate so drift affects both sides alike.
await measure(`${bare}/bare`);
await measure(`${app}/api/v1/me`, { authorization: `Bearer ${token}` });
type Figures = Awaited<ReturnType<typeof measure>>;
const rounds = Number(arg("rounds", "5"));
const runs: { bare: Figures; me: Figures; ratio: number }[] = [];
for (let i = 0; i < rounds; i++) {
  const bareRun = await measure(`${bare}/bare`);
  const meRun = await measure(`${app}/api/v1/me`, { authorization: `Bearer ${token}` });
  runs.push({ bare: bareRun, me: meRun, ratio: meRun.rps / bareRun.rps });
}
// The load generator shares the machine's cores with the server: each round's ratio is noisy, the median is not.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const avg = (f: (r: { bare: Figures; me: Figures }) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
const ratio = median(runs.map((r) => r.ratio));
console.log(
  `database: ${db}, ${connections} connections, ${seconds} s per run, ${rounds} alternating rounds after warm-up`,
);
console.log(
  `bare Fastify route   : ${avg((r) => r.bare.rps).toFixed(0)} req/s  p50 ${avg((r) => r.bare.p50)} ms  p99 ${avg((r) => r.bare.p99)} ms`,
);
console.log(
  `GET /api/v1/me (auth): ${avg((r) => r.me.rps).toFixed(0)} req/s  p50 ${avg((r) => r.me.p50)} ms  p99 ${avg((r) => r.me.p99)} ms`,
);
console.log(`ratio per round: ${runs.map((r) => r.ratio.toFixed(2)).join(" ")}`);
console.log(`median ratio: ${ratio.toFixed(2)} (target ≥ 0.50) ${ratio >= 0.5 ? "OK" : "BELOW TARGET"}`);
child.kill("SIGTERM");
