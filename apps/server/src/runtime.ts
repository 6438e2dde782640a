import pino from "pino";
import type { Config } from "./platform/config.ts";
import type { AppContext } from "./platform/context.ts";
import { parseSecretKey } from "./platform/crypto.ts";
import { type DataDirLock, loadOrCreateSecretKey, lockDataDir, prepareDataDir } from "./platform/data-dir.ts";
import { openDatabase } from "./platform/db.ts";
import { AppError } from "./platform/errors.ts";
import { createJobs } from "./platform/jobs.ts";
import { migrateToLatest } from "./platform/migrate.ts";

export type Runtime = AppContext & { close(): Promise<void> };

/** Opens storage for a process: the PostgreSQL pool, or PGlite in DATA_DIR under an exclusive lock; applies migrations. */
export async function openRuntime(config: Config, holder: string): Promise<Runtime> {
  const logger = pino({ level: config.LOG_LEVEL });
  let lock: DataDirLock | undefined;
  let secret = config.RAPPORT_SECRET_KEY;
  let database: AppContext["database"];
  if (config.DATABASE_URL) {
    if (!secret) {
      throw new AppError(
        "invalid",
        "secret_key_missing",
        "RAPPORT_SECRET_KEY is required with DATABASE_URL: set it to 64 hex characters (openssl rand -hex 32).",
      );
    }
    database = await openDatabase({ kind: "postgres", url: config.DATABASE_URL });
  } else {
    const dir = prepareDataDir(config.DATA_DIR);
    lock = lockDataDir(dir, holder);
    try {
      secret ??= loadOrCreateSecretKey(dir);
      database = await openDatabase({ kind: "pglite", dataDir: `${dir}/pgdata` });
    } catch (err) {
      lock.release();
      throw err;
    }
  }
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    lock?.release();
    throw err;
  }
  return {
    config,
    database,
    secretKey: parseSecretKey(secret),
    logger,
    jobs: createJobs(database, { logger }),
    async close() {
      await database.close();
      lock?.release();
    },
  };
}
