/**
 * Background jobs: pg-boss on the application's own database, in both storage modes.
 *
 * Connection. pg-boss never opens a pool of its own: every statement goes through `database.query`, so on
 * PGlite it waits its turn on the one serialized connection (and can never land inside an open Kysely
 * transaction), and on PostgreSQL it shares the application's pool. `send(…, { tx })` enqueues inside the
 * caller's transaction: the job exists only if that transaction commits.
 *
 * Queues. Each job type is defined once with a zod schema for its data (checked when sent and again when
 * worked) and gets a pg-boss queue of the same name whose dead-letter queue is `<name>.dead`. Defaults:
 * 5 retries with exponential backoff from 10 s (pg-boss doubles it with jitter), a 15-minute run limit.
 * A job that exhausts its retries lands in the dead-letter queue with its data and last error, where
 * nothing works it: `listDeadLetters` shows it (per workspace: every job's data carries `workspaceId`),
 * `retryDeadLetter` sends it again with fresh retries.
 *
 * Roles. Every process may send. `start({ work: true })` also works the defined queues (the worker role);
 * `start({ supervise: true })` runs pg-boss's maintenance and cron schedules (the scheduler role).
 */
import { createHash } from "node:crypto";
import { CompiledQuery } from "kysely";
import PgBoss from "pg-boss";
import type { z } from "zod";
import type { DatabaseHandle, Executor } from "./db.ts";
import { AppError } from "./errors.ts";

/**
 * Thrown by a handler when retrying cannot help (the provider refused for good): the job goes straight to its
 * dead-letter queue with this message, without spending its retries.
 */
export class FinalJobError extends Error {
  override name = "FinalJobError";
}

/** Every job's data names the workspace it belongs to. */
export type JobData = { workspaceId: string };

export type JobDefinition<T extends JobData> = {
  /** Queue name: lower-case words joined by `.` or `-`, e.g. `messages.send`. */
  name: string;
  schema: z.ZodType<T>;
  handler: (data: T, job: { id: string; attempt: number }) => Promise<void>;
  /** Retries after the first failure; default 5. */
  retryLimit?: number;
  /** Seconds before the first retry, doubled (with jitter) on each next one; default 10. */
  retryDelaySeconds?: number;
  /** A running job taking longer fails (and may be retried); default 900. */
  expireInSeconds?: number;
  /** Jobs worked at once by one process; default 2. */
  concurrency?: number;
};

export type DeadLetter = {
  id: string;
  queue: string;
  workspaceId: string;
  data: unknown;
  error: string | null;
  failedAt: Date;
};

export type JobsOptions = {
  /** PostgreSQL schema of the queue tables; default `pgboss`. */
  schema?: string;
  /** Seconds between polls of a working queue (pg-boss minimum 0.5); default 2. */
  pollingIntervalSeconds?: number;
  logger?: { error(obj: object, msg: string): void };
};

export type Jobs = {
  define<T extends JobData>(definition: JobDefinition<T>): void;
  /** Enqueues a job; with `tx`, inside that transaction. Returns the job id (null when that `id` already exists). */
  send<T extends JobData>(
    name: string,
    data: T,
    options?: { tx?: Executor; startAfter?: Date | number; id?: string },
  ): Promise<string | null>;
  /** Creates the queues; with `work`, works them; with `supervise`, runs maintenance and schedules. */
  start(options: { work: boolean; supervise: boolean }): Promise<void>;
  /** Stops fetching, waits for running jobs (up to timeoutMs), then detaches. The database stays open. */
  stop(timeoutMs?: number): Promise<void>;
  /** Dead letters of a workspace, newest first, paged by id. */
  listDeadLetters(
    workspaceId: string,
    page: { limit: number; before?: { failedAt: Date; id: string } },
  ): Promise<DeadLetter[]>;
  /** Sends a dead letter back to its queue with fresh retries; false when there is no such dead letter. */
  retryDeadLetter(workspaceId: string, id: string): Promise<boolean>;
};

const QUEUE_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const DEAD_SUFFIX = ".dead";
const DEAD_RETENTION_DAYS = 30;

