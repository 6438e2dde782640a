/**
 * Follower sync (CHANNELS.md §2.12): the account's followers as a `FollowerSource` for the profiles module's
 * generic follower import: `user/get` pages of up to 10,000 OpenIDs chained by `next_openid`, profiles by
 * `user/info/batchget` in batches of 100, UnionID passed on so the import joins the brand's apps.
 * The import itself (cursor kept per sync, so a crashed job resumes where it stopped; progress) is the
 * profiles engine's; this file adapts WeChat to it and runs it as the `wechat.followers-sync` job.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import type { IdentityKind } from "../../profiles/index.ts";
import { actorOf, guard, recordAudit } from "../../tenancy/index.ts";
import { callWechat } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { linkedTagNames } from "./tags.ts";

/** At most this many OpenIDs per `user/get` page, and profiles per `user/info/batchget` call. */
export const USER_PAGE_SIZE = 10_000;
export const BATCHGET_SIZE = 100;

/** A follower as the profiles import takes it (the profiles engine's type, mirrored until it lands in main). */
export type FollowerProfile = {
  externalId: string;
  unionId?: string;
  name?: string;
  language?: string;
  avatarUrl?: string;
  followedAt?: Date;
  tags?: string[];
  attributes?: Record<string, unknown>;
};

/** A channel's follower list as the profiles import reads it (the profiles engine's type, mirrored). */
export type FollowerSource = {
  identityKind: IdentityKind;
  namespace: string;
  listPage(cursor: string | null): Promise<{ externalIds: string[]; nextCursor: string | null; total?: number }>;
  fetchProfiles(externalIds: string[]): Promise<FollowerProfile[]>;
};

/** The sync record the engine keeps (the profiles module's `follower_syncs` row, the fields shown here). */
export type FollowerSyncRecord = {
  id: string;
  channel_id: string;
  state: string;
  pages: number;
  imported: number | string;
  failed: number | string;
  total: number | string | null;
  error: unknown;
  started_at: Date | null;
  finished_at: Date | null;
};

/** A follower sync as the API shows it (bigint counters as numbers). */
export function presentFollowerSync(s: FollowerSyncRecord) {
  return {
    id: s.id,
    channelId: s.channel_id,
    state: s.state,
    pages: s.pages,
    imported: Number(s.imported),
    failed: Number(s.failed),
    total: s.total === null ? null : Number(s.total),
    error: s.error ?? null,
    startedAt: s.started_at?.toISOString() ?? null,
    finishedAt: s.finished_at?.toISOString() ?? null,
  };
}

/** The profiles module's follower import, installed at start-up (`setFollowerEngine`). */
export type FollowerEngine = {
  startFollowerSync(
    ctx: AppContext,
    workspaceId: string,
    input: { channelId: string; identityKind: IdentityKind; namespace: string },
  ): Promise<FollowerSyncRecord>;
  runFollowerImport(
    ctx: AppContext,
    workspaceId: string,
    syncId: string,
    source: FollowerSource,
  ): Promise<FollowerSyncRecord>;
  /** The sync, or undefined / a thrown 404 when the workspace has none with that id. */
  findFollowerSync(ctx: AppContext, workspaceId: string, syncId: string): Promise<FollowerSyncRecord | undefined>;
};

let engine: FollowerEngine | null = null;

/** Installs the follower import engine (the profiles module's); without one, follower sync answers 503. */
export function setFollowerEngine(next: FollowerEngine | null): void {
  engine = next;
}

/** The installed engine, or a 503 saying what is missing. */
export function followerEngine(): FollowerEngine {
  if (!engine) {
    throw new AppError(
      "unavailable",
      "follower_sync_unavailable",
      "Follower sync needs the profiles follower import, which this server does not have yet.",
    );
  }
  return engine;
}

const UserGetAnswer = z.looseObject({
  total: z.number().optional(),
  count: z.number().optional(),
  data: z.looseObject({ openid: z.array(z.string()) }).optional(),
  next_openid: z.string().optional(),
});

const UserInfo = z.looseObject({
  subscribe: z.number(),
  openid: z.string(),
  unionid: z.string().optional(),
  nickname: z.string().optional(),
  headimgurl: z.string().optional(),
  language: z.string().optional(),
  subscribe_time: z.number().optional(),
  remark: z.string().optional(),
  tagid_list: z.array(z.number()).optional(),
  subscribe_scene: z.string().optional(),
  qr_scene: z.number().optional(),
  qr_scene_str: z.string().optional(),
});
const BatchgetAnswer = z.looseObject({ user_info_list: z.array(UserInfo).default([]) });

function parseAnswer<T>(schema: z.ZodType<T>, json: unknown, path: string): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new AppError("unavailable", "wechat_unexpected", `WeChat answered ${path} in an unexpected shape.`);
  }
  return parsed.data;
}

