import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildWorkspace } from "./factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "./harness.ts";

describe.each(TEST_DATABASES)("dead-letter API on %s", (kind) => {
  let env: TestEnv;
  let healthy = false;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    env.jobs.define({
      name: "test.always-fails",
      schema: z.strictObject({ workspaceId: z.uuid() }),
      retryLimit: 0,
      handler: async () => {
        if (!healthy) throw new Error("the provider answered 500");
      },
    });
    await env.jobs.start({ work: true, supervise: false });
  });
  afterAll(async () => {
    await env?.close();
  });

  it("lists a workspace's dead letters to admins only, pages them, and retries one", async () => {
    const a = await buildWorkspace(env);
    const b = await buildWorkspace(env);
    for (let i = 0; i < 3; i++) await env.jobs.send("test.always-fails", { workspaceId: a.workspace.id });

    const list = async (query = "") =>
      env.app.inject({ url: `/api/v1/jobs/dead-letters${query}`, headers: a.auth("admin") });
    const until = Date.now() + 20_000;
    while ((await list()).json().data.length < 3) {
      if (Date.now() > until) throw new Error("jobs were not dead-lettered");
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = await list("?limit=2");
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.data).toHaveLength(2);
    expect(page1.data[0]).toMatchObject({ queue: "test.always-fails", error: "the provider answered 500" });
    const page2 = (await list(`?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.data).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.data, ...page2.data].map((d: { id: string }) => d.id)).size).toBe(3);

    const other = await env.app.inject({ url: "/api/v1/jobs/dead-letters", headers: b.auth("admin") });
    expect(other.json().data).toEqual([]);
    const agent = await env.app.inject({ url: "/api/v1/jobs/dead-letters", headers: a.auth("agent") });
    expect(agent.statusCode).toBe(403);
    const badCursor = await list("?cursor=bm9wZQ");
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.reason).toBe("cursor_invalid");

    const id = page1.data[0].id as string;
    const foreign = await env.app.inject({
      method: "POST",
      url: `/api/v1/jobs/dead-letters/${id}/retry`,
      headers: b.auth("admin"),
    });
    expect(foreign.statusCode).toBe(404);
    healthy = true;
    const retried = await env.app.inject({
      method: "POST",
      url: `/api/v1/jobs/dead-letters/${id}/retry`,
      headers: a.auth("admin"),
    });
    expect(retried.statusCode).toBe(202);
    expect((await list()).json().data).toHaveLength(2);
  });
});
