import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../test/harness.ts";
import { waitFor } from "../../test/wait.ts";
import { createJobs, FinalJobError, type Jobs } from "./jobs.ts";

const Data = z.strictObject({ workspaceId: z.uuid(), n: z.number().int() });

describe.each(TEST_DATABASES)("jobs on %s", (kind) => {
  let env: TestEnv;
  let jobs: Jobs | undefined;
  const schemas: string[] = [];

  beforeAll(async () => {
    env = await openTestEnv(kind);
  });
  afterEach(async () => {
    await jobs?.stop(5000);
    jobs = undefined;
  });
  afterAll(async () => {
    for (const s of schemas) await env.database.query(`drop schema if exists ${s} cascade`);
    await env?.close();
  });

  function newJobs() {
    const schema = `jobs_${randomBytes(5).toString("hex")}`;
    schemas.push(schema);
    jobs = createJobs(env.database, { schema, pollingIntervalSeconds: 0.5 });
    return jobs;
  }

  it("works a job sent outside and inside a committed transaction, not one whose transaction rolled back", async () => {
    const q = newJobs();
    const seen: number[] = [];
    q.define({ name: "test.count", schema: Data, handler: async (d) => void seen.push(d.n) });
    await q.start({ work: true, supervise: false });
    const workspaceId = randomUUID();
    await q.send("test.count", { workspaceId, n: 1 });
    await env.database.db.transaction().execute(async (tx) => {
      await q.send("test.count", { workspaceId, n: 2 }, { tx });
    });
    await expect(
      env.database.db.transaction().execute(async (tx) => {
        await q.send("test.count", { workspaceId, n: 3 }, { tx });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await waitFor(() => seen.length >= 2);
    await new Promise((r) => setTimeout(r, 1200));
    expect(seen.sort()).toEqual([1, 2]);
  });

  it("refuses data that does not match the job's schema and unknown job types", async () => {
    const q = newJobs();
    q.define({ name: "test.strict", schema: Data, handler: async () => undefined });
    await q.start({ work: false, supervise: false });
    await expect(q.send("test.strict", { workspaceId: "nope", n: 1 })).rejects.toMatchObject({
      reason: "job_data_invalid",
    });
    await expect(q.send("test.unknown", { workspaceId: randomUUID() })).rejects.toMatchObject({
      reason: "job_unknown",
    });
    expect(() => q.define({ name: "Bad Name", schema: Data, handler: async () => undefined })).toThrow(/queue name/);
  });

  it("retries a failing job, then dead-letters it with its error, per workspace, and retries it on demand", async () => {
    const q = newJobs();
    let calls = 0;
    let healthy = false;
    q.define({
      name: "test.flaky",
      schema: Data,
      retryLimit: 1,
      retryDelaySeconds: 1,
      handler: async () => {
        calls++;
        if (!healthy) throw new Error("provider said no (token=secret-not-echoed is fine here)");
      },
    });
    await q.start({ work: true, supervise: false });
    const mine = randomUUID();
    const theirs = randomUUID();
    await q.send("test.flaky", { workspaceId: mine, n: 1 });
    await q.send("test.flaky", { workspaceId: theirs, n: 2 });

    await waitFor(async () => (await q.listDeadLetters(mine, { limit: 10 })).length === 1, 20_000);
    expect(calls).toBeGreaterThanOrEqual(2); // first try and one retry
    const [dead] = await q.listDeadLetters(mine, { limit: 10 });
    expect(dead).toMatchObject({ queue: "test.flaky", workspaceId: mine, data: { workspaceId: mine, n: 1 } });
    expect(dead?.error).toContain("provider said no");

    await waitFor(async () => (await q.listDeadLetters(theirs, { limit: 10 })).length === 1, 20_000);
    expect((await q.listDeadLetters(mine, { limit: 10 })).map((d) => d.workspaceId)).toEqual([mine]);
    // Another workspace cannot retry it.
    expect(await q.retryDeadLetter(theirs, dead?.id ?? "")).toBe(false);

    healthy = true;
    const before = calls;
    expect(await q.retryDeadLetter(mine, dead?.id ?? "")).toBe(true);
    expect(await q.retryDeadLetter(mine, dead?.id ?? "")).toBe(false);
    await waitFor(() => calls > before);
    expect(await q.listDeadLetters(mine, { limit: 10 })).toEqual([]);
  });

  it("dead-letters a job refused for good at once, without spending its retries", async () => {
    const q = newJobs();
    let calls = 0;
    q.define({
      name: "test.final",
      schema: Data,
      retryLimit: 5,
      retryDelaySeconds: 1,
      handler: async () => {
        calls++;
        throw new FinalJobError("WeChat API error 40003 (invalid openid): no such follower");
      },
    });
    await q.start({ work: true, supervise: false });
    const mine = randomUUID();
    await q.send("test.final", { workspaceId: mine, n: 3 });
    await waitFor(async () => (await q.listDeadLetters(mine, { limit: 10 })).length === 1, 20_000);
    const [dead] = await q.listDeadLetters(mine, { limit: 10 });
    expect(dead).toMatchObject({ queue: "test.final", data: { workspaceId: mine, n: 3 } });
    expect(dead?.error).toBe("WeChat API error 40003 (invalid openid): no such follower");
    await new Promise((r) => setTimeout(r, 2500)); // a retry would have come by now
    expect(calls).toBe(1);
  });

  it("lets a running job finish when stopping", async () => {
    const q = newJobs();
    let finished = false;
    let started = false;
    q.define({
      name: "test.slow",
      schema: Data,
      handler: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 700));
        finished = true;
      },
    });
    await q.start({ work: true, supervise: false });
    await q.send("test.slow", { workspaceId: randomUUID(), n: 1 });
    await waitFor(() => started);
    await q.stop(5000);
    jobs = undefined;
    expect(finished).toBe(true);
    // The application's database is still usable after the queue stopped.
    expect((await sql<{ one: number }>`select 1 as one`.execute(env.database.db)).rows[0]?.one).toBe(1);
  });
});
