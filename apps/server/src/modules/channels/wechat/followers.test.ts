import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import type { AppContext } from "../../../platform/context.ts";
import { resolveContact } from "../../profiles/index.ts";
import { findWechatAccount } from "./config.ts";
import {
  type FollowerEngine,
  type FollowerSource,
  type FollowerSyncRecord,
  followerProfileOf,
  runFollowersSyncJob,
  setFollowerEngine,
} from "./followers.ts";
import { apiFixture, createFakeChannel, FakeRaw, startFakeWechat } from "./test-fake-wechat.ts";

const FOLLOWERS = 25_000;
const openIdOf = (i: number) => `o-follower-${String(i).padStart(6, "0")}`;
const OTHER_APP = "wxaaaaaaaaaaaaaaaa";

/**
 * A minimal stand-in of the profiles module's follower import (runFollowerImport), for this test only: it keeps
 * the cursor and the offset within the page after each batch (so a crash resumes at the failed batch), counts
 * each imported follower, and resolves the ones with a UnionID through profiles (joining identities).
 */
function standInEngine() {
  type Sync = FollowerSyncRecord & {
    workspaceId: string;
    cursor: string | null;
    offset: number;
    pages: number;
    imported: number;
  };
  const syncs = new Map<string, Sync>();
  const imports = new Map<string, number>();
  const seen: { tags?: string[] | undefined; externalId: string }[] = [];
  let n = 0;
  const engine: FollowerEngine = {
    async startFollowerSync(_ctx, workspaceId, input) {
      const sync: Sync = {
        id: `0190c1a2-0000-7000-8000-${String(++n).padStart(12, "0")}`,
        workspaceId,
        channel_id: input.channelId,
        state: "queued",
        cursor: null,
        offset: 0,
        pages: 0,
        imported: 0,
        failed: 0,
        total: null,
        error: null,
        started_at: null,
        finished_at: null,
      };
      syncs.set(sync.id, sync);
      return { ...sync };
    },
    async runFollowerImport(ctx: AppContext, workspaceId: string, syncId: string, source: FollowerSource) {
      const sync = syncs.get(syncId);
      if (!sync || sync.workspaceId !== workspaceId) throw new Error("no such sync");
      sync.state = "running";
      sync.started_at = new Date();
      try {
        for (;;) {
          const page = await source.listPage(sync.cursor);
          sync.total = page.total ?? null;
          for (let i = sync.offset; i < page.externalIds.length; i += 100) {
            const profiles = await source.fetchProfiles(page.externalIds.slice(i, i + 100));
            for (const p of profiles) {
              imports.set(p.externalId, (imports.get(p.externalId) ?? 0) + 1);
              if (p.tags) seen.push({ externalId: p.externalId, tags: p.tags });
              if (p.unionId) {
                await resolveContact(
                  ctx.database.db,
                  { workspaceId },
                  { kind: source.identityKind, externalId: p.externalId, namespace: source.namespace },
                  { unionId: p.unionId },
                );
              }
            }
            sync.offset = i + 100;
            sync.imported += profiles.length;
          }
          sync.pages++;
          sync.offset = 0;
          sync.cursor = page.nextCursor;
          if (!page.nextCursor) break;
        }
        sync.state = "completed";
        sync.finished_at = new Date();
      } catch (err) {
        sync.state = "failed";
        sync.error = { reason: "follower_source_failed", message: String(err) };
        throw err;
      }
      return { ...sync };
    },
    async findFollowerSync(_ctx, workspaceId, syncId) {
      const sync = syncs.get(syncId);
      return sync?.workspaceId === workspaceId ? { ...sync } : undefined;
    },
  };
  return { engine, imports, seen, syncs };
}

