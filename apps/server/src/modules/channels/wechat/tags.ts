/**
 * Tag sync (CHANNELS.md §2.12): the Rapport tags an admin chooses are kept as WeChat user tags of the account.
 * Rapport → WeChat: chosen tags are created (or found by name) and linked, renamed on WeChat to the Rapport
 * name, deleted when unchosen, and followers are tagged/untagged in batches of 50. WeChat → Rapport: a linked
 * tag deleted on WeChat leaves the sync, and the follower sync carries each follower's linked tags
 * (`tagid_list`) into their profile. WeChat's limit of 100 tags per account is checked before any call.
 */
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { type Actor, actorOf, guard, recordAudit } from "../../tenancy/index.ts";
import type { ChannelRow } from "../repository.ts";
import { callWechatAsAdmin } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { wq } from "./repository.ts";

export const MAX_WECHAT_TAGS = 100;
export const TAGGING_BATCH = 50;
/** WeChat tag names are at most 30 characters. */
const TagName = z.string().trim().min(1).max(30);

const RemoteTags = z.looseObject({
  tags: z.array(z.looseObject({ id: z.number(), name: z.string(), count: z.number().optional() })).default([]),
});

/** The linked WeChat tag ids of a channel with their Rapport tag names (for the follower sync). */
export async function linkedTagNames(db: Executor, channel: ChannelRow): Promise<Map<number, string>> {
  const rows = await wq(db)
    .selectFrom("wechat_synced_tags")
    .select(["rapport_tag", "wechat_tag_id"])
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .where("wechat_tag_id", "is not", null)
    .execute();
  return new Map(rows.map((r) => [r.wechat_tag_id as number, r.rapport_tag]));
}

async function syncedTags(db: Executor, channel: ChannelRow) {
  return wq(db)
    .selectFrom("wechat_synced_tags")
    .selectAll()
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .orderBy("rapport_tag")
    .execute();
}

async function remoteTags(ctx: AppContext, account: WechatAccount) {
  const json = await callWechatAsAdmin(ctx, account, "/cgi-bin/tags/get", { method: "GET" });
  return RemoteTags.parse(json).tags;
}

export type TagSyncReport = {
  created: string[];
  linked: string[];
  renamed: string[];
  deletedOnWechat: string[];
  wechatOnly: { id: number; name: string }[];
};

/** Reconciles the chosen tags with the account's WeChat tags (see the file comment for the rules). */
export async function syncTags(ctx: AppContext, account: WechatAccount): Promise<TagSyncReport> {
  const { channel } = account;
  const db = ctx.database.db;
  const report: TagSyncReport = { created: [], linked: [], renamed: [], deletedOnWechat: [], wechatOnly: [] };
  const remote = await remoteTags(ctx, account);
  const byId = new Map(remote.map((t) => [t.id, t]));
  const byName = new Map(remote.map((t) => [t.name, t]));
  const rows = await syncedTags(db, channel);
  const key = (tag: string) =>
    wq(db)
      .updateTable("wechat_synced_tags")
      .where("workspace_id", "=", channel.workspace_id)
      .where("channel_id", "=", channel.id)
      .where("rapport_tag", "=", tag);
  let remoteCount = remote.length;
  const linkedIds = new Set<number>();
  for (const row of rows) {
    if (row.wechat_tag_id !== null) {
      const found = byId.get(row.wechat_tag_id);
      if (!found) {
        // Deleted on WeChat: the tag leaves the sync.
        await wq(db)
          .deleteFrom("wechat_synced_tags")
          .where("workspace_id", "=", channel.workspace_id)
          .where("channel_id", "=", channel.id)
          .where("rapport_tag", "=", row.rapport_tag)
          .execute();
        report.deletedOnWechat.push(row.rapport_tag);
        continue;
      }
      linkedIds.add(found.id);
      if (found.name !== row.rapport_tag) {
        await callWechatAsAdmin(ctx, account, "/cgi-bin/tags/update", {
          body: { tag: { id: found.id, name: row.rapport_tag } },
        });
        report.renamed.push(row.rapport_tag);
      }
      await key(row.rapport_tag).set({ synced_at: new Date() }).execute();
      continue;
    }
    const same = byName.get(row.rapport_tag);
    let id: number;
    if (same && !linkedIds.has(same.id)) {
      id = same.id;
      report.linked.push(row.rapport_tag);
    } else {
      if (remoteCount >= MAX_WECHAT_TAGS) {
        throw new AppError(
          "conflict",
          "wechat_tag_limit",
          `A WeChat account has at most ${MAX_WECHAT_TAGS} tags and this one has ${remoteCount}; "${row.rapport_tag}" cannot be created. Delete tags on WeChat or choose fewer.`,
          { limit: MAX_WECHAT_TAGS, tag: row.rapport_tag },
        );
      }
      const created = await callWechatAsAdmin(ctx, account, "/cgi-bin/tags/create", {
        body: { tag: { name: row.rapport_tag } },
      });
      const tag = z.looseObject({ tag: z.looseObject({ id: z.number() }) }).parse(created).tag;
      id = tag.id;
      remoteCount++;
      report.created.push(row.rapport_tag);
    }
    linkedIds.add(id);
    await key(row.rapport_tag).set({ wechat_tag_id: id, synced_at: new Date() }).execute();
  }
  report.wechatOnly = remote.filter((t) => !linkedIds.has(t.id)).map((t) => ({ id: t.id, name: t.name }));
  return report;
}

