// bench/contact-search: latency of GET /api/v1/contacts?query=… (substring search over names, emails, phones,
// company, identities) over N contacts, against the same route without a query (the first page of the list),
// both measured in the same run. Target (issue 3): p95 ≤ 50 ms over 1,000,000 contacts.
// Usage: node --import tsx bench/contact-search.ts [--rows 100000] [--searches 300] [--db postgres|pglite]
import { arg, dbKind, fmt, loadContacts, openBenchEnv, percentile } from "./profiles-setup.ts";

const rows = Number(arg("rows", "100000"));
const searches = Number(arg("searches", "300"));
const kind = dbKind();
const { env, ws } = await openBenchEnv(kind);
const W = ws.workspace.id;

const QUERIES: [string, (i: number) => string][] = [
  ["exact email", (i) => `user${(i * 7919) % rows}@example.com`],
  ["email fragment", (i) => `user${(i * 104_729) % rows}@`],
  ["phone as dialled", (i) => `06 ${String(10_000_000 + ((i * 15_485_863) % rows)).slice(-8)}`],
  ["name substring", (i) => ["lovel", "hopp", "curi", "okaf", "tanak"][i % 5] ?? "lovel"],
  ["full name", (i) => ["Ada Lovelace", "Grace Hopper", "Marie Curie"][i % 3] ?? "Ada Lovelace"],
  ["company", (i) => `Company ${(i * 31) % 5000}`],
  ["chinese substring", (i) => ["小明", "王", "李小红"][i % 3] ?? "小明"],
  ["no match", (i) => `zzq${i}xv`],
];

try {
  const loadSeconds = await loadContacts(env, W, rows);
  await env.app.inject({
    method: "PUT",
    url: "/api/v1/contact-settings",
    headers: ws.auth("admin"),
    payload: { defaultRegion: "FR" },
  });
  const get = async (url: string) => {
    const t = performance.now();
    const res = await env.app.inject({ method: "GET", url, headers: ws.auth("admin") });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) {
    await get("/api/v1/contacts");
    await get(`/api/v1/contacts?query=${encodeURIComponent(QUERIES[i % QUERIES.length]?.[1](i) ?? "")}`);
  }
  const base: number[] = [];
  const all: number[] = [];
  const byKind = new Map<string, number[]>();
  for (let i = 0; i < searches; i++) {
    base.push(await get("/api/v1/contacts"));
    const [name, make] = QUERIES[i % QUERIES.length] as [string, (i: number) => string];
    const ms = await get(`/api/v1/contacts?query=${encodeURIComponent(make(i))}`);
    all.push(ms);
    byKind.set(name, [...(byKind.get(name) ?? []), ms]);
  }
  console.log(
    `contact search on ${kind}: ${fmt(rows)} contacts (loaded in ${fmt(loadSeconds, 1)} s), ${fmt(searches)} searches`,
  );
  console.log(
    `  baseline list, no query   : p50 ${fmt(percentile(base, 50), 2)} ms  p95 ${fmt(percentile(base, 95), 2)} ms`,
  );
  for (const [name, times] of byKind) {
    console.log(
      `  ${name.padEnd(26)}: p50 ${fmt(percentile(times, 50), 2)} ms  p95 ${fmt(percentile(times, 95), 2)} ms`,
    );
  }
  console.log(
    `  all searches              : p50 ${fmt(percentile(all, 50), 2)} ms  p95 ${fmt(percentile(all, 95), 2)} ms`,
  );
  console.log(
    `  ratio p95 search / list   : ${fmt(percentile(all, 95) / percentile(base, 95), 2)} (target p95 ≤ 50 ms)`,
  );
} finally {
  await env.close();
}
