// Shared set-up of the profiles benchmarks: a fresh migrated database (PostgreSQL in a schema of its own, or
// in-memory PGlite) with a workspace, a generated contacts CSV, and the import that loads it.
import { createReadStream, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import {
  createImport,
  type ImportTimings,
  runImport,
} from "../apps/server/src/modules/profiles/bulk/import-contacts.ts";
import { buildWorkspace } from "../apps/server/test/factories.ts";
import { openTestEnv, type TestEnv } from "../apps/server/test/harness.ts";
import { NOW_MS, uuidv7Sql } from "./sql-ids.ts";

/** `--name=value` or `--name value` from the command line. */
export function arg(name: string, fallback: string): string {
  const argv = process.argv;
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
}

export const dbKind = (): "postgres" | "pglite" => (arg("db", "postgres") === "pglite" ? "pglite" : "postgres");

export async function openBenchEnv(kind: "postgres" | "pglite") {
  process.env.TEST_DATABASE_URL ??= "postgres://root@127.0.0.1:5432/test";
  const env = await openTestEnv(kind);
  const ws = await buildWorkspace(env, `bench-${Date.now().toString(36)}`);
  return { env, ws };
}

const GIVEN = ["Ada", "Grace", "Alan", "Marie", "Wei", "Yuki", "Amara", "Lucas", "Sofia", "Omar", "小明", "Zoë"];
const FAMILY = ["Lovelace", "Hopper", "Turing", "Curie", "王", "Tanaka", "Okafor", "Martin", "García", "Haddad"];

/** The CSV line of contact i: unique email, phone and crm id; names, company and tags from small sets. */
export function contactLine(i: number): string {
  const g = GIVEN[i % GIVEN.length];
  const f = FAMILY[(i * 7) % FAMILY.length];
  const phone = `+33 6 ${String(10_000_000 + i)
    .slice(-8)
    .replace(/(\d\d)(?=\d)/g, "$1 ")}`;
  return `${g},${f},${g?.toLowerCase()}.${i}@example.com,${phone},Company ${i % 1000},vip|segment-${i % 20},C-${i}\n`;
}
export const CSV_HEADER = "given_name,family_name,email,phone,company,tags,crm_id\n";

/** Writes n contacts as CSV to a temporary file; returns its path. */
export async function writeContactsCsv(n: number): Promise<string> {
  const path = join(tmpdir(), `rapport-bench-contacts-${n}-${process.pid}.csv`);
  async function* lines() {
    yield CSV_HEADER;
    let chunk = "";
    for (let i = 0; i < n; i++) {
      chunk += contactLine(i);
      if (chunk.length > 1 << 20) {
        yield chunk;
        chunk = "";
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(lines(), createWriteStream(path));
  return path;
}

/** Counts the SQL statements run through a Kysely (BEGIN/COMMIT excepted). */
export class StatementCounter implements KyselyPlugin {
  statements = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Imports a CSV file into the workspace the way `rapport import contacts` does; returns seconds, the import row,
 * where the time went and how many statements its batches ran.
 */
export async function importFile(env: TestEnv, workspaceId: string, path: string) {
  const counter = new StatementCounter();
  const timings: ImportTimings = { readMs: 0, prepareMs: 0, commitMs: 0, matchMs: 0, waitMs: 0, batches: 0 };
  const counted = { ...env, database: { ...env.database, db: env.database.db.withPlugin(counter) } };
  const imp = await createImport(
    env.database.db,
    { type: "system", workspaceId },
    {
      origin: "cli",
      format: "csv",
      fileName: "bench.csv",
      options: {},
      state: "queued",
    },
  );
  const start = process.hrtime.bigint();
  const done = await runImport(counted, workspaceId, imp.id, createReadStream(path, { highWaterMark: 256 * 1024 }), {
    timings,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, done, timings, statements: counter.statements };
}

/** p-th percentile (0–100) of a list of milliseconds. */
export function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Loads N contacts server-side (generate_series) with the search text the application derives: folded names,
 * company, email and the phone as entered, in E.164 and as digits; every 50th contact a Chinese name (its
 * Latin name key from the pinyin of its parts). With
 * `keys`, their email and phone keys too (for duplicate lookups). Returns the seconds it took.
 */
export async function loadContacts(env: TestEnv, W: string, rows: number, options: { keys?: boolean } = {}) {
  const start = performance.now();
  const step = 100_000;
  for (let from = 0; from < rows; from += step) {
    const to = Math.min(rows, from + step) - 1;
    await env.database.query(
      `insert into contacts (workspace_id, id, given_name, family_name, display_name, emails, phones, company,
         name_key, name_latin_key, company_key, search_text, created_at, updated_at)
       select $1::uuid, ${uuidv7Sql(`${NOW_MS} - ${rows} + i`, "i")}, g, f, d,
         jsonb_build_array(jsonb_build_object('value', e, 'normalized', e, 'valid', true)),
         jsonb_build_array(jsonb_build_object('value', p, 'e164', p, 'valid', true)),
         co, lower(replace(d, ' ', '')),
         case when lower(gl) < lower(fl) collate "C" then lower(gl || fl) else lower(fl || gl) end, lower(co),
         lower(d || ' ' || g || ' ' || f || ' ' || co || ' ' || e || ' ' || p || ' ' || p || ' ' || substr(p, 2)),
         now(), now()
       from (
         select i,
           case when i % 50 = 0 then (array['小明','小红','伟','芳'])[1 + i % 4]
                else (array['Ada','Grace','Alan','Marie','Wei','Yuki','Amara','Lucas','Sofia','Omar'])[1 + i % 10] end as g,
           case when i % 50 = 0 then (array['王','李','张','刘','陈'])[1 + (i / 50) % 5]
                else (array['Lovelace','Hopper','Turing','Curie','Tanaka','Okafor','Martin','Garcia','Haddad','Novak'])[1 + (i / 10) % 10] end as f,
           case when i % 50 = 0 then (array['xiaoming','xiaohong','wei','fang'])[1 + i % 4]
                else (array['Ada','Grace','Alan','Marie','Wei','Yuki','Amara','Lucas','Sofia','Omar'])[1 + i % 10] end as gl,
           case when i % 50 = 0 then (array['wang','li','zhang','liu','chen'])[1 + (i / 50) % 5]
                else (array['Lovelace','Hopper','Turing','Curie','Tanaka','Okafor','Martin','Garcia','Haddad','Novak'])[1 + (i / 10) % 10] end as fl,
           'Company ' || (i % 5000) as co,
           'user' || i || '@example.com' as e,
           '+336' || lpad((10000000 + i)::text, 8, '0') as p
         from generate_series(${from}, ${to}) as i
       ) s
       cross join lateral (select case when i % 50 = 0 then f || g else g || ' ' || f end as d) n`,
      [W],
    );
  }
  if (options.keys) {
    await env.database.query(
      `insert into contact_keys (workspace_id, kind, key, contact_id)
       select workspace_id, 'email', emails->0->>'normalized', id from contacts where workspace_id = $1
       union all
       select workspace_id, 'phone', phones->0->>'e164', id from contacts where workspace_id = $1`,
      [W],
    );
  }
  await env.database.query("analyze contacts, contact_keys");
  return (performance.now() - start) / 1000;
}
