/**
 * Domain events: a transactional outbox and the dispatcher that delivers it.
 *
 * Writing. `emitEvent(tx, event)` inserts one `outbox` row in the caller's transaction and, in the same
 * statement, `pg_notify('rapport_outbox', workspace_id)` (`eventsWrite` does it as part of a caller's
 * combined statement, see platform/writes.ts); PostgreSQL delivers a NOTIFY only when its
 * transaction commits, so a rolled-back transaction neither leaves a row nor wakes anyone.
 *
 * Waking. A dispatcher runs a batch when (1) `wake()` is called — `runTransaction(database, fn)` calls it
 * after a commit in which `emitEvent` was used on the transaction it handed out, never after a rollback;
 * (2) on PostgreSQL, a dedicated `pg.Client` (options.listenUrl) receives the NOTIFY of any process;
 * (3) every `pollIntervalMs` (default 1000), which also picks up retries whose backoff has elapsed.
 * Wake-ups coalesce: one loop per dispatcher, which runs batches until nothing is due.
 *
 * Claiming. Rows are read in id (UUIDv7, time) order, `batchSize` at a time. On PostgreSQL a batch runs in
 * one transaction that locks its rows with `FOR UPDATE SKIP LOCKED` and holds them while the handlers
 * run, so several processes share the work and a crashed process's rows are released with its
 * connection. To keep per-workspace order across processes, a process only handles a workspace whose
 * oldest due row it holds; the rest of that workspace is left to the process that holds its head (one prepared
 * statement claims the rows, checks the heads and reads the rows' earlier deliveries). On
 * PGlite (one connection, one process) rows are read without a transaction — holding one would block
 * the handlers' own queries — and a second running dispatcher on the same database is refused.
 *
 * Delivering. Every handler registered for the type (or `'*'`) is called; handlers of one event run
 * concurrently, events one after another. A batch handler (`onBatch`) is first called once with all its
 * events of the batch that it has not seen before; if that call fails, each of them goes the per-event way. Delivery is at least once: a crash before the batch is
 * recorded calls the handlers again, so handlers must be idempotent. When every handler succeeds the
 * row gets `dispatched_at` and nothing else is written. When one fails, `outbox_deliveries` records per
 * handler what succeeded (never called again) and what failed (attempts, last error, next attempt after
 * an exponential backoff with jitter); the row stays pending but is skipped until the backoff elapses,
 * so it blocks neither other events nor other workspaces. After `maxAttempts` a handler's delivery is
 * `failed`: the row is marked dispatched and the failure stays visible through
 * `listFailedDeliveries` until someone calls `retryFailedDelivery`.
 *
 * Ordering. Events of a workspace reach each handler in id order as long as they succeed; a retried event
 * arrives after later ones. An event whose transaction commits after a later-id event was dispatched is
 * delivered after it (ids are assigned at insert time, not commit time).
 *
 * Handlers. Names are stable identifiers recorded in `outbox_deliveries`; rename one and its pending
 * retries are forgotten. An event is delivered to the handlers registered when it is dispatched: every
 * process running a dispatcher on one database must register the same handlers.
 */
import { sql } from "kysely";
import pg from "pg";
import { uuidv7 } from "uuidv7";
import { type DatabaseHandle, type Executor, prepared, type Tx } from "./db.ts";
import { AppError } from "./errors.ts";
import { insertRows, unnestRows, type Write, writeTogether } from "./writes.ts";

/** The NOTIFY channel on which committed events are announced (payload: the workspace id). */
export const OUTBOX_CHANNEL = "rapport_outbox";

/** A domain event as handlers receive it. */
export type OutboxEvent = {
  id: string;
  workspaceId: string;
  type: string;
  payload: unknown;
  createdAt: Date;
};

/** A handler of domain events; it must be idempotent (delivery is at least once). */
export type EventHandler = (event: OutboxEvent, delivery: { attempt: number }) => Promise<void>;
/**
 * A handler that takes the events of a dispatch batch together (in id order), to do for all of them in a few
 * statements what a per-event handler does in a few statements each. Idempotent like any handler. When it
 * throws, each of its events is retried alone (`events` of length 1) with its own attempts and failure record.
 */
export type BatchEventHandler = (events: OutboxEvent[]) => Promise<void>;

