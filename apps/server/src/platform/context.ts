import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.ts";
import type { DatabaseHandle } from "./db.ts";
import type { Jobs } from "./jobs.ts";

/** What every use-case receives: the database, configuration, the secrets key, a logger and the job queue. */
export type AppContext = {
  config: Config;
  database: DatabaseHandle;
  secretKey: Buffer;
  logger: FastifyBaseLogger;
  /** Sends background jobs from any role; worked where the worker role runs. */
  jobs: Jobs;
};
