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

try {
  const copySeconds = await copyBaseline();
  const { seconds, done } = await importFile(env, ws.workspace.id, path);
  if (done.state !== "completed" || done.imported !== rows) {
    throw new Error(
      `import ended ${done.state} with ${done.imported} of ${rows} imported: ${JSON.stringify(done.error)}`,
    );
  }
  const again = await importFile(env, ws.workspace.id, path);
  const importRate = rows / seconds;
  const copyRate = rows / copySeconds;
  console.log(`profiles import on ${kind}: ${fmt(rows)} contacts (CSV with email, phone, company, tags, crm_id)`);
  console.log(`  baseline COPY into a bare table : ${fmt(copySeconds, 2)} s  ${fmt(copyRate)} rows/s`);
  console.log(`  rapport import (new contacts)   : ${fmt(seconds, 2)} s  ${fmt(importRate)} rows/s`);
  console.log(
    `  re-run of the same file         : ${fmt(again.seconds, 2)} s  ${fmt(rows / again.seconds)} rows/s (${fmt(again.done.unchanged)} unchanged, ${fmt(again.done.imported)} new)`,
  );
  console.log(`  ratio import / COPY             : ${fmt(importRate / copyRate, 3)} (target ≥ 0.5)`);
  console.log(`  target rows/s                   : ${kind === "postgres" ? "100,000" : "50,000"}`);
} finally {
  await env.close();
  rmSync(path, { force: true });
}
