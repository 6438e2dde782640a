// bench/contact-search: latency of GET /api/v1/contacts?query=… (substring search over names, emails, phones,
// company, identities) over N contacts, against the same route without a query (the first page of the list),
// both measured in the same run. Target (issue 3): p95 ≤ 50 ms over 1,000,000 contacts.
// Usage: node --import tsx bench/contact-search.ts [--rows 100000] [--searches 300] [--db postgres|pglite]
import { arg, dbKind, fmt, openBenchEnv, percentile } from "./profiles-setup.ts";

const rows = Number(arg("rows", "100000"));
const searches = Number(arg("searches", "300"));
const kind = dbKind();
const { env, ws } = await openBenchEnv(kind);
const W = ws.workspace.id;

/**
 * Loads N contacts server-side (generate_series) with the search text the application derives: folded names,
 * company, email and the phone as entered, in E.164 and as digits; every 50th contact a Chinese name.
 */
async function load() {
  const start = performance.now();
  const step = 100_000;
  for (let from = 0; from < rows; from += step) {
    const to = Math.min(rows, from + step) - 1;
    await env.database.query(
      `insert into contacts (workspace_id, id, given_name, family_name, display_name, emails, phones, company,
         name_key, company_key, search_text, created_at, updated_at)
       select $1::uuid, gen_random_uuid(), g, f, d,
         jsonb_build_array(jsonb_build_object('value', e, 'normalized', e, 'valid', true)),
         jsonb_build_array(jsonb_build_object('value', p, 'e164', p, 'valid', true)),
         co, lower(replace(d, ' ', '')), lower(co),
         lower(d || ' ' || g || ' ' || f || ' ' || co || ' ' || e || ' ' || p || ' ' || p || ' ' || substr(p, 2)),
         now(), now()
       from (
         select i,
           case when i % 50 = 0 then (array['小明','小红','伟','芳'])[1 + i % 4]
                else (array['Ada','Grace','Alan','Marie','Wei','Yuki','Amara','Lucas','Sofia','Omar'])[1 + i % 10] end as g,
           case when i % 50 = 0 then (array['王','李','张','刘','陈'])[1 + (i / 50) % 5]
                else (array['Lovelace','Hopper','Turing','Curie','Tanaka','Okafor','Martin','Garcia','Haddad','Novak'])[1 + (i / 10) % 10] end as f,
           'Company ' || (i % 5000) as co,
           'user' || i || '@example.com' as e,
           '+336' || lpad((10000000 + i)::text, 8, '0') as p
         from generate_series(${from}, ${to}) as i
       ) s
       cross join lateral (select case when i % 50 = 0 then f || g else g || ' ' || f end as d) n`,
      [W],
    );
  }
  await env.database.query("analyze contacts");
  return (performance.now() - start) / 1000;
}

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
  const loadSeconds = await load();
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