/** A job id derived from a key (RFC 4122 layout over SHA-256): sending twice with the same key enqueues once. */
export function jobIdFor(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Creates the job queue of a database; define the job types, then start. */
export function createJobs(database: DatabaseHandle, options: JobsOptions = {}): Jobs {
  const schema = options.schema ?? "pgboss";
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new AppError("internal", "jobs_schema_invalid", `Job schema "${schema}" must be a lower-case SQL name.`);
  }
  const newBoss = (supervise: boolean) => {
    const created = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => database.query(text, values) },
      schema,
      supervise,
      schedule: supervise,
      migrate: true,
      retryLimit: 5,
      retryDelay: 10,
      retryBackoff: true,
      expireInSeconds: 900,
    });
    created.on("error", (err) => options.logger?.error({ err }, "job queue error"));
    return created;
  };
  const definitions = new Map<string, JobDefinition<JobData>>();
  let started: Promise<PgBoss> | undefined;

  const txDb = (tx: Executor) => ({
    executeSql: async (text: string, values?: unknown[]) =>
      tx.executeQuery(CompiledQuery.raw(text, values ?? [])) as Promise<{ rows: unknown[] }>,
  });

  /** This process's fetch loops per queue (to wake them when a job is sent). */
  const workersOf = new Map<string, string[]>();
  const deadQueues = () => [...definitions.keys()].map((n) => n + DEAD_SUFFIX);

  function definitionOf(name: string) {
    const definition = definitions.get(name);
    if (!definition) throw new AppError("internal", "job_unknown", `No job type "${name}" is defined.`);
    return definition;
  }

  return {
    define(definition) {
      if (!QUEUE_NAME.test(definition.name) || definition.name.endsWith(DEAD_SUFFIX)) {
        throw new AppError("internal", "job_name_invalid", `Job name "${definition.name}" is not a valid queue name.`);
      }
      if (definitions.has(definition.name)) {
        throw new AppError("internal", "job_defined_twice", `Job type "${definition.name}" is defined twice.`);
      }
      if (started) throw new AppError("internal", "jobs_started", "Define job types before starting the queue.");
      definitions.set(definition.name, definition as unknown as JobDefinition<JobData>);
    },

    async send(name, data, sendOptions = {}) {
      const definition = definitionOf(name);
      const parsed = definition.schema.safeParse(data);
      if (!parsed.success) {
        throw new AppError("internal", "job_data_invalid", `Job "${name}" data is invalid: ${parsed.error.message}`);
      }
      if (!started) throw new AppError("unavailable", "jobs_not_started", "The job queue has not started yet.");
      const boss = await started;
      const id = await boss.send(name, parsed.data as object, {
        ...(sendOptions.tx ? { db: txDb(sendOptions.tx) } : {}),
        ...(sendOptions.startAfter !== undefined ? { startAfter: sendOptions.startAfter } : {}),
        // A job id given by the caller makes the send idempotent: a second send with it is ignored (null).
        ...(sendOptions.id ? { id: sendOptions.id } : {}),
      });
      // A job sent outside a transaction is visible now: wake this process's idle loops of its queue instead of
      // letting it wait for their next poll (one sent in a transaction waits for the poll after the commit).
      if (id && !sendOptions.tx && sendOptions.startAfter === undefined) {
        for (const workerId of workersOf.get(name) ?? []) boss.notifyWorker(workerId);
      }
      return id;
    },

    async start({ work, supervise }) {
      if (started) return;
      started = (async () => {
        const boss = newBoss(supervise);
        await boss.start();
        for (const d of definitions.values()) {
          const dead = d.name + DEAD_SUFFIX;
          await boss.createQueue(dead, { name: dead, retentionDays: DEAD_RETENTION_DAYS });
          await boss.createQueue(d.name, {
            name: d.name,
            deadLetter: dead,
            retryLimit: d.retryLimit ?? 5,
            retryDelay: d.retryDelaySeconds ?? 10,
            retryBackoff: true,
            expireInSeconds: d.expireInSeconds ?? 900,
          });
        }
        if (!work) return boss;
        for (const d of definitions.values()) {
          // pg-boss 10 works one fetch loop per work() call: `concurrency` loops give that many jobs at once.
          for (let i = 0; i < (d.concurrency ?? 2); i++) {
            let workerId: string | undefined;
            workerId = await boss.work<JobData>(
              d.name,
              { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, batchSize: 1, includeMetadata: true },
              async ([job]) => {
                try {
                  if (!job) return;
                  const parsed = d.schema.safeParse(job.data);
                  if (!parsed.success)
                    throw new Error(`job data no longer matches its schema: ${parsed.error.message}`);
                  await d.handler(parsed.data, { id: job.id, attempt: job.retryCount + 1 });
                } catch (err) {
                  if (!(err instanceof FinalJobError) || !job) throw err;
                  // Completes this job and files its data, with the reason, where exhausted retries would have.
                  const dead = await boss.send(d.name + DEAD_SUFFIX, job.data as object);
                  await database.query(`update ${schema}.job set output = $1::jsonb where id = $2::uuid`, [
                    JSON.stringify({ message: err.message }),
                    dead,
                  ]);
                } finally {
                  // pg-boss 10 waits a polling interval after every fetch; a loop that found work fetches again at once.
                  if (workerId) boss.notifyWorker(workerId);
                }
              },
            );
            workersOf.set(d.name, [...(workersOf.get(d.name) ?? []), workerId]);
          }
        }
        return boss;
      })();
      try {
        await started;
      } catch (err) {
        started = undefined;
        throw err;
      }
    },

    async stop(timeoutMs = 30_000) {
      const boss = await started?.catch(() => undefined);
      if (!boss) return;
      const stopped = new Promise<void>((resolve) => boss.once("stopped", () => resolve()));
      await boss.stop({ graceful: true, close: false, wait: true, timeout: timeoutMs });
      await stopped;
      workersOf.clear();
      started = undefined;
    },

    async listDeadLetters(workspaceId, page) {
      const queues = deadQueues();
      if (queues.length === 0) return [];
      const values: unknown[] = [queues, workspaceId, page.limit];
      let cursor = "";
      if (page.before) {
        values.push(page.before.failedAt, page.before.id);
        // The cursor's time is a JS Date (milliseconds): compare and order at that precision, or rows of the
        // same millisecond with more microseconds than the cursor would fall between two pages.
        cursor = "and (date_trunc('milliseconds', created_on), id) < ($4::timestamptz, $5::uuid)";
      }
      const { rows } = await database.query<{
        id: string;
        name: string;
        data: JobData;
        output: unknown;
        created_on: Date;
      }>(
        `select id, name, data, output, created_on from ${schema}.job
          where name = any($1::text[]) and data->>'workspaceId' = $2 and state = 'created' ${cursor}
          order by date_trunc('milliseconds', created_on) desc, id desc limit $3`,
        values,
      );
      return rows.map((r) => ({
        id: r.id,
        queue: r.name.slice(0, -DEAD_SUFFIX.length),
        workspaceId: r.data.workspaceId,
        data: r.data,
        error: describeOutput(r.output),
        failedAt: r.created_on,
      }));
    },

    async retryDeadLetter(workspaceId, id) {
      const queues = deadQueues();
      const { rows } = await database.query<{ name: string; data: JobData }>(
        `delete from ${schema}.job where id = $1::uuid and name = any($2::text[]) and data->>'workspaceId' = $3
           and state = 'created' returning name, data`,
        [id, queues, workspaceId],
      );
      const row = rows[0];
      if (!row) return false;
      if (!started) throw new AppError("unavailable", "jobs_not_started", "The job queue has not started yet.");
      await (await started).send(row.name.slice(0, -DEAD_SUFFIX.length), row.data);
      return true;
    },
  };
}

/** pg-boss stores a thrown error as `{ message, stack, … }` (or `{ value: … }`); keep the message only. */
function describeOutput(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  if (typeof output === "object") {
    const o = output as { message?: unknown; value?: unknown };
    if (typeof o.message === "string") return o.message.slice(0, 2000);
    if (o.value !== undefined) return describeOutput(o.value);
  }
  return JSON.stringify(output).slice(0, 2000);
}