/** What a batch handler picks from its events (undefined: skip the event), grouped by workspace, deduplicated. */
export function byWorkspace<T>(events: OutboxEvent[], pick: (event: OutboxEvent) => T | undefined): Map<string, T[]> {
  const out = new Map<string, Set<T>>();
  for (const event of events) {
    const value = pick(event);
    if (value === undefined) continue;
    const set = out.get(event.workspaceId) ?? new Set<T>();
    set.add(value);
    out.set(event.workspaceId, set);
  }
  return new Map([...out].map(([ws, set]) => [ws, [...set]]));
}

/** The subset of a pino logger the dispatcher uses. */
export type OutboxLogger = {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
};

export type DispatcherOptions = {
  /** PostgreSQL connection string for a dedicated LISTEN connection; ignored on PGlite. */
  listenUrl?: string;
  /** Milliseconds between polls (fallback wake-up and due retries); default 1000. */
  pollIntervalMs?: number;
  /** Rows read per batch; default 500 (with 100, one process ingesting 2,300 msg/s fell 79,000 events behind in a minute: bench/inbound-ingest.ts). */
  batchSize?: number;
  /** Calls of one handler for one event before its delivery is marked failed; default 10. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled on each further failure; default 1000. */
  retryBaseMs?: number;
  /** Longest retry delay in ms; default 300000 (5 minutes). */
  retryMaxMs?: number;
  /** A handler call taking longer counts as failed (it is not cancelled); default 30000. */
  handlerTimeoutMs?: number;
  logger?: OutboxLogger;
};

export type Dispatcher = {
  /** Registers a handler under a stable, unique name for one event type or every type (`'*'`). */
  on(type: string, handlerName: string, handler: EventHandler): void;
  /** Registers a batch handler (see BatchEventHandler) under a stable, unique name. */
  onBatch(type: string, handlerName: string, handler: BatchEventHandler): void;
  /** Asks for a batch now; cheap, coalesced, and a no-op before start or after stop. */
  wake(): void;
  /** Dispatches every due event and resolves when none is left (tests, CLI). */
  drain(): Promise<void>;
  /** Starts listening (PostgreSQL), polling, and dispatches what is pending. */
  start(): Promise<void>;
  /** Stops polling and listening and waits for the running batch to end. */
  stop(): Promise<void>;
};

/** Bookkeeping table of this file (migration 20261122T0003). */
type OutboxTables = {
  outbox_deliveries: {
    workspace_id: string;
    event_id: string;
    handler: string;
    status: "delivered" | "retrying" | "failed";
    attempts: number;
    last_error: string | null;
    next_attempt_at: Date | null;
    updated_at: Date;
  };
};

type DeliveryRow = OutboxTables["outbox_deliveries"];
/** A dispatcher's claimed events and, by `eventId/handler`, their earlier delivery attempts. */
type Claimed = { events: OutboxEvent[]; prior: Map<string, Pick<DeliveryRow, "status" | "attempts">> };

const q = (db: Executor) => db.withTables<OutboxTables>();

const EVENT_TYPE = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** Transactions in which emitEvent was called (see runTransaction). */
const emittedIn = new WeakSet<object>();
/** In-process wake-ups of the running dispatchers of each database. */
const wakers = new WeakMap<DatabaseHandle, Set<() => void>>();

export type NewEvent = { workspaceId: string; type: string; payload: unknown };

/** Records a domain event in the caller's transaction; it is dispatched only if that transaction commits. */
export async function emitEvent(tx: Executor, event: NewEvent): Promise<{ id: string }> {
  const [id] = await emitEvents(tx, [event]);
  return { id: id as string };
}

/** Records several domain events in one statement (ids in the given order, so dispatched in that order). */
export async function emitEvents(tx: Executor, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const { write, ids } = eventsWrite(tx, events);
  await writeTogether(tx, [write]);
  return ids;
}

/**
 * `emitEvents` as a statement to run with others (platform/writes.ts) in the transaction `tx`: inserts the rows
 * and announces each workspace with `pg_notify` (PostgreSQL sends one notification per distinct payload).
 */
export function eventsWrite(tx: Executor, events: readonly NewEvent[]): { write: Write; ids: string[] } {
  for (const event of events) {
    if (!EVENT_TYPE.test(event.type)) {
      throw new AppError(
        "internal",
        "event_type_invalid",
        `Event type "${event.type}" must read noun.past-verb, e.g. message.received.`,
      );
    }
  }
  const ids = events.map(() => uuidv7());
  emittedIn.add(tx);
  const statement = insertRows(
    "outbox",
    { workspace_id: "uuid", id: "uuid", type: "text", payload: "jsonb" },
    events.map((e, i) => ({
      workspace_id: e.workspaceId,
      id: ids[i] as string,
      type: e.type,
      payload: JSON.stringify(e.payload ?? null),
    })),
    sql`returning pg_notify(${OUTBOX_CHANNEL}, workspace_id::text)`,
  );
  // Counted: a statement's RETURNING is computed only for rows something reads.
  return { write: { statement, counted: true, fixed: true }, ids };
}

