// Crash safety of the inbound pipeline: replays inbound events with 10 % duplicates through the api channel
// of a real `rapport start` process on PostgreSQL, killing it with SIGKILL five times along the way; the client
// retries whatever was not acknowledged. Afterwards nothing is lost and nothing is doubled: messages, cases,
// case history and outbox events. REPLAY_EVENTS sets the size (default 2,000 here; the 100,000 run is
// `REPLAY_EVENTS=100000 npx vitest run apps/server/test/replay-sigkill.test.ts`).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { RAPPORT_BIN as BIN, runRapport } from "./rapport-process.ts";
import { sleep } from "./wait.ts";

const ADMIN_URL = process.env.TEST_DATABASE_URL;
const EVENTS = Number(process.env.REPLAY_EVENTS ?? 2000);
const CUSTOMERS = 300;
const KILLS = 5;

const run = (args: string[], env: Record<string, string>) => runRapport(args, { ...process.env, ...env });

/** Starts `rapport start` and resolves once it serves. */
async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, "start"], { env: { ...process.env, ...env }, stdio: "ignore" });
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const up = await fetch(`http://127.0.0.1:${env.PORT}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return child;
    if (child.exitCode !== null) throw new Error(`rapport start exited with ${child.exitCode}`);
    await sleep(100);
  }
  throw new Error("rapport start did not serve within 60 s");
}

describe.skipIf(!ADMIN_URL)("inbound replay with SIGKILLs on postgres", () => {
  const database = `replay_${randomBytes(5).toString("hex")}`;
  const url = new URL(ADMIN_URL ?? "postgres://localhost/x");
  url.pathname = `/${database}`;
  const env = {
    DATABASE_URL: url.toString(),
    RAPPORT_SECRET_KEY: randomBytes(32).toString("hex"),
    PORT: String(30000 + Math.floor(Math.random() * 20000)),
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
  };
  let server: ChildProcess | undefined;
  const admin = () => new pg.Client({ connectionString: ADMIN_URL });

  afterAll(async () => {
    server?.kill("SIGKILL");
    const c = admin();
    await c.connect();
    await c.query(`drop database if exists ${database} with (force)`);
    await c.end();
  });

  it(
    `stores ${EVENTS} events with 10 % duplicates exactly once across ${KILLS} SIGKILLs`,
    async () => {
      const c = admin();
      await c.connect();
      await c.query(`create database ${database}`);
      await c.end();
      for (const args of [["migrate"], ["workspaces", "create", "replay", "--name", "Replay"]]) {
        const r = await run(args, env);
        expect(r.code, r.stderr).toBe(0);
      }
      const tokenRun = await run(["tokens", "create", "--workspace", "replay", "--role", "admin"], env);
      expect(tokenRun.code, tokenRun.stderr).toBe(0);
      const token = tokenRun.stdout.trim().split("\n").at(-1) ?? "";
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const base = `http://127.0.0.1:${env.PORT}`;

      server = await startServer(env);
      const channel = await fetch(`${base}/api/v1/channels`, {
        method: "POST",
        headers,
        body: JSON.stringify({ type: "api", name: "replay" }),
      }).then((r) => r.json() as Promise<{ channel: { id: string } }>);

      // 10 % of the events repeat an earlier event (same external id, same content).
      const distinct = Math.round(EVENTS * 0.9);
      const events = Array.from({ length: EVENTS }, (_, i) => {
        const n = i < distinct ? i : (i * 7919) % distinct;
        return { externalMessageId: `r-${n}`, from: { externalId: `cust-${n % CUSTOMERS}` }, text: `Message ${n}` };
      });
      let next = 0;
      let acked = 0;
      let retried = 0;
      const send = async (event: (typeof events)[number]) => {
        for (;;) {
          const status = await fetch(`${base}/api/v1/channels/${channel.channel.id}/inbound`, {
            method: "POST",
            headers,
            body: JSON.stringify(event),
            signal: AbortSignal.timeout(10_000),
          }).then(
            (r) => r.status,
            () => 0,
          );
          if (status === 202) return;
          retried++;
          await sleep(50);
        }
      };
      const worker = async () => {
        while (next < events.length) {
          const event = events[next++] as (typeof events)[number];
          await send(event);
          acked++;
        }
      };
      const killer = async () => {
        for (let k = 1; k <= KILLS; k++) {
          while (acked < (k * EVENTS) / (KILLS + 1)) await sleep(20);
          server?.kill("SIGKILL");
          await new Promise((r) => server?.once("exit", r));
          server = await startServer(env);
        }
      };
      await Promise.all([...Array.from({ length: 16 }, worker), killer()]);
      expect(retried).toBeGreaterThan(0);

      const db = new pg.Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      try {
        // Only the replay workspace: the first start also seeds the demo workspace.
        const ws = (await db.query("select id from workspaces where slug = 'replay'")).rows[0]?.id as string;
        const count = async (query: string) =>
          Number((await db.query(query.replace("where ", "where workspace_id = $1 and "), [ws])).rows[0]?.n);
        // Let the last process dispatch the outbox, then compare.
        const until = Date.now() + 120_000;
        while ((await count("select count(*) as n from outbox where dispatched_at is null")) > 0) {
          if (Date.now() > until) throw new Error("the outbox was not dispatched within 120 s");
          await sleep(200);
        }
        expect(await count("select count(*) as n from messages where direction = 'inbound'")).toBe(distinct);
        expect(
          await count("select count(distinct platform_message_id) as n from messages where direction = 'inbound'"),
        ).toBe(distinct);
        expect(await count("select count(*) as n from cases where true")).toBe(CUSTOMERS);
        expect(await count("select count(*) as n from conversations where true")).toBe(CUSTOMERS);
        expect(await count("select count(*) as n from case_events where action = 'case.created'")).toBe(CUSTOMERS);
        expect(await count("select count(*) as n from contact_identities where kind = 'crm_id'")).toBe(CUSTOMERS);
        expect(await count("select count(*) as n from outbox where type = 'message.created'")).toBe(distinct);
        expect(await count("select count(*) as n from outbox where type = 'case.created'")).toBe(CUSTOMERS);
        expect(await count("select count(*) as n from outbox_deliveries where status = 'failed'")).toBe(0);
      } finally {
        await db.end();
      }
    },
    Math.max(600_000, EVENTS * 60),
  );
});
