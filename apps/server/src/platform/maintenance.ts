import type { DatabaseHandle } from "./db.ts";

/**
 * The embedded database's autovacuum. PGlite runs PostgreSQL in single-user mode, where the autovacuum daemon
 * never starts and the activity counters it reads stay at zero. Without it, a table that filled up after it was
 * created keeps the planner's defaults (a `workspace_id = $1` matching 1 row in 200), so lookups by key scan the
 * whole workspace instead of probing the index; and dead rows left by updates are never reclaimed.
 *
 * So the scheduler does what autovacuum would, from what PGlite does keep, the tables' sizes:
 * - `analyzeGrownTables` analyses each table never analysed or grown by more than a tenth (and 8 pages) since its
 *   last analysis: cheap to check, often (every 5 minutes).
 * - `vacuumTables` vacuums every table, one at a time, so requests interleave with it (hourly); pages where
 *   nothing changed are skipped through the visibility map.
 * PostgreSQL's own autovacuum does both on a server: neither runs there.
 */
export async function analyzeGrownTables(database: DatabaseHandle): Promise<string[]> {
  const { rows } = await database.query<{ name: string }>(
    `select c.relname as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'
        and (pg_relation_size(c.oid) / current_setting('block_size')::int) > 0
        and (c.reltuples < 0
          or (pg_relation_size(c.oid) / current_setting('block_size')::int) > c.relpages * 1.1 + 8)
      order by c.relname`,
  );
  for (const { name } of rows) await database.exec(`analyze ${quoteIdent(name)}`);
  return rows.map((r) => r.name);
}

export async function vacuumTables(database: DatabaseHandle): Promise<string[]> {
  const { rows } = await database.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r' order by c.relname`,
  );
  for (const { name } of rows) await database.exec(`vacuum (analyze) ${quoteIdent(name)}`);
  return rows.map((r) => r.name);
}

/**
 * Runs both on PGlite from the scheduler role; returns the stop function, which waits for a pass under way.
 * A no-op on PostgreSQL.
 */
export function startEmbeddedMaintenance(
  database: DatabaseHandle,
  onError: (err: unknown) => void,
  every = { analyzeMs: 5 * 60_000, vacuumMs: 60 * 60_000 },
): () => Promise<void> {
  if (database.kind !== "pglite") return async () => undefined;
  let running: Promise<unknown> = Promise.resolve();
  // One pass at a time; a pass that fails is reported and the next one tries again.
  const run = (pass: () => Promise<unknown>) => {
    running = running.then(pass).catch(onError);
  };
  const analyze = setInterval(() => run(() => analyzeGrownTables(database)), every.analyzeMs);
  const vacuum = setInterval(() => run(() => vacuumTables(database)), every.vacuumMs);
  analyze.unref();
  vacuum.unref();
  return async () => {
    clearInterval(analyze);
    clearInterval(vacuum);
    await running;
  };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