/** Replaces the set of Rapport tags chosen for sync (unchosen linked tags are deleted on WeChat), then syncs. */
export async function chooseSyncedTags(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  tags: string[],
): Promise<TagSyncReport> {
  const { channel } = account;
  const wanted = [...new Set(tags)];
  if (wanted.length > MAX_WECHAT_TAGS) {
    throw new AppError(
      "invalid",
      "wechat_tag_limit",
      `A WeChat account has at most ${MAX_WECHAT_TAGS} tags; ${wanted.length} were chosen.`,
      { field: "tags", limit: MAX_WECHAT_TAGS },
    );
  }
  const current = await syncedTags(ctx.database.db, channel);
  for (const row of current.filter((r) => !wanted.includes(r.rapport_tag))) {
    if (row.wechat_tag_id !== null) {
      await callWechatAsAdmin(ctx, account, "/cgi-bin/tags/delete", { body: { tag: { id: row.wechat_tag_id } } });
    }
    await wq(ctx.database.db)
      .deleteFrom("wechat_synced_tags")
      .where("workspace_id", "=", channel.workspace_id)
      .where("channel_id", "=", channel.id)
      .where("rapport_tag", "=", row.rapport_tag)
      .execute();
  }
  const fresh = wanted.filter((t) => !current.some((r) => r.rapport_tag === t));
  if (fresh.length) {
    await wq(ctx.database.db)
      .insertInto("wechat_synced_tags")
      .values(
        fresh.map((rapport_tag) => ({
          workspace_id: channel.workspace_id,
          channel_id: channel.id,
          rapport_tag,
          wechat_tag_id: null,
          synced_at: null,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  await recordAudit(ctx.database.db, actor, {
    action: "wechat.tags.chosen",
    objectType: "channel",
    objectId: channel.id,
    details: { tags: wanted },
  });
  return syncTags(ctx, account);
}

/** A synced tag that is linked to its WeChat tag; 404 or 409 otherwise. */
export async function linkedTag(ctx: AppContext, account: WechatAccount, tag: string) {
  const row = await wq(ctx.database.db)
    .selectFrom("wechat_synced_tags")
    .selectAll()
    .where("workspace_id", "=", account.channel.workspace_id)
    .where("channel_id", "=", account.channel.id)
    .where("rapport_tag", "=", tag)
    .executeTakeFirst();
  if (!row) throw new AppError("not_found", "wechat_tag_not_found", `The tag "${tag}" is not synced with WeChat.`);
  if (row.wechat_tag_id === null) {
    throw new AppError("conflict", "wechat_tag_unlinked", `The tag "${tag}" is not on WeChat yet; run a tag sync.`);
  }
  return { ...row, wechat_tag_id: row.wechat_tag_id };
}

/** Renames a synced tag, on WeChat and in the sync. */
export async function renameSyncedTag(ctx: AppContext, actor: Actor, account: WechatAccount, from: string, to: string) {
  const row = await linkedTag(ctx, account, from);
  await callWechatAsAdmin(ctx, account, "/cgi-bin/tags/update", { body: { tag: { id: row.wechat_tag_id, name: to } } });
  await wq(ctx.database.db)
    .updateTable("wechat_synced_tags")
    .set({ rapport_tag: to, synced_at: new Date() })
    .where("workspace_id", "=", account.channel.workspace_id)
    .where("channel_id", "=", account.channel.id)
    .where("rapport_tag", "=", from)
    .execute();
  await recordAudit(ctx.database.db, actor, {
    action: "wechat.tag.renamed",
    objectType: "channel",
    objectId: account.channel.id,
    details: { from, to },
  });
}

/** Tags and untags followers on WeChat, in batches of 50 OpenIDs. */
export async function tagFollowers(
  ctx: AppContext,
  account: WechatAccount,
  tag: string,
  change: { add: string[]; remove: string[] },
): Promise<{ tagged: number; untagged: number; calls: number }> {
  const row = await linkedTag(ctx, account, tag);
  let calls = 0;
  const run = async (path: string, openIds: string[]) => {
    const unique = [...new Set(openIds)];
    for (let i = 0; i < unique.length; i += TAGGING_BATCH) {
      await callWechatAsAdmin(ctx, account, path, {
        body: { openid_list: unique.slice(i, i + TAGGING_BATCH), tagid: row.wechat_tag_id },
      });
      calls++;
    }
    return unique.length;
  };
  const tagged = await run("/cgi-bin/tags/members/batchtagging", change.add);
  const untagged = await run("/cgi-bin/tags/members/batchuntagging", change.remove);
  return { tagged, untagged, calls };
}

/** A follower's WeChat tags (`tags/getidlist`), with the Rapport name of the synced ones. */
export async function followerTags(ctx: AppContext, account: WechatAccount, openId: string) {
  const json = await callWechatAsAdmin(ctx, account, "/cgi-bin/tags/getidlist", { body: { openid: openId } });
  const ids = z.looseObject({ tagid_list: z.array(z.number()).default([]) }).parse(json).tagid_list;
  const names = await linkedTagNames(ctx.database.db, account.channel);
  return ids.map((id) => ({ wechatTagId: id, rapportTag: names.get(id) ?? null }));
}

const presentTag = (r: { rapport_tag: string; wechat_tag_id: number | null; synced_at: Date | null }) => ({
  tag: r.rapport_tag,
  wechatTagId: r.wechat_tag_id,
  syncedAt: r.synced_at?.toISOString() ?? null,
});

/** The tag routes: chosen tags, sync, rename, tagging, a follower's tags. */
export function registerTagRoutes(app: HttpApp, ctx: AppContext): void {
  const params = z.strictObject({ id: z.uuid() });
  const tagParams = z.strictObject({ id: z.uuid(), tag: TagName });
  const tags = { tags: ["channels"] };
  const manage = guard(ctx, "channels.manage");
  const account = (request: FastifyRequest, id: string) => findWechatAccount(ctx, actorOf(request).workspaceId, id);

  app.get(
    "/api/v1/channels/:id/wechat/tags",
    { schema: { ...tags, params }, onRequest: guard(ctx, "channels.read") },
    async (request) => {
      const acc = await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id);
      return { data: (await syncedTags(ctx.database.db, acc.channel)).map(presentTag) };
    },
  );
  app.put(
    "/api/v1/channels/:id/wechat/tags",
    {
      schema: { ...tags, params, body: z.strictObject({ tags: z.array(TagName).max(MAX_WECHAT_TAGS * 2) }) },
      onRequest: manage,
    },
    async (request) => {
      const actor = actorOf(request);
      const acc = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      const report = await chooseSyncedTags(ctx, actor, acc, request.body.tags);
      return { report, data: (await syncedTags(ctx.database.db, acc.channel)).map(presentTag) };
    },
  );
  app.post(
    "/api/v1/channels/:id/wechat/tags/sync",
    { schema: { ...tags, params }, onRequest: manage },
    async (request) => {
      const acc = await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id);
      const report = await syncTags(ctx, acc);
      return { report, data: (await syncedTags(ctx.database.db, acc.channel)).map(presentTag) };
    },
  );
  app.patch(
    "/api/v1/channels/:id/wechat/tags/:tag",
    { schema: { ...tags, params: tagParams, body: z.strictObject({ name: TagName }) }, onRequest: manage },
    async (request) => {
      const actor = actorOf(request);
      const acc = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      await renameSyncedTag(ctx, actor, acc, request.params.tag, request.body.name);
      return { data: (await syncedTags(ctx.database.db, acc.channel)).map(presentTag) };
    },
  );
  const OpenIds = z.array(z.string().min(1).max(100)).max(10_000).default([]);
  app.post(
    "/api/v1/channels/:id/wechat/tags/:tag/members",
    {
      schema: { ...tags, params: tagParams, body: z.strictObject({ add: OpenIds, remove: OpenIds }) },
      onRequest: manage,
    },
    async (request) => tagFollowers(ctx, await account(request, request.params.id), request.params.tag, request.body),
  );
  app.get(
    "/api/v1/channels/:id/wechat/followers/:openId/tags",
    {
      schema: { ...tags, params: z.strictObject({ id: z.uuid(), openId: z.string().min(1).max(100) }) },
      onRequest: guard(ctx, "channels.read"),
    },
    async (request) => ({
      data: await followerTags(ctx, await account(request, request.params.id), request.params.openId),
    }),
  );
}
