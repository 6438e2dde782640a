import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { resolveContact } from "../use-cases/resolve-contact.ts";
import {
  type FollowerProfile,
  type FollowerSource,
  findFollowerSync,
  listFollowerSyncs,
  runFollowerImport,
  startFollowerSync,
} from "./follower-import.ts";

const APP = "wx-official-account";
const TOTAL = 25_000;
const PAGE = 10_000;
const openId = (i: number) => `o-${String(i).padStart(6, "0")}`;
const indexOf = (id: string) => Number(id.slice(2));

/** An in-memory follower list: 25,000 OpenIDs over 3 pages; every 10th follower has a UnionID. */
function fakeSource(options: { failAt?: number } = {}) {
  const fetched: string[][] = [];
  const cursors: (string | null)[] = [];
  let failAt = options.failAt;
  const source: FollowerSource = {
    identityKind: "wechat_openid",
    namespace: APP,
    async listPage(cursor) {
      cursors.push(cursor);
      const start = cursor === null ? 0 : indexOf(cursor) + 1;
      const end = Math.min(TOTAL, start + PAGE);
      const externalIds = Array.from({ length: end - start }, (_, k) => openId(start + k));
      return { externalIds, nextCursor: end < TOTAL ? openId(end - 1) : null, total: TOTAL };
    },
    async fetchProfiles(ids) {
      expect(ids.length).toBeLessThanOrEqual(100);
      if (failAt !== undefined && ids.some((id) => indexOf(id) === failAt)) {
        failAt = undefined;
        throw new Error("connection reset by the channel");
      }
      fetched.push(ids);
      return ids.map(
        (id): FollowerProfile => ({
          externalId: id,
          ...(indexOf(id) % 10 === 0 ? { unionId: `u-${indexOf(id)}` } : {}),
          name: `Follower ${indexOf(id)}`,
          language: "zh_CN",
          followedAt: new Date(Date.UTC(2026, 0, 1) + indexOf(id) * 1000),
          tags: ["follower"],
        }),
      );
    },
  };
  return { source, fetched, cursors };
}

