/**
 * kf (customer-service) accounts (CHANNELS.md §2.9): created, renamed, deleted, listed and given an avatar on
 * WeChat, and each mapped to a Rapport agent, so the agent's customer-service messages carry
 * `customservice.kf_account` and the customer sees that agent's WeChat name and avatar.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { type Actor, actorOf, findMembership, guard, recordAudit } from "../../tenancy/index.ts";
import type { ChannelRow } from "../repository.ts";
import { callWechatAsAdmin, type UploadFile } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { wq } from "./repository.ts";
import { registerUploadRoute } from "./uploads.ts";

/** `prefix@account`: the prefix is 1–10 letters, digits or underscores (WeChat's rule). */
export const KfAccountName = z
  .string()
  .regex(
    /^[0-9A-Za-z_]{1,10}@[0-9A-Za-z_.-]{1,64}$/,
    'must be "prefix@account": 1–10 letters, digits or underscores, "@", then the account\'s WeChat id',
  );
/** A kf nickname is at most 16 characters. */
const Nickname = z.string().trim().min(1).max(16);
/** WeChat takes kf avatars as JPEG; the image limit of media uploads applies. */
export const KF_AVATAR_MAX_BYTES = 10 * 1024 * 1024;

const KfList = z.looseObject({
  kf_list: z
    .array(
      z.looseObject({
        kf_account: z.string(),
        kf_nick: z.string().optional(),
        kf_id: z.union([z.string(), z.number()]).optional(),
        kf_headimgurl: z.string().optional(),
        kf_headimg: z.string().optional(),
      }),
    )
    .default([]),
});

/** The kf account an agent speaks as on a channel, if one is mapped. */
export async function kfAccountOfAgent(db: Executor, channel: ChannelRow, userId: string): Promise<string | undefined> {
  const row = await wq(db)
    .selectFrom("wechat_kf_agents")
    .select("kf_account")
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.kf_account;
}

async function mappings(db: Executor, channel: ChannelRow) {
  const rows = await wq(db)
    .selectFrom("wechat_kf_agents")
    .select(["kf_account", "user_id"])
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .execute();
  return new Map(rows.map((r) => [r.kf_account, r.user_id]));
}

/** The account's kf accounts (`getkflist`) with the Rapport agent each is mapped to. */
export async function listKfAccounts(ctx: AppContext, account: WechatAccount) {
  const json = await callWechatAsAdmin(ctx, account, "/cgi-bin/customservice/getkflist", { method: "GET" });
  const agents = await mappings(ctx.database.db, account.channel);
  return KfList.parse(json).kf_list.map((k) => ({
    kfAccount: k.kf_account,
    nickname: k.kf_nick ?? null,
    kfId: k.kf_id === undefined ? null : String(k.kf_id),
    avatarUrl: k.kf_headimgurl || k.kf_headimg || null,
    userId: agents.get(k.kf_account) ?? null,
  }));
}

/** Maps (or, with null, unmaps) an agent to a kf account; an agent speaks as one kf account per channel. */
async function mapAgent(ctx: AppContext, account: WechatAccount, kfAccount: string, userId: string | null) {
  const { channel } = account;
  const db = ctx.database.db;
  await wq(db)
    .deleteFrom("wechat_kf_agents")
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .where("kf_account", "=", kfAccount)
    .execute();
  if (userId === null) return;
  if (!(await findMembership(db, channel.workspace_id, userId))) {
    throw new AppError("invalid", "agent_not_found", "userId is not a member of this workspace.", { field: "userId" });
  }
  await wq(db)
    .insertInto("wechat_kf_agents")
    .values({ workspace_id: channel.workspace_id, channel_id: channel.id, kf_account: kfAccount, user_id: userId })
    .onConflict((oc) => oc.columns(["workspace_id", "channel_id", "user_id"]).doUpdateSet({ kf_account: kfAccount }))
    .execute();
}

export const CreateKfSchema = z.strictObject({
  kfAccount: KfAccountName,
  nickname: Nickname,
  userId: z.uuid().optional(),
});
export const UpdateKfSchema = z
  .strictObject({ nickname: Nickname.optional(), userId: z.uuid().nullable().optional() })
  .refine((b) => b.nickname !== undefined || b.userId !== undefined, { message: "Send nickname or userId." });

/** Creates a kf account on WeChat and maps it to an agent (optional). */
export async function createKfAccount(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  input: z.infer<typeof CreateKfSchema>,
) {
  if (input.userId && !(await findMembership(ctx.database.db, actor.workspaceId, input.userId))) {
    throw new AppError("invalid", "agent_not_found", "userId is not a member of this workspace.", { field: "userId" });
  }
  await callWechatAsAdmin(ctx, account, "/customservice/kfaccount/add", {
    body: { kf_account: input.kfAccount, nickname: input.nickname },
  });
  if (input.userId) await mapAgent(ctx, account, input.kfAccount, input.userId);
  await audit(ctx, actor, account, "wechat.kf-account.created", { kfAccount: input.kfAccount, userId: input.userId });
}