/**
 * Removes keys holding free text from the payloads of a workspace's events whose `field` is one of `values`
 * (erasure: a person's data must not outlive them in the event log). Returns the number of events changed.
 */
export async function redactEventPayloads(
  tx: Executor,
  workspaceId: string,
  match: { field: string; values: readonly string[] },
  keys: readonly string[],
): Promise<number> {
  if (match.values.length === 0 || keys.length === 0) return 0;
  const result = await sql`
    update outbox set payload = payload - ${keys}::text[]
    where workspace_id = ${workspaceId} and payload ?| ${keys}::text[]
      and payload ->> ${match.field} = any(${match.values}::text[])`.execute(tx);
  return Number(result.numAffectedRows ?? 0);
}

/** Wakes this process's dispatchers of a database (after events were committed without `runTransaction`). */
export function wakeDispatchers(database: DatabaseHandle): void {
  for (const wake of wakers.get(database) ?? []) wake();
}

/** Runs fn in a transaction and, if it emitted events on the given tx and committed, wakes this process's dispatchers. */
export async function runTransaction<T>(database: DatabaseHandle, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let used: Tx | undefined;
  const result = await database.db.transaction().execute((tx) => {
    used = tx;
    return fn(tx);
  });
  if (used && emittedIn.has(used)) wakeDispatchers(database);
  return result;
}

