import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../test/harness.ts";
import { sleep, waitFor } from "../../test/wait.ts";
import { type DatabaseHandle, openDatabase } from "./db.ts";
import {
  createDispatcher,
  type Dispatcher,
  type DispatcherOptions,
  emitEvent,
  listFailedDeliveries,
  type OutboxEvent,
  retryFailedDelivery,
  runTransaction,
} from "./outbox.ts";

describe.each(TEST_DATABASES)("outbox on %s", (kind) => {
  let env: TestEnv;
  const dispatchers: Dispatcher[] = [];
  const extraHandles: DatabaseHandle[] = [];

  beforeAll(async () => {
    env = await openTestEnv(kind);
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    for (const h of extraHandles.splice(0)) await h.close();
    // Leave nothing pending for the next test's dispatcher.
    await sql`update outbox set dispatched_at = now() where dispatched_at is null`.execute(env.database.db);
  });
  afterAll(async () => {
    await env?.close();
  });

  /** A dispatcher whose handlers only see this test's workspaces. */
  function dispatcherFor(database: DatabaseHandle, options: DispatcherOptions = {}) {
    const d = createDispatcher(database, { pollIntervalMs: 20, retryBaseMs: 20, retryMaxMs: 50, ...options });
    dispatchers.push(d);
    return d;
  }

  async function emitCommitted(workspaceId: string, type: string, payload: unknown = {}) {
    return runTransaction(env.database, (tx) => emitEvent(tx, { workspaceId, type, payload }));
  }

  it("delivers a committed event once to each handler and marks it dispatched", async () => {
    const ws = randomUUID();
    const seen: string[] = [];
    const d = dispatcherFor(env.database);
    d.on("case.updated", "typed", async (e) => void (e.workspaceId === ws && seen.push(`typed:${e.type}`)));
    d.on("*", "all", async (e) => void (e.workspaceId === ws && seen.push(`all:${e.type}`)));
    d.on("case.resolved", "other", async (e) => void (e.workspaceId === ws && seen.push(`other:${e.type}`)));
    await d.start();

    const { id } = await emitCommitted(ws, "case.updated", { id: "c1" });
    await waitFor(() => seen.length === 2);
    await d.drain();
    await sleep(100); // several polls: nothing is delivered twice
    expect(seen.sort()).toEqual(["all:case.updated", "typed:case.updated"]);

    const row = await env.database.db
      .selectFrom("outbox")
      .select(["dispatched_at", "payload"])
      .where("workspace_id", "=", ws)
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.dispatched_at).toBeInstanceOf(Date);
    expect(row.payload).toEqual({ id: "c1" });
  });

  it("never delivers an event of a rolled-back transaction", async () => {
    const ws = randomUUID();
    const seen: string[] = [];
    const d = dispatcherFor(env.database);
    d.on("*", "all", async (e) => void (e.workspaceId === ws && seen.push(e.type)));
    await d.start();

    await expect(
      runTransaction(env.database, async (tx) => {
        await emitEvent(tx, { workspaceId: ws, type: "case.deleted", payload: {} });
        throw new Error("use-case failed");
      }),
    ).rejects.toThrow("use-case failed");
    await emitCommitted(ws, "case.created");
    await waitFor(() => seen.length === 1);
    await d.drain();
    await sleep(100);

    expect(seen).toEqual(["case.created"]);
    const rows = await env.database.db.selectFrom("outbox").select("type").where("workspace_id", "=", ws).execute();
    expect(rows.map((r) => r.type)).toEqual(["case.created"]);
  });

  it("retries a failing handler with backoff without blocking later events or other handlers", async () => {
    const ws = randomUUID();
    const flaky: string[] = [];
    const steady: string[] = [];
    const attempts: number[] = [];
    // A backoff long enough that events 2 and 3 (emitted at once) pass before event 1's retries, even under load.
    const d = dispatcherFor(env.database, { retryBaseMs: 300, retryMaxMs: 600 });
    d.on("*", "flaky", async (e, { attempt }) => {
      if (e.workspaceId !== ws) return;
      const n = (e.payload as { n: number }).n;
      if (n === 1 && attempt < 3) {
        attempts.push(attempt);
        throw new Error(`temporary failure ${attempt}`);
      }
      flaky.push(`${n}@${attempt}`);
    });
    d.on(
      "*",
      "steady",
      async (e) => void (e.workspaceId === ws && steady.push(String((e.payload as { n: number }).n))),
    );
    await d.start();

    for (const n of [1, 2, 3]) await emitCommitted(ws, "message.received", { n });
    await waitFor(() => flaky.length === 3);

    expect(attempts).toEqual([1, 2]);
    // Events 2 and 3 went through while event 1 was backing off; event 1 arrived on its third attempt.
    expect(flaky).toEqual(["2@1", "3@1", "1@3"]);
    // The handler that succeeded the first time was not called again on the retries.
    expect(steady).toEqual(["1", "2", "3"]);
    const deliveries = () =>
      sql<{ handler: string; status: string; attempts: number }>`
        select handler, status, attempts from outbox_deliveries where workspace_id = ${ws} order by handler
      `
        .execute(env.database.db)
        .then((r) => r.rows);
    // The handler ran before the dispatcher recorded its delivery: wait for the record, not just the call.
    await waitFor(async () => (await deliveries())[0]?.status === "delivered");
    expect(await deliveries()).toEqual([
      { handler: "flaky", status: "delivered", attempts: 3 },
      { handler: "steady", status: "delivered", attempts: 1 },
    ]);
  });

  it("gives up after maxAttempts, keeps the failure visible and can retry it", async () => {
    const ws = randomUUID();
    let broken = true;
    const calls: number[] = [];
    const d = dispatcherFor(env.database, { maxAttempts: 3 });
    d.on("contact.merged", "crm-sync", async (e, { attempt }) => {
      if (e.workspaceId !== ws) return;
      calls.push(attempt);
      if (broken) throw new Error("remote CRM is down");
    });
    await d.start();

    const { id } = await emitCommitted(ws, "contact.merged", { id: "k1" });
    await waitFor(() => calls.length === 3);
    await sleep(150); // no fourth attempt
    expect(calls).toEqual([1, 2, 3]);
    const failed = await listFailedDeliveries(env.database.db, ws);
    expect(failed).toMatchObject([
      { eventId: id, type: "contact.merged", handler: "crm-sync", attempts: 3, lastError: "Error: remote CRM is down" },
    ]);
    expect(await listFailedDeliveries(env.database.db, randomUUID())).toEqual([]);

    broken = false;
    expect(await retryFailedDelivery(env.database.db, { workspaceId: ws, eventId: id, handler: "crm-sync" })).toBe(
      true,
    );
    d.wake();
    await waitFor(() => calls.length === 4);
    expect(calls[3]).toBe(1);
    await d.drain();
    expect(await listFailedDeliveries(env.database.db, ws)).toEqual([]);
  });

  it("dispatches the events of each workspace in order", async () => {
    const workspaces = [randomUUID(), randomUUID(), randomUUID()];
    const received = new Map<string, number[]>(workspaces.map((w) => [w, []]));
    const d = dispatcherFor(env.database, { batchSize: 7 });
    d.on("*", "order", async (e) => {
      const list = received.get(e.workspaceId);
      if (list) list.push((e.payload as { n: number }).n);
      // A little asynchrony so a reordering bug would show.
      await sleep(Math.random() * 2);
    });
    for (let n = 0; n < 60; n++) {
      await env.database.db
        .transaction()
        .execute((tx) =>
          emitEvent(tx, { workspaceId: workspaces[n % 3] as string, type: "note.added", payload: { n } }),
        );
    }
    await d.start();
    await d.drain();
    for (const [i, w] of workspaces.entries()) {
      expect(received.get(w)).toEqual(Array.from({ length: 20 }, (_, k) => k * 3 + i));
    }
  });

  it("wakes the dispatcher of this process right after a commit, without waiting for a poll", async () => {
    const ws = randomUUID();
    const seen: number[] = [];
    const d = dispatcherFor(env.database, { pollIntervalMs: 60_000 });
    d.on("*", "fast", async (e) => void (e.workspaceId === ws && seen.push(Date.now())));
    await d.start();
    await d.drain();

    const committedAt = Date.now();
    await emitCommitted(ws, "case.assigned");
    await waitFor(() => seen.length === 1, 2000);
    expect((seen[0] as number) - committedAt).toBeLessThan(1000);
  });

  it("gives a batch handler the batch's events in one call, in order, each once", async () => {
    const ws = randomUUID();
    const calls: string[][] = [];
    const single: string[] = [];
    const d = dispatcherFor(env.database);
    d.onBatch("message.created", "batched", async (events) => {
      const mine = events.filter((e) => e.workspaceId === ws);
      if (mine.length) calls.push(mine.map((e) => (e.payload as { n: string }).n));
    });
    d.on(
      "message.created",
      "single",
      async (e) => void (e.workspaceId === ws && single.push((e.payload as { n: string }).n)),
    );
    // Committed before the dispatcher starts: its first batch holds all five.
    await runTransaction(env.database, async (tx) => {
      for (const n of ["1", "2", "3", "4", "5"])
        await emitEvent(tx, { workspaceId: ws, type: "message.created", payload: { n } });
    });
    await d.start();
    await waitFor(() => single.length === 5);
    await d.drain();
    expect(calls).toEqual([["1", "2", "3", "4", "5"]]);
    expect(single).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("retries a failed batch one event at a time: the good ones are delivered, the bad one alone retries", async () => {
    const ws = randomUUID();
    const delivered: string[] = [];
    let batchCalls = 0;
    let badAttempts = 0;
    const d = dispatcherFor(env.database);
    d.onBatch("message.created", "batched", async (events) => {
      const mine = events.filter((e) => e.workspaceId === ws);
      if (mine.length > 1) batchCalls++;
      if (mine.some((e) => (e.payload as { n: string }).n === "bad")) {
        if (mine.length === 1) badAttempts++;
        if (badAttempts < 3) throw new Error("this one fails");
      }
      for (const e of mine) delivered.push((e.payload as { n: string }).n);
    });
    await runTransaction(env.database, async (tx) => {
      for (const n of ["a", "bad", "c"])
        await emitEvent(tx, { workspaceId: ws, type: "message.created", payload: { n } });
    });
    await d.start();
    await waitFor(() => delivered.includes("bad"));
    await d.drain();
    expect(batchCalls).toBe(1);
    expect(delivered.sort()).toEqual(["a", "bad", "c"]);
    expect(badAttempts).toBe(3);
    const records = await sql<{ status: string; attempts: number }>`
      select status, attempts from outbox_deliveries where workspace_id = ${ws}`.execute(env.database.db);
    expect(records.rows).toEqual([{ status: "delivered", attempts: 3 }]);
  });

  it("refuses a type that is not noun.past-verb", async () => {
    await expect(
      runTransaction(env.database, (tx) =>
        emitEvent(tx, { workspaceId: randomUUID(), type: "CaseUpdated", payload: {} }),
      ),
    ).rejects.toThrow(/noun\.past-verb/);
  });

  if (kind === "pglite") {
    it("refuses a second running dispatcher on the embedded database", async () => {
      await dispatcherFor(env.database).start();
      await expect(dispatcherFor(env.database).start()).rejects.toThrow(/one/);
    });
  }

  if (kind === "postgres") {
    /** A second pool on the same schema, standing for another process. */
    async function openSecondProcess(): Promise<DatabaseHandle> {
      const { rows } = await env.database.query<{ schema: string }>("select current_schema() as schema");
      const url = env.config.TEST_DATABASE_URL as string;
      const handle = await openDatabase({ kind: "postgres", url, schema: rows[0]?.schema as string, max: 4 });
      extraHandles.push(handle);
      return handle;
    }

    it("wakes a dispatcher in another process through LISTEN/NOTIFY, without waiting for a poll", async () => {
      const other = await openSecondProcess();
      const ws = randomUUID();
      const seen: OutboxEvent[] = [];
      const d = dispatcherFor(other, { pollIntervalMs: 60_000, listenUrl: env.config.TEST_DATABASE_URL as string });
      d.on("*", "remote", async (e) => void (e.workspaceId === ws && seen.push(e)));
      await d.start();
      await d.drain();

      const committedAt = Date.now();
      // A plain transaction in this "process": only NOTIFY can tell the other one.
      await env.database.db
        .transaction()
        .execute((tx) => emitEvent(tx, { workspaceId: ws, type: "message.received", payload: { id: "m1" } }));
      await waitFor(() => seen.length === 1, 3000);
      expect(Date.now() - committedAt).toBeLessThan(1500);
      expect(seen[0]).toMatchObject({ workspaceId: ws, type: "message.received", payload: { id: "m1" } });
    });

    it("shares the work between processes: each event once, each workspace in order", async () => {
      const other = await openSecondProcess();
      const workspaces = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const received = new Map<string, number[]>(workspaces.map((w) => [w, []]));
      const byProcess = [0, 0];
      const log: string[] = [];
      for (const [p, handle] of [env.database, other].entries()) {
        const d = dispatcherFor(handle, { batchSize: 5 });
        d.on("*", "shared", async (e) => {
          const list = received.get(e.workspaceId);
          if (!list) return;
          list.push((e.payload as { n: number }).n);
          log.push(`${p}:${(e.payload as { n: number }).n}:${Date.now() % 100000}`);
          byProcess[p] = (byProcess[p] ?? 0) + 1;
          await sleep(Math.random() * 3);
        });
      }
      for (let n = 0; n < 80; n++) {
        await env.database.db
          .transaction()
          .execute((tx) =>
            emitEvent(tx, { workspaceId: workspaces[n % 4] as string, type: "note.added", payload: { n } }),
          );
      }
      await Promise.all(dispatchers.map((d) => d.start()));
      await waitFor(() => [...received.values()].reduce((s, l) => s + l.length, 0) >= 80, 10_000);
      await Promise.all(dispatchers.map((d) => d.drain()));
      await sleep(100);

      for (const [i, w] of workspaces.entries()) {
        if (JSON.stringify(received.get(w)) !== JSON.stringify(Array.from({ length: 20 }, (_, k) => k * 4 + i)))
          console.log("BAD", i, JSON.stringify(received.get(w)), log.join(" "));
        expect(received.get(w)).toEqual(Array.from({ length: 20 }, (_, k) => k * 4 + i));
      }
      expect((byProcess[0] ?? 0) + (byProcess[1] ?? 0)).toBe(80);
    });
  }
});