/** Renames a kf account on WeChat and/or changes the agent it is mapped to. */
export async function updateKfAccount(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  kfAccount: string,
  input: z.infer<typeof UpdateKfSchema>,
) {
  if (input.nickname !== undefined) {
    await callWechatAsAdmin(ctx, account, "/customservice/kfaccount/update", {
      body: { kf_account: kfAccount, nickname: input.nickname },
    });
  }
  if (input.userId !== undefined) await mapAgent(ctx, account, kfAccount, input.userId);
  await audit(ctx, actor, account, "wechat.kf-account.updated", { kfAccount, ...input });
}

/** Deletes a kf account on WeChat and its agent mapping. */
export async function deleteKfAccount(ctx: AppContext, actor: Actor, account: WechatAccount, kfAccount: string) {
  await callWechatAsAdmin(ctx, account, "/customservice/kfaccount/del", {
    method: "GET",
    query: { kf_account: kfAccount },
  });
  await mapAgent(ctx, account, kfAccount, null);
  await audit(ctx, actor, account, "wechat.kf-account.deleted", { kfAccount });
}

/** Uploads a kf account's avatar (JPEG) with `uploadheadimg`. */
export async function uploadKfAvatar(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  kfAccount: string,
  file: UploadFile,
) {
  if (file.contentType !== "image/jpeg") {
    throw new AppError("unsupported", "kf_avatar_type", "A kf avatar is a JPEG image (image/jpeg); 640×640 is best.");
  }
  if (file.data.length > KF_AVATAR_MAX_BYTES) {
    throw new AppError("too_large", "kf_avatar_too_large", "A kf avatar is at most 10 MB.", {
      limit: KF_AVATAR_MAX_BYTES,
    });
  }
  await callWechatAsAdmin(ctx, account, "/customservice/kfaccount/uploadheadimg", {
    query: { kf_account: kfAccount },
    file,
  });
  await audit(ctx, actor, account, "wechat.kf-account.avatar-uploaded", { kfAccount, bytes: file.data.length });
}

function audit(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  action: string,
  details: Record<string, unknown>,
) {
  return recordAudit(ctx.database.db, actor, {
    action,
    objectType: "channel",
    objectId: account.channel.id,
    details,
  });
}

/** The kf account routes. */
export function registerKfRoutes(app: HttpApp, ctx: AppContext): void {
  const params = z.strictObject({ id: z.uuid() });
  const kfParams = z.strictObject({ id: z.uuid(), kfAccount: KfAccountName });
  const tags = { tags: ["channels"] };
  const manage = guard(ctx, "channels.manage");
  const base = "/api/v1/channels/:id/wechat/kf-accounts";
  app.get(base, { schema: { ...tags, params }, onRequest: guard(ctx, "channels.read") }, async (request) => ({
    data: await listKfAccounts(ctx, await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id)),
  }));
  app.post(base, { schema: { ...tags, params, body: CreateKfSchema }, onRequest: manage }, async (request, reply) => {
    const actor = actorOf(request);
    const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
    await createKfAccount(ctx, actor, account, request.body);
    return reply.code(201).send({
      kfAccount: request.body.kfAccount,
      nickname: request.body.nickname,
      userId: request.body.userId ?? null,
    });
  });
  app.patch(
    `${base}/:kfAccount`,
    { schema: { ...tags, params: kfParams, body: UpdateKfSchema }, onRequest: manage },
    async (request, reply) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      await updateKfAccount(ctx, actor, account, request.params.kfAccount, request.body);
      return reply.code(204).send();
    },
  );
  app.delete(
    `${base}/:kfAccount`,
    { schema: { ...tags, params: kfParams }, onRequest: manage },
    async (request, reply) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      await deleteKfAccount(ctx, actor, account, request.params.kfAccount);
      return reply.code(204).send();
    },
  );
  registerUploadRoute(
    app,
    ctx,
    {
      method: "PUT",
      url: `${base}/:kfAccount/avatar`,
      permission: "channels.manage",
      params: kfParams,
      description: "The kf account's avatar: a JPEG image as the request body (Content-Type image/jpeg).",
    },
    async (request, reply, file) => {
      const actor = actorOf(request);
      const { id, kfAccount } = kfParams.parse(request.params);
      const account = await findWechatAccount(ctx, actor.workspaceId, id);
      await uploadKfAvatar(ctx, actor, account, kfAccount, file);
      return reply.code(204).send();
    },
  );
}
