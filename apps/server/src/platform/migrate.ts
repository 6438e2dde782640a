import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { AppError } from "./errors.ts";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

const provider: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{8}T\d{4}-[a-z0-9-]+\.ts$/.test(f)).sort();
    const out: Record<string, Migration> = {};
    for (const file of files) {
      out[file.replace(/\.ts$/, "")] = (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as Migration;
    }
    return out;
  },
};

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: name the current
  // schema, so another schema of the same database (a test run, another install) is never mistaken for ours.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({ db: db.withoutPlugins(), provider, migrationTableSchema: rows[0]?.schema });
  let { error, results } = await migrator.migrateToLatest();
  // Before running anything, Kysely looks for its tables by introspecting every schema of the database; a
  // schema dropped meanwhile by someone else (another test run's, another install's) fails that catalog scan
  // with 3F000/42P01. Nothing of ours ran (no migration result): look again.
  for (let attempt = 1; error && !results?.length && isConcurrentDrop(error) && attempt <= 10; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new AppError("internal", "migration_failed", `Migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** PostgreSQL's "schema does not exist" / "relation does not exist" (a catalog scan racing a DROP SCHEMA). */
function isConcurrentDrop(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "3F000" || code === "42P01";
}