describe("follower profiles", () => {
  it("maps user/info fields, drops unfollowed users and keeps linked tags only", () => {
    const [followed, unfollowed] = (apiFixture("api-user-info-batchget").user_info_list as never[]).map((u) =>
      followerProfileOf(u, new Map([[2, "vip"]])),
    );
    expect(followed).toMatchObject({ externalId: "otvxTs4dckWG7imySrJd6jSi0CWE", language: "zh_CN" });
    expect(followed?.followedAt).toBeInstanceOf(Date);
    expect(unfollowed).toBeNull();
    expect(
      followerProfileOf(
        { subscribe: 1, openid: "o", tagid_list: [2, 7], unionid: "u", qr_scene_str: "s" },
        new Map([[2, "vip"]]),
      ),
    ).toEqual({ externalId: "o", unionId: "u", tags: ["vip"], attributes: { wechatQrScene: "s" } });
  });
});

describe.each(TEST_DATABASES)("WeChat followers and tags on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let fake: Awaited<ReturnType<typeof startFakeWechat>>;
  let channelId: string;
  const stand = standInEngine();
  const remoteTags = new Map<number, string>([
    [2, "星标组"],
    [100, "existing"],
  ]);
  let nextTagId = 101;
  const tagged = new Map<number, Set<string>>();
  let crashAtBatch = -1;
  let batchCalls = 0;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    fake = await startFakeWechat();
    setFollowerEngine(stand.engine);
    // Jobs are sent but not worked: the test runs the job's handler itself, crash and retry included.
    await env.jobs.start({ work: false, supervise: false });

    fake.on("/cgi-bin/user/get", ({ query }) => {
      const after = query.get("next_openid");
      const start = after ? Number(after.slice("o-follower-".length)) + 1 : 0;
      const ids = Array.from({ length: Math.max(0, Math.min(10_000, FOLLOWERS - start)) }, (_, k) =>
        openIdOf(start + k),
      );
      if (!ids.length) return { total: FOLLOWERS, count: 0, next_openid: "" };
      return { total: FOLLOWERS, count: ids.length, data: { openid: ids }, next_openid: ids.at(-1) };
    });
    fake.on("/cgi-bin/user/info/batchget", ({ body }) => {
      batchCalls++;
      if (batchCalls === crashAtBatch) return new FakeRaw("upstream crashed", "text/plain", 502);
      const list = body.user_list as { openid: string; lang: string }[];
      if (list.length > 100) return { errcode: 45032, errmsg: "too many users" };
      return {
        user_info_list: list.map(({ openid }) => {
          const i = Number(openid.slice("o-follower-".length));
          return {
            subscribe: 1,
            openid,
            language: "zh_CN",
            subscribe_time: 1_700_000_000 + i,
            tagid_list: [...tagged.entries()].filter(([, s]) => s.has(openid)).map(([id]) => id),
            ...(i % 10_000 === 7 ? { unionid: `union-${i}` } : {}),
          };
        }),
      };
    });
    fake.on("/cgi-bin/tags/get", () => ({
      tags: [...remoteTags].map(([id, name]) => ({ id, name, count: tagged.get(id)?.size ?? 0 })),
    }));
    fake.on("/cgi-bin/tags/create", ({ body }) => {
      const name = (body.tag as { name: string }).name;
      if ([...remoteTags.values()].includes(name)) return { errcode: 45157, errmsg: "tag name exists" };
      if (remoteTags.size >= 100) return { errcode: 45056, errmsg: "too many tags" };
      const id = nextTagId++;
      remoteTags.set(id, name);
      return { tag: { id, name } };
    });
    fake.on("/cgi-bin/tags/update", ({ body }) => {
      const tag = body.tag as { id: number; name: string };
      remoteTags.set(tag.id, tag.name);
      return { errcode: 0, errmsg: "ok" };
    });
    fake.on("/cgi-bin/tags/delete", ({ body }) => {
      remoteTags.delete((body.tag as { id: number }).id);
      return { errcode: 0, errmsg: "ok" };
    });
    const tagging =
      (add: boolean) =>
      ({ body }: { body: Record<string, unknown> }) => {
        const ids = body.openid_list as string[];
        if (ids.length > 50) return { errcode: 40032, errmsg: "invalid openid list size" };
        const set = tagged.get(body.tagid as number) ?? new Set<string>();
        for (const id of ids) add ? set.add(id) : set.delete(id);
        tagged.set(body.tagid as number, set);
        return { errcode: 0, errmsg: "ok" };
      };
    fake.on("/cgi-bin/tags/members/batchtagging", tagging(true));
    fake.on("/cgi-bin/tags/members/batchuntagging", tagging(false));
    fake.on("/cgi-bin/tags/getidlist", ({ body }) => ({
      tagid_list: [...tagged.entries()].filter(([, s]) => s.has(body.openid as string)).map(([id]) => id),
    }));

    channelId = await createFakeChannel(env, a.auth("admin"), fake);
  });
  afterAll(async () => {
    setFollowerEngine(null);
    await fake?.close();
    await env?.close();
  });

  const api = (method: "GET" | "POST" | "PUT" | "PATCH", url: string, payload?: object, who = a) =>
    env.app.inject({ method, url, headers: who.auth("admin"), ...(payload ? { payload } : {}) });

  it("keeps chosen Rapport tags as WeChat tags: creates, links by name, renames, deletes, tags by 50", async () => {
    const chosen = await api("PUT", `/api/v1/channels/${channelId}/wechat/tags`, { tags: ["vip", "existing"] });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json().report).toMatchObject({ created: ["vip"], linked: ["existing"] });
    expect(chosen.json().report.wechatOnly).toEqual([{ id: 2, name: "星标组" }]);
    const vipId = [...remoteTags].find(([, n]) => n === "vip")?.[0];
    expect(vipId).toBeDefined();

    // Renamed on WeChat: Rapport's name wins. Deleted on WeChat: the tag leaves the sync.
    remoteTags.set(vipId as number, "VIP!");
    remoteTags.delete(100);
    const synced = await api("POST", `/api/v1/channels/${channelId}/wechat/tags/sync`);
    expect(synced.json().report).toMatchObject({ renamed: ["vip"], deletedOnWechat: ["existing"] });
    expect(remoteTags.get(vipId as number)).toBe("vip");
    expect(synced.json().data.map((t: { tag: string }) => t.tag)).toEqual(["vip"]);

    const members = Array.from({ length: 120 }, (_, i) => openIdOf(i));
    const tagging = await api("POST", `/api/v1/channels/${channelId}/wechat/tags/vip/members`, {
      add: members,
      remove: [],
    });
    expect(tagging.json()).toEqual({ tagged: 120, untagged: 0, calls: 3 });
    expect(fake.requestsTo("/cgi-bin/tags/members/batchtagging").map((r) => (r.body.openid_list as []).length)).toEqual(
      [50, 50, 20],
    );
    await api("POST", `/api/v1/channels/${channelId}/wechat/tags/vip/members`, { remove: [openIdOf(119)] });
    const own = await api("GET", `/api/v1/channels/${channelId}/wechat/followers/${openIdOf(3)}/tags`);
    expect(own.json().data).toEqual([{ wechatTagId: vipId, rapportTag: "vip" }]);

    const renamed = await api("PATCH", `/api/v1/channels/${channelId}/wechat/tags/vip`, { name: "gold" });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(remoteTags.get(vipId as number)).toBe("gold");
    // Renamed back for the follower sync below.
    await api("PATCH", `/api/v1/channels/${channelId}/wechat/tags/gold`, { name: "vip" });
  });

  it("refuses more than 100 tags before calling WeChat", async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => `t${i}`);
    const res = await api("PUT", `/api/v1/channels/${channelId}/wechat/tags`, { tags: tooMany });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.reason).toBe("wechat_tag_limit");
    // 星标组, vip and 97 more make 99 on WeChat: a 100th tag fits, a 101st does not.
    for (let i = 0; i < 97; i++) remoteTags.set(1000 + i, `remote-${i}`);
    const creates = fake.requestsTo("/cgi-bin/tags/create").length;
    const over = await api("PUT", `/api/v1/channels/${channelId}/wechat/tags`, { tags: ["vip", "x1", "x2"] });
    expect(over.statusCode).toBe(409);
    expect(over.json().error).toMatchObject({ reason: "wechat_tag_limit", details: { limit: 100 } });
    expect(fake.requestsTo("/cgi-bin/tags/create").length - creates).toBe(1);
    for (let i = 0; i < 97; i++) remoteTags.delete(1000 + i);
    await api("PUT", `/api/v1/channels/${channelId}/wechat/tags`, { tags: ["vip"] });
  });

  it("syncs 25,000 followers over 3 pages, resumes after a crash, imports each once and joins by UnionID", async () => {
    // The same person already reached the brand through another app: the UnionID joins them.
    const other = await resolveContact(
      env.database.db,
      { workspaceId: a.workspace.id },
      { kind: "wechat_openid", externalId: "o-other-app", namespace: OTHER_APP },
      { unionId: "union-10007" },
    );

    const started = await api("POST", `/api/v1/channels/${channelId}/wechat/followers/sync`);
    expect(started.statusCode, started.body).toBe(202);
    const syncId = started.json().id as string;
    const queued = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${env.jobsSchema}.job`)}
      where name = 'wechat.followers-sync' and data->>'syncId' = ${syncId}`.execute(env.database.db);
    expect(queued.rows[0]?.n).toBe(1);

    // The job's first run crashes in the middle of page 2 (WeChat answers 502 to the 150th batch).
    crashAtBatch = batchCalls + 150;
    const data = { workspaceId: a.workspace.id, channelId, syncId };
    await expect(runFollowersSyncJob(env, data)).rejects.toThrow(/502/);
    const midway = await api("GET", `/api/v1/channels/${channelId}/wechat/followers/syncs/${syncId}`);
    expect(midway.json()).toMatchObject({ state: "failed", pages: 1, imported: 14_900, total: FOLLOWERS });

    // The retry resumes at the failed batch.
    const listCalls = fake.requestsTo("/cgi-bin/user/get").length;
    await runFollowersSyncJob(env, data);
    const done = await api("GET", `/api/v1/channels/${channelId}/wechat/followers/syncs/${syncId}`);
    expect(done.json()).toMatchObject({ state: "completed", imported: FOLLOWERS, pages: 3, channelId });
    expect(stand.imports.size).toBe(FOLLOWERS);
    expect([...stand.imports.values()].every((n) => n === 1)).toBe(true);
    // Resumed at page 2, then page 3, whose 5,000 OpenIDs end the list.
    const pages = fake.requestsTo("/cgi-bin/user/get").slice(listCalls);
    expect(pages.map((r) => r.query.get("next_openid"))).toEqual([openIdOf(9_999), openIdOf(19_999)]);
    expect(fake.requestsTo("/cgi-bin/user/info/batchget").every((r) => (r.body.user_list as []).length <= 100)).toBe(
      true,
    );

    // Tags linked to Rapport tags came along; the UnionID joined the other app's contact.
    expect(stand.seen.find((s) => s.externalId === openIdOf(5))?.tags).toEqual(["vip"]);
    const joined = await resolveContact(
      env.database.db,
      { workspaceId: a.workspace.id },
      {
        kind: "wechat_openid",
        externalId: openIdOf(10_007),
        namespace: (await findWechatAccount(env, a.workspace.id, channelId)).config.appId,
      },
    );
    expect(joined.contactId).toBe(other.contactId);
  });

  it("hides a channel's followers and tags from another workspace (404)", async () => {
    for (const [method, url] of [
      ["POST", `/api/v1/channels/${channelId}/wechat/followers/sync`],
      ["GET", `/api/v1/channels/${channelId}/wechat/followers/syncs/0190c1a2-0000-7000-8000-000000000001`],
      ["GET", `/api/v1/channels/${channelId}/wechat/tags`],
      ["POST", `/api/v1/channels/${channelId}/wechat/tags/sync`],
    ] as const) {
      const res = await api(method, url, undefined, b);
      expect(res.statusCode, url).toBe(404);
    }
  });
});
