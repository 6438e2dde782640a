// bench/resolve-contact: latency of profiles.resolveContact for an identity that already exists (the inbound
// hot path of every channel) against a bare `select 1` round trip on the same pool, measured in the same run.
// Target (issue 3): p99 ≤ 2 ms on PostgreSQL.
// Usage: node --import tsx bench/resolve-contact.ts [--contacts 10000] [--calls 20000] [--db postgres|pglite]
import { rmSync } from "node:fs";
import { sql } from "kysely";
import { resolveContact } from "../apps/server/src/modules/profiles/index.ts";
import { arg, dbKind, fmt, importFile, openBenchEnv, percentile, writeContactsCsv } from "./profiles-setup.ts";

const contacts = Number(arg("contacts", "10000"));
const calls = Number(arg("calls", "20000"));
const kind = dbKind();
const path = await writeContactsCsv(contacts);
const { env, ws } = await openBenchEnv(kind);
const scope = { workspaceId: ws.workspace.id };

try {
  const { done } = await importFile(env, ws.workspace.id, path);
  if (done.imported !== contacts) throw new Error(`only ${done.imported} contacts imported`);
  const resolveTimes: number[] = [];
  const baseTimes: number[] = [];
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % contacts;
  };
  for (let i = 0; i < calls + 1000; i++) {
    const t0 = performance.now();
    await sql`select 1`.execute(env.database.db);
    const t1 = performance.now();
    const r = await resolveContact(env.database.db, scope, { kind: "crm_id", externalId: `C-${next()}` });
    const t2 = performance.now();
    if (r.created) throw new Error("resolveContact created a contact for an existing identity");
    if (i >= 1000) {
      baseTimes.push(t1 - t0);
      resolveTimes.push(t2 - t1);
    }
  }
  const row = (name: string, t: number[]) =>
    `  ${name.padEnd(34)}: p50 ${fmt(percentile(t, 50), 3)} ms  p99 ${fmt(percentile(t, 99), 3)} ms`;
  console.log(
    `resolveContact on ${kind}: ${fmt(calls)} calls over ${fmt(contacts)} contacts (existing crm_id identities)`,
  );
  console.log(row("baseline select 1 round trip", baseTimes));
  console.log(row("resolveContact (existing identity)", resolveTimes));
  console.log(
    `  ratio p50 / p99                   : ${fmt(percentile(resolveTimes, 50) / percentile(baseTimes, 50), 2)} × / ${fmt(percentile(resolveTimes, 99) / percentile(baseTimes, 99), 2)} × the baseline (target p99 ≤ 2 ms)`,
  );
} finally {
  await env.close();
  rmSync(path, { force: true });
}