/** Maps one `user/info` entry to a follower profile; null for someone who unfollowed meanwhile. */
export function followerProfileOf(
  info: z.infer<typeof UserInfo>,
  tagNames: ReadonlyMap<number, string>,
): FollowerProfile | null {
  if (info.subscribe !== 1) return null;
  const profile: FollowerProfile = { externalId: info.openid };
  if (info.unionid) profile.unionId = info.unionid;
  // Since 2021-12-27 WeChat sends neither nickname nor avatar; older accounts' answers may still have them.
  if (info.nickname) profile.name = info.nickname;
  if (info.headimgurl) profile.avatarUrl = info.headimgurl;
  if (info.language) profile.language = info.language;
  if (info.subscribe_time) profile.followedAt = new Date(info.subscribe_time * 1000);
  const tags = (info.tagid_list ?? []).map((id) => tagNames.get(id)).filter((n): n is string => n !== undefined);
  if (tags.length) profile.tags = tags;
  const attributes: Record<string, unknown> = {};
  if (info.remark) attributes.wechatRemark = info.remark;
  if (info.subscribe_scene) attributes.wechatSubscribeScene = info.subscribe_scene;
  if (info.qr_scene_str) attributes.wechatQrScene = info.qr_scene_str;
  else if (info.qr_scene) attributes.wechatQrScene = String(info.qr_scene);
  if (Object.keys(attributes).length) profile.attributes = attributes;
  return profile;
}

/** The account's followers as a FollowerSource (identity `wechat_openid`, namespace = the AppID). */
export function wechatFollowerSource(ctx: AppContext, account: WechatAccount): FollowerSource {
  let tagNames: Promise<Map<number, string>> | undefined;
  return {
    identityKind: "wechat_openid",
    namespace: account.config.appId,
    async listPage(cursor) {
      const json = await callWechat(ctx, account, "/cgi-bin/user/get", {
        method: "GET",
        query: cursor ? { next_openid: cursor } : {},
      });
      const page = parseAnswer(UserGetAnswer, json, "user/get");
      const externalIds = page.data?.openid ?? [];
      // The last page still names its last OpenID: the list ends with a short page (fewer than 10,000), an
      // empty page or an empty next_openid.
      const nextCursor = externalIds.length === USER_PAGE_SIZE && page.next_openid ? page.next_openid : null;
      return page.total === undefined ? { externalIds, nextCursor } : { externalIds, nextCursor, total: page.total };
    },
    async fetchProfiles(externalIds) {
      tagNames ??= linkedTagNames(ctx.database.db, account.channel);
      const names = await tagNames;
      const profiles: FollowerProfile[] = [];
      for (let i = 0; i < externalIds.length; i += BATCHGET_SIZE) {
        const batch = externalIds.slice(i, i + BATCHGET_SIZE);
        const json = await callWechat(ctx, account, "/cgi-bin/user/info/batchget", {
          body: { user_list: batch.map((openid) => ({ openid, lang: "zh_CN" })) },
        });
        for (const info of parseAnswer(BatchgetAnswer, json, "user/info/batchget").user_info_list) {
          const profile = followerProfileOf(info, names);
          if (profile) profiles.push(profile);
        }
      }
      return profiles;
    },
  };
}

/** The follower sync job: runs (or, after a crash, resumes) one sync through the engine. */
export const FOLLOWERS_SYNC_JOB = "wechat.followers-sync";
export const FollowersSyncJobData = z.object({ workspaceId: z.uuid(), channelId: z.uuid(), syncId: z.uuid() });
export type FollowersSyncJobData = z.infer<typeof FollowersSyncJobData>;

/** Works one follower sync job; a retry after a crash resumes from the cursor the engine kept. */
export async function runFollowersSyncJob(ctx: AppContext, data: FollowersSyncJobData): Promise<void> {
  const account = await findWechatAccount(ctx, data.workspaceId, data.channelId);
  await followerEngine().runFollowerImport(ctx, data.workspaceId, data.syncId, wechatFollowerSource(ctx, account));
}

/** Starts a follower sync: the engine records it, the job runs it. */
export async function startWechatFollowerSync(
  ctx: AppContext,
  workspaceId: string,
  account: WechatAccount,
): Promise<FollowerSyncRecord> {
  const sync = await followerEngine().startFollowerSync(ctx, workspaceId, {
    channelId: account.channel.id,
    identityKind: "wechat_openid",
    namespace: account.config.appId,
  });
  await ctx.jobs.send(FOLLOWERS_SYNC_JOB, { workspaceId, channelId: account.channel.id, syncId: sync.id });
  return sync;
}

/** `POST …/wechat/followers/sync` (202 with the sync) and `GET …/wechat/followers/syncs/{syncId}` (its progress). */
export function registerFollowerRoutes(app: HttpApp, ctx: AppContext): void {
  const tags = { tags: ["channels"] };
  app.post(
    "/api/v1/channels/:id/wechat/followers/sync",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "channels.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      const sync = await startWechatFollowerSync(ctx, actor.workspaceId, account);
      await recordAudit(ctx.database.db, actor, {
        action: "wechat.followers.sync-started",
        objectType: "channel",
        objectId: account.channel.id,
        details: { syncId: sync.id },
      });
      return reply.code(202).send(presentFollowerSync(sync));
    },
  );
  app.get(
    "/api/v1/channels/:id/wechat/followers/syncs/:syncId",
    {
      schema: { ...tags, params: z.strictObject({ id: z.uuid(), syncId: z.uuid() }) },
      onRequest: guard(ctx, "channels.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await findWechatAccount(ctx, ws, request.params.id);
      const sync = await followerEngine().findFollowerSync(ctx, ws, request.params.syncId);
      if (sync?.channel_id !== request.params.id)
        throw new AppError("not_found", "follower_sync_not_found", "No such follower sync in your workspace.");
      return presentFollowerSync(sync);
    },
  );
}
