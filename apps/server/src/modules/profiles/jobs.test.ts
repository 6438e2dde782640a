import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { ensureNightlyLifecycles, LIFECYCLE_JOB, nextNightlyRun, runLifecycleJob } from "./jobs.ts";

describe("nextNightlyRun", () => {
  it("is today's 03:00 before it, tomorrow's after it (UTC)", () => {
    expect(nextNightlyRun("UTC", new Date("2026-12-07T02:59:00Z"))).toEqual({
      at: new Date("2026-12-07T03:00:00Z"),
      date: "2026-12-07",
    });
    expect(nextNightlyRun("UTC", new Date("2026-12-07T03:00:00Z")).at).toEqual(new Date("2026-12-08T03:00:00Z"));
  });

  it("reads 03:00 in the workspace's zone", () => {
    // Shanghai is UTC+8: 03:00 there is 19:00 UTC the day before.
    expect(nextNightlyRun("Asia/Shanghai", new Date("2026-12-07T12:00:00Z"))).toEqual({
      at: new Date("2026-12-07T19:00:00Z"),
      date: "2026-12-08",
    });
    // New York across the spring change (8 March 2026): 03:00 EST (08:00 UTC), then 03:00 EDT (07:00 UTC).
    expect(nextNightlyRun("America/New_York", new Date("2026-03-07T05:00:00Z")).at).toEqual(
      new Date("2026-03-07T08:00:00Z"),
    );
    expect(nextNightlyRun("America/New_York", new Date("2026-03-07T09:00:00Z")).at).toEqual(
      new Date("2026-03-08T07:00:00Z"),
    );
  });

  it("falls back to UTC for an unknown zone", () => {
    expect(nextNightlyRun("Mars/Olympus", new Date("2026-12-07T12:00:00Z")).at).toEqual(
      new Date("2026-12-08T03:00:00Z"),
    );
  });
});

describe.each(TEST_DATABASES)("nightly lifecycle recomputation on %s", (kind) => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    // Jobs are sent, not worked: the test reads the queue and runs the handler itself.
    await env.jobs.start({ work: false, supervise: false });
  });
  afterAll(async () => env?.close());

  type Queued = { id: string; start_after: Date; data: { workspaceId: string; after?: string | null; at?: string } };
  const queued = async (workspaceId: string) =>
    (
      await sql<Queued>`select id, start_after, data from ${sql.raw(`${env.jobsSchema}.job`)}
        where name = ${LIFECYCLE_JOB} and data->>'workspaceId' = ${workspaceId} order by start_after, id`.execute(
        env.database.db,
      )
    ).rows;
  const nights = async (workspaceId: string) => (await queued(workspaceId)).filter((j) => !j.data.after);

  it("plans the next night once when a first page runs, even run twice", async () => {
    const a = await buildWorkspace(env);
    const now = new Date("2026-12-07T10:00:00Z");
    await runLifecycleJob(env, { workspaceId: a.workspace.id, after: null }, now);
    await runLifecycleJob(env, { workspaceId: a.workspace.id, after: null }, now);
    const planned = await nights(a.workspace.id);
    expect(planned).toHaveLength(1);
    expect(planned[0]?.start_after).toEqual(new Date("2026-12-08T03:00:00Z"));
    expect(planned[0]?.data.at).toBe("2026-12-08T03:00:00.000Z");

    // That night's run plans the night after it, from its planned instant even if this clock is a bit behind.
    await runLifecycleJob(
      env,
      { workspaceId: a.workspace.id, after: null, at: "2026-12-08T03:00:00.000Z" },
      new Date("2026-12-08T02:59:58Z"),
    );
    expect((await nights(a.workspace.id)).map((j) => j.start_after)).toEqual([
      new Date("2026-12-08T03:00:00Z"),
      new Date("2026-12-09T03:00:00Z"),
    ]);
  });

  it("plans 03:00 in the workspace's time zone", async () => {
    const b = await buildWorkspace(env);
    await sql`update workspaces set timezone = 'Asia/Shanghai' where id = ${b.workspace.id}`.execute(env.database.db);
    await runLifecycleJob(env, { workspaceId: b.workspace.id, after: null }, new Date("2026-12-07T12:00:00Z"));
    expect((await nights(b.workspace.id)).map((j) => j.start_after)).toEqual([new Date("2026-12-07T19:00:00Z")]);
  });

  it("gives every workspace its next run at start-up, once however often it starts", async () => {
    const c = await buildWorkspace(env);
    const d = await buildWorkspace(env);
    await sql`update workspaces set timezone = 'America/New_York' where id = ${d.workspace.id}`.execute(
      env.database.db,
    );
    const now = new Date();
    expect(await ensureNightlyLifecycles(env, now)).toBeGreaterThanOrEqual(2);
    await ensureNightlyLifecycles(env, now);
    const cNights = await nights(c.workspace.id);
    expect(cNights).toHaveLength(1);
    expect(cNights[0]?.start_after).toEqual(nextNightlyRun("UTC", now).at);
    const dNights = await nights(d.workspace.id);
    expect(dNights).toHaveLength(1);
    expect(dNights[0]?.start_after).toEqual(nextNightlyRun("America/New_York", now).at);
    // A night's first page sends the same job (same local date) as the start-up check: still one.
    await runLifecycleJob(env, { workspaceId: c.workspace.id, after: null }, now);
    expect(await nights(c.workspace.id)).toHaveLength(1);
  });

  it("still chains the pages of a run of more than 1,000 contacts", async () => {
    const e = await buildWorkspace(env);
    await sql`insert into contacts (workspace_id, id, created_at, updated_at)
      select ${e.workspace.id}::uuid, gen_random_uuid(), now(), now() from generate_series(1, 1001)`.execute(
      env.database.db,
    );
    const at = "2026-12-08T03:00:00.000Z";
    await runLifecycleJob(env, { workspaceId: e.workspace.id, after: null, at }, new Date("2026-12-08T03:00:05Z"));
    await runLifecycleJob(env, { workspaceId: e.workspace.id, after: null, at }, new Date("2026-12-08T03:00:05Z"));
    const pages = (await queued(e.workspace.id)).filter((j) => j.data.after);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.data.at).toBe(at);
    expect(await nights(e.workspace.id)).toHaveLength(1);
  });
});
