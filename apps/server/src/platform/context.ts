import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.ts";
import type { DatabaseHandle } from "./db.ts";

/** What every use-case receives: the database, configuration, the secrets key and a logger. */
export type AppContext = {
  config: Config;
  database: DatabaseHandle;
  secretKey: Buffer;
  logger: FastifyBaseLogger;
};
