import { createHash } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import { AppError } from "./errors.ts";
import { PGliteDialect } from "./pglite-dialect.ts";
import { SerialLock } from "./serial-lock.ts";

/** Tables owned by the platform itself; modules add theirs with `db.withTables<…>()`. */
export type PlatformTables = {
  outbox: {
    workspace_id: string;
    id: string;
    type: string;
    payload: unknown;
    created_at: Date;
    dispatched_at: Date | null;
  };
};

export type Db = Kysely<PlatformTables>;
export type Tx = Transaction<PlatformTables>;
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Db | Tx;

export type DatabaseHandle = {
  db: Db;
  kind: "pglite" | "postgres";
  /** Runs raw multi-statement SQL without parameters (for the job queue and migrations). */
  exec(sqlText: string): Promise<void>;
  /** Runs SQL outside Kysely (through the same serialized connection on PGlite): one parameterised statement, or several without values (the last one's rows are returned). */
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
};

export type DatabaseOptions =
  | { kind: "pglite"; dataDir: string | undefined }
  | { kind: "postgres"; url: string; schema?: string; max?: number };

// Keep int8 (counts, sums) as JS numbers on the pg driver, like PGlite does.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Opens the database: PGlite in a folder (or in memory) or a PostgreSQL pool, behind one Kysely. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.kind === "pglite") {
    const lock = new SerialLock();
    let client: PGlite;
    try {
      client = await PGlite.create(options.dataDir ?? "memory://");
    } catch (err) {
      throw new AppError(
        "unavailable",
        "database_unopenable",
        `The embedded database in ${options.dataDir ?? "memory"} cannot be opened: ${(err as Error).message}. If it was copied or damaged, restore it from a backup or point DATA_DIR elsewhere.`,
      );
    }
    const db = new Kysely<PlatformTables>({ dialect: new PGliteDialect(client, lock) });
    return {
      db,
      kind: "pglite",
      exec: (text) => lock.run(async () => void (await client.exec(text))),
      query: <R>(text: string, values?: unknown[]) =>
        lock.run(async () => ({
          rows: (values?.length
            ? (await client.query<R>(text, values)).rows
            : ((await client.exec(text)).at(-1)?.rows ?? [])) as R[],
        })),
      ping: async () => {
        try {
          await lock.run(() => client.query("select 1"));
          return true;
        } catch {
          return false;
        }
      },
      close: () => db.destroy(),
    };
  }

  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new AppError(
      "unavailable",
      "database_unreachable",
      `PostgreSQL at ${redactUrl(options.url)} is unreachable: ${(err as Error).message}. Check DATABASE_URL and that the server is running.`,
    );
  }
  const db = new Kysely<PlatformTables>({
    dialect: new PostgresDialect({
      pool: { connect: async () => preparing(await pool.connect()), end: () => pool.end() },
    }),
  });
  return {
    db,
    kind: "postgres",
    exec: async (text) => void (await pool.query(text)),
    query: async <R>(text: string, values?: unknown[]) => {
      // Without values pg uses the simple protocol, which takes several statements and answers each.
      const result: pg.QueryResult | pg.QueryResult[] = await pool.query(text, values);
      return { rows: (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows) as R[] };
    },
    ping: async () => {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

/**
 * `prepared` starts a statement that PostgreSQL parses and plans once per connection instead of on every run: for hot
 * lookups whose planning costs more than their execution. Only for SQL whose text is the same whatever the
 * values (arrays through `unnest`, not lists of parameters): each distinct text is one prepared statement per
 * connection, kept until the connection closes. A plain comment on PGlite.
 */
const PREPARED_MARK = "/* prepared */";
export const prepared = sql.raw(`${PREPARED_MARK} `);
const preparedNames = new Map<string, string>();
const patchedClients = new WeakSet<pg.PoolClient>();

/** Sends the marked statements of a pooled client as named (prepared) statements; patched once per client. */
function preparing(client: pg.PoolClient): pg.PoolClient {
  if (patchedClients.has(client)) return client;
  patchedClients.add(client);
  // The client's own `query`, looked up at each call (a driver-level statement counter may wrap it later), with
  // every argument passed on (the pool's own `query` adds a callback).
  const query = (...args: unknown[]): unknown =>
    (Object.getPrototypeOf(client) as { query(...args: unknown[]): unknown }).query.apply(client, args);
  const patched = (...args: unknown[]) => {
    const [text, values, ...rest] = args;
    if (typeof text !== "string" || !text.startsWith(PREPARED_MARK)) return query(...args);
    let name = preparedNames.get(text);
    if (!name) {
      name = `rapport_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
      preparedNames.set(text, name);
    }
    return query({ name, text, values }, ...rest);
  };
  client.query = patched as typeof client.query;
  return client;
}

/** A connection string with its password replaced, safe for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