/** Creates a dispatcher of the outbox of one database; call start() once the handlers are registered. */
export function createDispatcher(database: DatabaseHandle, options: DispatcherOptions = {}): Dispatcher {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const maxAttempts = options.maxAttempts ?? 10;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 300_000;
  const handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
  const logger = options.logger;

  type Registered = { type: string; name: string; handler: EventHandler; batch?: BatchEventHandler };
  const handlers: Registered[] = [];
  let started = false;
  let stopping = false;
  let again = false;
  let running: Promise<void> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let listener: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelay = 500;

  const wake = () => {
    if (started && !stopping) void kick();
  };

  function kick(): Promise<void> {
    again = true;
    running ??= (async () => {
      try {
        while (again && !stopping) {
          again = false;
          try {
            while (!stopping && (await dispatchBatch()) > 0) {
              // keep going while batches find work
            }
          } catch (err) {
            logger?.error({ err }, "outbox dispatch failed; retrying at the next wake-up");
          }
        }
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  /** Claims, delivers and records one batch; returns how many events were handled. */
  async function dispatchBatch(): Promise<number> {
    if (database.kind === "pglite") return deliverBatch(database.db, await claim(database.db));
    return database.db.transaction().execute(async (tx) => deliverBatch(tx, await claim(tx)));
  }

  /**
   * The next due events (locked; rows another transaction holds are skipped) with their handlers' earlier
   * deliveries, in one statement. A workspace's events are kept only when this transaction holds its oldest due
   * event: another process dispatching that workspace keeps its order.
   */
  async function claim(db: Executor): Promise<Claimed> {
    const { rows } = await sql<{
      workspace_id: string;
      id: string;
      type: string;
      payload: unknown;
      created_at: Date;
      owned: boolean;
      deliveries: Pick<DeliveryRow, "handler" | "status" | "attempts">[] | null;
    }>`${prepared}
      with claimed as (
        select o.workspace_id, o.id, o.type, o.payload, o.created_at from outbox o
        where o.dispatched_at is null and ${isNotBackingOff}
        order by o.id limit ${batchSize}::int
        for update skip locked
      ), heads as (
        select w.workspace_id, w.first_id = (
          select o.id from outbox o
          where o.workspace_id = w.workspace_id and o.dispatched_at is null and ${isNotBackingOff}
          order by o.id limit 1
        ) as owned
        from (select distinct on (workspace_id) workspace_id, id as first_id from claimed order by workspace_id, id) w
      )
      select c.*, h.owned, (
        select json_agg(json_build_object('handler', d.handler, 'status', d.status, 'attempts', d.attempts))
        from outbox_deliveries d where d.workspace_id = c.workspace_id and d.event_id = c.id
      ) as deliveries
      from claimed c join heads h on h.workspace_id = c.workspace_id
      order by c.id`.execute(db);
    const owned = rows.filter((r) => r.owned);
    return {
      events: owned.map((r) => ({
        id: r.id,
        workspaceId: r.workspace_id,
        type: r.type,
        payload: r.payload,
        createdAt: r.created_at,
      })),
      prior: new Map(owned.flatMap((r) => (r.deliveries ?? []).map((d) => [`${r.id}/${d.handler}`, d] as const))),
    };
  }

  async function deliverBatch(db: Executor, { events, prior }: Claimed): Promise<number> {
    if (events.length === 0) return 0;

    // Batch handlers first: one call for all their fresh events of this batch. A failed call leaves its events
    // to the per-event path below, where each is tried alone and keeps its own record.
    const handledInBatch = new Set<string>();
    for (const h of handlers) {
      const batch = h.batch;
      if (!batch) continue;
      const fresh = events.filter((e) => (h.type === "*" || h.type === e.type) && !prior.has(`${e.id}/${h.name}`));
      if (fresh.length < 2) continue;
      try {
        await callWithTimeout(() => batch(fresh), handlerTimeoutMs);
        for (const e of fresh) handledInBatch.add(`${e.id}/${h.name}`);
      } catch (err) {
        logger?.warn(
          { err, handler: h.name, events: fresh.length },
          "outbox batch handler failed; retrying one by one",
        );
      }
    }

    const done: OutboxEvent[] = [];
    for (const event of events) {
      if (stopping) break;
      const applicable = handlers.filter((h) => h.type === "*" || h.type === event.type);
      const pending = applicable.filter((h) => {
        const status = prior.get(`${event.id}/${h.name}`)?.status;
        return status !== "delivered" && status !== "failed";
      });
      const outcomes = await Promise.all(
        pending.map(async (h) => {
          const before = prior.get(`${event.id}/${h.name}`);
          const attempt = (before?.attempts ?? 0) + 1;
          if (handledInBatch.has(`${event.id}/${h.name}`)) return { h, before, attempt, error: undefined };
          try {
            await callWithTimeout(() => h.handler(event, { attempt }), handlerTimeoutMs);
            return { h, before, attempt, error: undefined };
          } catch (err) {
            logger?.warn(
              { err, eventId: event.id, type: event.type, handler: h.name, attempt },
              "outbox handler failed",
            );
            return { h, before, attempt, error: describe(err) };
          }
        }),
      );
      const hasFailure = outcomes.some((o) => o.error !== undefined);
      const rows = outcomes
        .filter((o) => hasFailure || o.before)
        .map(({ h, attempt, error }) => {
          const gaveUp = error !== undefined && attempt >= maxAttempts;
          const status: DeliveryRow["status"] = error === undefined ? "delivered" : gaveUp ? "failed" : "retrying";
          return {
            workspace_id: event.workspaceId,
            event_id: event.id,
            handler: h.name,
            status,
            attempts: attempt,
            last_error: error ?? null,
            next_attempt_at:
              status === "retrying"
                ? sql<Date>`clock_timestamp() + make_interval(secs => ${backoffMs(attempt) / 1000}::float8)`
                : null,
            updated_at: sql<Date>`clock_timestamp()`,
          };
        });
      if (rows.length > 0) {
        await q(db)
          .insertInto("outbox_deliveries")
          .values(rows)
          .onConflict((oc) =>
            oc.columns(["workspace_id", "event_id", "handler"]).doUpdateSet((eb) => ({
              status: eb.ref("excluded.status"),
              attempts: eb.ref("excluded.attempts"),
              last_error: eb.ref("excluded.last_error"),
              next_attempt_at: eb.ref("excluded.next_attempt_at"),
              updated_at: eb.ref("excluded.updated_at"),
            })),
          )
          .execute();
      }
      if (!rows.some((r) => r.status === "retrying")) done.push(event);
    }
    if (done.length > 0) {
      const rows = unnestRows(
        { workspace_id: "uuid", id: "uuid" },
        done.map((e) => ({ workspace_id: e.workspaceId, id: e.id })),
      );
      await sql`${prepared} update outbox o set dispatched_at = clock_timestamp() from ${rows} as v
        where o.workspace_id = v.workspace_id and o.id = v.id`.execute(db);
    }
    return events.length;
  }

  function backoffMs(attempt: number): number {
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  async function listen(): Promise<void> {
    const url = options.listenUrl;
    if (!url || database.kind !== "postgres" || stopping) return;
    const client = new pg.Client({ connectionString: url });
    const lost = (err?: Error) => {
      if (listener !== client) return;
      listener = undefined;
      client.removeAllListeners();
      client.on("error", () => undefined);
      void client.end().catch(() => undefined);
      if (stopping) return;
      logger?.warn({ err }, "outbox LISTEN connection lost; polling until it is back");
      scheduleReconnect();
    };
    listener = client;
    client.on("notification", wake);
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
      reconnectDelay = 500;
      wake(); // notifications sent while we were not listening are lost
    } catch (err) {
      lost(err as Error);
    }
  }

  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void listen(), reconnectDelay);
    reconnectTimer.unref();
    reconnectDelay = Math.min(reconnectDelay * 2, 30_000);
  }

  function register(entry: Registered): void {
    if (entry.type !== "*" && !EVENT_TYPE.test(entry.type)) {
      throw new AppError("internal", "event_type_invalid", `Cannot subscribe to "${entry.type}": not an event type.`);
    }
    if (!entry.name || entry.name.length > 200 || handlers.some((h) => h.name === entry.name)) {
      throw new AppError(
        "internal",
        "handler_name_invalid",
        `Handler name "${entry.name}" must be unique and 1–200 characters.`,
      );
    }
    handlers.push(entry);
  }

  return {
    on(type, handlerName, handler) {
      register({ type, name: handlerName, handler });
    },
    onBatch(type, handlerName, batch) {
      register({ type, name: handlerName, handler: (event) => batch([event]), batch });
    },
    wake,
    async drain() {
      if (!started || stopping) return;
      while (running) await running;
      await kick();
    },
    async start() {
      if (started) return;
      const registered = wakers.get(database) ?? new Set();
      if (database.kind === "pglite" && registered.size > 0) {
        throw new AppError(
          "internal",
          "dispatcher_running",
          "A dispatcher already runs on this embedded database; PGlite allows one.",
        );
      }
      started = true;
      registered.add(wake);
      wakers.set(database, registered);
      await listen();
      pollTimer = setInterval(wake, pollIntervalMs);
      pollTimer.unref();
      wake();
    },
    async stop() {
      if (!started || stopping) return;
      stopping = true;
      wakers.get(database)?.delete(wake);
      clearInterval(pollTimer);
      clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      if (client) {
        client.removeAllListeners();
        client.on("error", () => undefined);
        await client.end().catch(() => undefined);
      }
      await running;
    },
  };
}

/** A failed delivery: a handler gave up on an event after its last attempt. */
export type FailedDelivery = {
  eventId: string;
  workspaceId: string;
  type: string;
  handler: string;
  attempts: number;
  lastError: string | null;
  failedAt: Date;
};

/** Lists the deliveries of a workspace that gave up, newest first. */
export async function listFailedDeliveries(db: Executor, workspaceId: string, limit = 100): Promise<FailedDelivery[]> {
  const rows = await q(db)
    .selectFrom("outbox_deliveries as d")
    .innerJoin("outbox as o", (j) => j.onRef("o.workspace_id", "=", "d.workspace_id").onRef("o.id", "=", "d.event_id"))
    .select(["d.event_id", "d.workspace_id", "o.type", "d.handler", "d.attempts", "d.last_error", "d.updated_at"])
    .where("d.workspace_id", "=", workspaceId)
    .where("d.status", "=", "failed")
    .orderBy("d.updated_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    workspaceId: r.workspace_id,
    type: r.type,
    handler: r.handler,
    attempts: r.attempts,
    lastError: r.last_error,
    failedAt: r.updated_at,
  }));
}

/** Gives a failed delivery a fresh set of attempts; returns false when there is no such failed delivery. */
export async function retryFailedDelivery(
  db: Executor,
  delivery: { workspaceId: string; eventId: string; handler: string },
): Promise<boolean> {
  const updated = await q(db)
    .updateTable("outbox_deliveries")
    .set({ status: "retrying", attempts: 0, next_attempt_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("workspace_id", "=", delivery.workspaceId)
    .where("event_id", "=", delivery.eventId)
    .where("handler", "=", delivery.handler)
    .where("status", "=", "failed")
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await q(db)
    .updateTable("outbox")
    .set({ dispatched_at: null })
    .where("workspace_id", "=", delivery.workspaceId)
    .where("id", "=", delivery.eventId)
    .execute();
  return true;
}

/** "This event has no delivery waiting for its backoff to elapse", for a query over `outbox as o`. */
const isNotBackingOff = sql<boolean>`not exists (
  select 1 from outbox_deliveries d
  where d.workspace_id = o.workspace_id and d.event_id = o.id and d.status = 'retrying' and d.next_attempt_at > now()
)`;

async function callWithTimeout(fn: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 2000);
}