describe.each(TEST_DATABASES)("paged follower import on %s", (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await openTestEnv(kind);
  });
  afterAll(async () => env?.close());

  const count = async (sqlText: string, values: unknown[]) =>
    Number((await env.database.query<{ n: number | string }>(sqlText, values)).rows[0]?.n);

  it("imports every follower exactly once across a crash and a resume, joining a known UnionID", async () => {
    const w = await buildWorkspace(env);
    const ws = w.workspace.id;
    // Follower 10 is already known through the brand's mini program, with its UnionID.
    const knownTen = await resolveContact(
      env.database.db,
      { workspaceId: ws },
      { kind: "wechat_openid", externalId: "mini-10", namespace: "wx-mini-program" },
      { unionId: "u-10" },
    );
    const channelId = randomUUID();
    const sync = await startFollowerSync(env, ws, { channelId, identityKind: "wechat_openid", namespace: APP });
    expect(sync).toMatchObject({ state: "queued", pages: 0, imported: 0, page_cursor: null, page_done: 0 });

    const crashing = fakeSource({ failAt: 15_050 });
    await expect(runFollowerImport(env, ws, sync.id, crashing.source)).rejects.toThrow("connection reset");
    const failed = await findFollowerSync(env, ws, sync.id);
    expect(failed).toMatchObject({
      state: "failed",
      pages: 1,
      imported: 15_000,
      failed: 0,
      total: TOTAL,
      page_cursor: openId(PAGE - 1),
      page_done: 5_000,
      error: { reason: "follower_source_failed", message: "connection reset by the channel" },
    });

    const progress: number[] = [];
    const resumed = fakeSource();
    const done = await runFollowerImport(env, ws, sync.id, resumed.source, (p) => progress.push(p.imported));
    expect(done).toMatchObject({ state: "completed", pages: 3, imported: TOTAL, failed: 0, total: TOTAL, error: null });
    // The resumed run asked for the page it was on and fetched nothing it had already imported.
    expect(resumed.cursors[0]).toBe(openId(PAGE - 1));
    expect(Math.min(...resumed.fetched.flat().map(indexOf))).toBe(15_000);
    expect(resumed.fetched.flat()).toHaveLength(TOTAL - 15_000);
    expect(progress.at(-1)).toBe(TOTAL);

    expect(
      await count(
        "select count(*) as n from contact_identities where workspace_id = $1 and kind = 'wechat_openid' and namespace = $2",
        [ws, APP],
      ),
    ).toBe(TOTAL);
    expect(
      await count(
        "select count(distinct contact_id) as n from contact_identities where workspace_id = $1 and namespace = $2",
        [ws, APP],
      ),
    ).toBe(TOTAL);
    // 25,000 followers, one of whom (follower 10) is the contact already known by UnionID.
    expect(await count("select count(*) as n from contacts where workspace_id = $1", [ws])).toBe(TOTAL);
    expect(
      await count("select count(*) as n from contact_identities where workspace_id = $1 and kind = 'wechat_unionid'", [
        ws,
      ]),
    ).toBe(TOTAL / 10);
    const ten = await env.database.query<{ contact_id: string }>(
      "select contact_id from contact_identities where workspace_id = $1 and namespace = $2 and external_id = $3",
      [ws, APP, openId(10)],
    );
    expect(ten.rows[0]?.contact_id).toBe(knownTen.contactId);
    const follows = await count(
      "select count(*) as n from timeline_events where workspace_id = $1 and type = 'follow'",
      [ws],
    );
    expect(follows).toBe(TOTAL);
    const contact = await env.database.query<{ display_name: string; language: string; tags: string[] }>(
      "select display_name, language, tags from contacts where workspace_id = $1 and id = $2",
      [ws, knownTen.contactId],
    );
    expect(contact.rows[0]).toEqual({ display_name: "Follower 10", language: "zh-CN", tags: ["follower"] });

    // A completed sync is restarted from the first page; running it again duplicates nothing.
    const again = await startFollowerSync(env, ws, { channelId, identityKind: "wechat_openid", namespace: APP });
    expect(again).toMatchObject({ id: sync.id, state: "queued", pages: 0, imported: 0, page_cursor: null });
  }, 600_000);

  it("re-runs idempotently, counts ids the source does not answer as failed, and keeps syncs in their workspace", async () => {
    const w = await buildWorkspace(env);
    const other = await buildWorkspace(env);
    const ws = w.workspace.id;
    const small: FollowerSource = {
      identityKind: "wechat_openid",
      namespace: APP,
      listPage: async (cursor) =>
        cursor === null ? { externalIds: ["a", "b", "gone"], nextCursor: "b" } : { externalIds: [], nextCursor: null },
      fetchProfiles: async (ids) =>
        ids
          .filter((id) => id !== "gone")
          .map((id) => ({ externalId: id, name: `Name ${id}`, language: "not a language!", avatarUrl: "ftp://x" })),
    };
    const channelId = randomUUID();
    const first = await startFollowerSync(env, ws, { channelId, identityKind: "wechat_openid", namespace: APP });
    expect(await runFollowerImport(env, ws, first.id, small)).toMatchObject({
      state: "completed",
      pages: 1,
      imported: 2,
      failed: 1,
    });
    const second = await startFollowerSync(env, ws, { channelId, identityKind: "wechat_openid", namespace: APP });
    expect(second.id).toBe(first.id);
    await runFollowerImport(env, ws, second.id, small);
    expect(await count("select count(*) as n from contacts where workspace_id = $1", [ws])).toBe(2);

    // "a" was known by OpenID alone, and the same person by UnionID through another app: the import joins them.
    const mini = await resolveContact(
      env.database.db,
      { workspaceId: ws },
      { kind: "wechat_openid", externalId: "mini-a", namespace: "wx-mini-program" },
      { unionId: "u-a" },
    );
    const withUnion: FollowerSource = {
      ...small,
      fetchProfiles: async (ids) => ids.map((id) => ({ externalId: id, ...(id === "a" ? { unionId: "u-a" } : {}) })),
    };
    const joined = await startFollowerSync(env, ws, { channelId, identityKind: "wechat_openid", namespace: APP });
    expect(await runFollowerImport(env, ws, joined.id, withUnion)).toMatchObject({ imported: 3, failed: 0 });
    const survivors = await env.database.query<{ id: string }>(
      `select coalesce(c.merged_into, c.id) as id from contact_identities i
       join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id
       where i.workspace_id = $1 and i.external_id in ('a', 'mini-a')`,
      [ws],
    );
    expect(new Set(survivors.rows.map((r) => r.id)).size).toBe(1);
    expect(survivors.rows[0]?.id).toBe(mini.contactId);

    await expect(findFollowerSync(env, other.workspace.id, first.id)).rejects.toMatchObject({
      kind: "not_found",
      reason: "follower_sync_not_found",
    });
    await expect(runFollowerImport(env, other.workspace.id, first.id, small)).rejects.toMatchObject({
      kind: "not_found",
    });
    expect((await listFollowerSyncs(env, other.workspace.id)).data).toEqual([]);
    expect((await listFollowerSyncs(env, ws)).data.map((s) => s.id)).toEqual([first.id]);
    await expect(
      startFollowerSync(env, ws, { channelId, identityKind: "wechat_openid", namespace: "" }),
    ).rejects.toMatchObject({ reason: "identity_namespace_missing" });
  }, 120_000);
});
