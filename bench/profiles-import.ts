// bench/profiles-import: contacts imported per second by the CSV import (validation, normalisation, dedupe
// lookups, batches of 1,000 in their own transactions, every index in place) against a plain COPY of the same
// file into a bare table on the same database, measured in the same run.
// Targets (issue 3): ≥ 100,000 rows/s on PostgreSQL, ≥ 50,000 on PGlite, and ≥ 0.5 × COPY.
// Usage: node --import tsx bench/profiles-import.ts [--rows 100000] [--db postgres|pglite]
import { createReadStream, rmSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { arg, dbKind, fmt, importFile, openBenchEnv, writeContactsCsv } from "./profiles-setup.ts";

const rows = Number(arg("rows", "100000"));
const kind = dbKind();
const BARE = "given_name text, family_name text, email text, phone text, company text, tags text, crm_id text";

const path = await writeContactsCsv(rows);
const { env, ws } = await openBenchEnv(kind);

/** COPY of the file into a bare table: PostgreSQL through COPY FROM STDIN, PGlite through its /dev/blob. */
async function copyBaseline(): Promise<number> {
  if (kind === "postgres") {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    await client.query(`create temp table bench_copy (${BARE})`);
    const start = process.hrtime.bigint();
    await pipeline(
      createReadStream(path),
      client.query(copyFrom("copy bench_copy from stdin with (format csv, header true)")),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await client.end();
    return seconds;
  }
  const lite = await PGlite.create();
  await lite.exec(`create table bench_copy (${BARE})`);
  const { readFile } = await import("node:fs/promises");
  const blob = new Blob([await readFile(path)]);
  const start = process.hrtime.bigint();
  await lite.query("copy bench_copy from '/dev/blob' with (format csv, header true)", [], { blob });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await lite.close();
  return seconds;
}

/**
 * What the database alone costs: the imported rows copied aside, the tables emptied, and the same rows inserted
 * back with INSERT … SELECT (every index in place; no parameters, no JavaScript), then contacts again with
 * only its primary key. The bench's own schema, so emptying it touches nothing else.
 */
async function databaseCeiling() {
  const q = (text: string) => env.database.query(text);
  const timed = async (text: string) => {
    const start = performance.now();
    await q(text);
    return (performance.now() - start) / 1000;
  };
  await q("create table ceiling_contacts as select * from contacts");
  await q("create table ceiling_keys as select * from contact_keys");
  await q("create table ceiling_identities as select * from contact_identities");
  await q("truncate contacts cascade");
  const contacts = await timed("insert into contacts select * from ceiling_contacts");
  const keys = await timed("insert into contact_keys select * from ceiling_keys");
  const identities = await timed("insert into contact_identities select * from ceiling_identities");
  await q("truncate contacts cascade");
  const { rows } = await env.database.query<{ indexname: string }>(
    "select indexname from pg_indexes where tablename = 'contacts' and schemaname = current_schema() and indexname <> 'contacts_pkey'",
  );
  for (const { indexname } of rows) await q(`drop index ${indexname}`);
  const bare = await timed("insert into contacts select * from ceiling_contacts");
  return { seconds: contacts + keys + identities, contacts, keys, identities, bare };
}

try {
  const copySeconds = await copyBaseline();
  const first = await importFile(env, ws.workspace.id, path);
  const { seconds, done } = first;
  if (done.state !== "completed" || done.imported !== rows) {
    throw new Error(
      `import ended ${done.state} with ${done.imported} of ${rows} imported: ${JSON.stringify(done.error)}`,
    );
  }
  const again = await importFile(env, ws.workspace.id, path);
  const ceiling = await databaseCeiling();
  const importRate = rows / seconds;
  const copyRate = rows / copySeconds;
  console.log(`profiles import on ${kind}: ${fmt(rows)} contacts (CSV with email, phone, company, tags, crm_id)`);
  console.log(`  baseline COPY into a bare table : ${fmt(copySeconds, 2)} s  ${fmt(copyRate)} rows/s`);
  console.log(`  rapport import (new contacts)   : ${fmt(seconds, 2)} s  ${fmt(importRate)} rows/s`);
  console.log(
    `  re-run of the same file         : ${fmt(again.seconds, 2)} s  ${fmt(rows / again.seconds)} rows/s (${fmt(again.done.unchanged)} unchanged, ${fmt(again.done.imported)} new)`,
  );
  console.log(`  ratio import / COPY             : ${fmt(importRate / copyRate, 3)} (target ≥ 0.5)`);
  for (const [label, run] of [
    ["new contacts", { seconds, timings: first.timings, statements: first.statements }],
    ["re-run", again],
  ] as const) {
    const t = run.timings;
    const ms = (v: number) => `${fmt(v / 1000, 2)} s`;
    console.log(
      `  ${label.padEnd(12)} where the time went: read+parse+check ${ms(t.readMs)}, validate+normalise ${ms(t.prepareMs)} (JS); transactions ${ms(t.commitMs)} (of which matching in JS ${ms(t.matchMs)}) in ${fmt(t.batches)} batches (${fmt(run.statements / Math.max(1, t.batches), 1)} statements each + BEGIN/COMMIT), reading waited ${ms(t.waitMs)} for it`,
    );
  }
  if (kind === "pglite") {
    console.log(
      "  (PGlite runs its queries on this thread: the database work of a batch runs while the next one is read, so it shows in read+parse+check too)",
    );
  }
  console.log(
    `  database ceiling: INSERT … SELECT of the same prepared rows with every index: ${fmt(ceiling.seconds, 2)} s  ${fmt(rows / ceiling.seconds)} rows/s (${fmt(rows / ceiling.seconds / copyRate, 3)} × COPY); contacts ${fmt(ceiling.contacts, 2)} s, keys ${fmt(ceiling.keys, 2)} s, identities ${fmt(ceiling.identities, 2)} s; contacts with its primary key only ${fmt(ceiling.bare, 2)} s`,
  );
  console.log(`  target rows/s                   : ${kind === "postgres" ? "100,000" : "50,000"}`);
} finally {
  await env.close();
  rmSync(path, { force: true });
}
