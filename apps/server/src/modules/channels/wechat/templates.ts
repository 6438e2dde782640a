/**
 * Template messages (CHANNELS.md §2.10): the account's templates synced from
 * `template/get_all_private_template`; sends through `message/template/send` with each variable's value
 * filled from the customer's profile (`{{contact.displayName}}`), deduplicated by `client_msg_id`, and the
 * status WeChat reports later in TEMPLATESENDJOBFINISH. Template messages are not bound to the
 * customer-service window, so they are what a closed window offers.
 */
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { contactSummaries, resolveContact } from "../../profiles/index.ts";
import { type Actor, actorOf, guard, recordAudit } from "../../tenancy/index.ts";
import type { ChannelRow } from "../repository.ts";
import { callWechat, callWechatAsAdmin, WechatApiError } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { type TemplateSendStatus, type WechatTables, wq } from "./repository.ts";

const TemplateList = z.looseObject({
  template_list: z
    .array(
      z.looseObject({
        template_id: z.string(),
        title: z.string().default(""),
        content: z.string().default(""),
        example: z.string().optional(),
        primary_industry: z.string().optional(),
        deputy_industry: z.string().optional(),
      }),
    )
    .default([]),
});

/** The variable names of a template's content: `{{keyword1.DATA}}` → `keyword1`. */
export function templateVariables(content: string): string[] {
  return [...new Set([...content.matchAll(/\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}/g)].map((m) => m[1] as string))];
}

/** Replaces the channel's templates with the account's current ones. */
export async function syncTemplates(ctx: AppContext, account: WechatAccount) {
  const { channel } = account;
  const json = await callWechatAsAdmin(ctx, account, "/cgi-bin/template/get_all_private_template", {
    method: "GET",
  });
  const list = TemplateList.parse(json).template_list;
  const now = new Date();
  await ctx.database.db.transaction().execute(async (tx) => {
    let remove = wq(tx)
      .deleteFrom("wechat_templates")
      .where("workspace_id", "=", channel.workspace_id)
      .where("channel_id", "=", channel.id);
    if (list.length)
      remove = remove.where(
        "template_id",
        "not in",
        list.map((t) => t.template_id),
      );
    await remove.execute();
    if (!list.length) return;
    await wq(tx)
      .insertInto("wechat_templates")
      .values(
        list.map((t) => ({
          workspace_id: channel.workspace_id,
          channel_id: channel.id,
          template_id: t.template_id,
          title: t.title,
          content: t.content,
          example: t.example ?? null,
          primary_industry: t.primary_industry ?? null,
          deputy_industry: t.deputy_industry ?? null,
          synced_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["workspace_id", "channel_id", "template_id"]).doUpdateSet((eb) => ({
          title: eb.ref("excluded.title"),
          content: eb.ref("excluded.content"),
          example: eb.ref("excluded.example"),
          primary_industry: eb.ref("excluded.primary_industry"),
          deputy_industry: eb.ref("excluded.deputy_industry"),
          synced_at: eb.ref("excluded.synced_at"),
        })),
      )
      .execute();
  });
  return listTemplates(ctx.database.db, channel);
}

/** The channel's synced templates with their variables. */
export async function listTemplates(db: Executor, channel: Pick<ChannelRow, "workspace_id" | "id">) {
  const rows = await wq(db)
    .selectFrom("wechat_templates")
    .selectAll()
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .orderBy("title")
    .execute();
  return rows.map((r) => ({
    templateId: r.template_id,
    title: r.title,
    content: r.content,
    variables: templateVariables(r.content),
    example: r.example,
    syncedAt: r.synced_at.toISOString(),
  }));
}

/** What a closed or spent window offers instead: the templates, by id, title and variables. */
export async function templatesOffered(db: Executor, scope: { workspaceId: string; channelId: string }) {
  const list = await listTemplates(db, { workspace_id: scope.workspaceId, id: scope.channelId });
  return list.map((t) => ({ templateId: t.templateId, title: t.title, variables: t.variables }));
}

const Value = z.union([
  z.string().max(1000),
  z.strictObject({
    value: z.string().max(1000),
    color: z
      .string()
      .regex(/^#[0-9A-Fa-f]{6}$/)
      .optional(),
  }),
]);
export const SendTemplateSchema = z.strictObject({
  openId: z.string().min(1).max(100),
  templateId: z.string().min(1).max(100),
  /** Each template variable's value; `{{contact.displayName}}` is filled from the customer's profile. */
  data: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), Value),
  url: z
    .url({ protocol: /^https?$/ })
    .max(1024)
    .optional(),
  miniprogram: z
    .strictObject({ appId: z.string().min(1).max(64), pagePath: z.string().max(500).optional() })
    .optional(),
  /** Sends with the same id are sent once (WeChat dedupes for 10 minutes; Rapport keeps the record). */
  clientMsgId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
export type SendTemplateInput = z.infer<typeof SendTemplateSchema>;

const PROFILE_VARIABLES = ["contact.displayName"] as const;

/** Fills `{{contact.displayName}}` (the profile's name); refuses unknown placeholders, naming them. */
function fillFromProfile(field: string, value: string, profile: { displayName: string }): string {
  return value.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, name: string) => {
    if (name === "contact.displayName") return profile.displayName;
    throw new AppError(
      "invalid",
      "template_variable_unknown",
      `data.${field}: {{${name}}} is not a profile variable; use ${PROFILE_VARIABLES.map((v) => `{{${v}}}`).join(", ")}.`,
      { field: `data.${field}` },
    );
  });
}

type SendRow = WechatTables["wechat_template_sends"];

/** A template send as the API shows it. */
export function presentTemplateSend(r: SendRow) {
  return {
    id: r.id,
    openId: r.open_id,
    templateId: r.template_id,
    clientMsgId: r.client_msg_id,
    msgId: r.msg_id,
    status: r.status,
    error: r.error,
    data: r.data,
    createdAt: r.created_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** Sends a template message to a follower; a repeated clientMsgId answers the first send without a second call. */
export async function sendTemplateMessage(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  input: SendTemplateInput,
): Promise<{ duplicate: boolean; send: SendRow }> {
  const { channel } = account;
  const db = ctx.database.db;
  const ws = channel.workspace_id;
  const template = await wq(db)
    .selectFrom("wechat_templates")
    .select("content")
    .where("workspace_id", "=", ws)
    .where("channel_id", "=", channel.id)
    .where("template_id", "=", input.templateId)
    .executeTakeFirst();
  if (!template) {
    throw new AppError(
      "not_found",
      "wechat_template_not_found",
      "No such template on this channel; sync the templates (POST …/wechat/templates/sync) first.",
      { field: "templateId" },
    );
  }
  const variables = templateVariables(template.content);
  const extra = Object.keys(input.data).find((k) => !variables.includes(k));
  if (extra) {
    throw new AppError("invalid", "template_data_invalid", `data.${extra}: the template has no such variable.`, {
      field: `data.${extra}`,
      variables,
    });
  }
  const missing = variables.find((v) => input.data[v] === undefined);
  if (missing) {
    throw new AppError("invalid", "template_data_invalid", `data.${missing}: the template needs this variable.`, {
      field: `data.${missing}`,
      variables,
    });
  }
  const needsProfile = Object.values(input.data).some((v) => (typeof v === "string" ? v : v.value).includes("{{"));
  let profile = { displayName: "" };
  if (needsProfile) {
    const identity = { kind: "wechat_openid" as const, externalId: input.openId, namespace: account.config.appId };
    const { contactId } = await resolveContact(db, { workspaceId: ws }, identity, { source: `channel:${channel.id}` });
    profile = (await contactSummaries(db, ws, [contactId])).get(contactId) ?? profile;
  }
  const data: Record<string, { value: string; color?: string }> = {};
  for (const [key, raw] of Object.entries(input.data)) {
    const v = typeof raw === "string" ? { value: raw } : raw;
    data[key] = { ...v, value: fillFromProfile(key, v.value, profile) };
  }

  const clientMsgId = input.clientMsgId ?? uuidv7();
  const inserted = await wq(db)
    .insertInto("wechat_template_sends")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      channel_id: channel.id,
      open_id: input.openId,
      template_id: input.templateId,
      client_msg_id: clientMsgId,
      msg_id: null,
      status: "sending",
      error: null,
      data: JSON.stringify(data),
      finished_at: null,
    })
    .onConflict((oc) => oc.columns(["workspace_id", "channel_id", "client_msg_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  const bySendId = (id: string) =>
    wq(db).updateTable("wechat_template_sends").where("workspace_id", "=", ws).where("id", "=", id);
  if (!inserted) {
    const first = await wq(db)
      .selectFrom("wechat_template_sends")
      .selectAll()
      .where("workspace_id", "=", ws)
      .where("channel_id", "=", channel.id)
      .where("client_msg_id", "=", clientMsgId)
      .executeTakeFirstOrThrow();
    return { duplicate: true, send: first };
  }
  const body: Record<string, unknown> = {
    touser: input.openId,
    template_id: input.templateId,
    client_msg_id: clientMsgId,
    data,
  };
  if (input.url) body.url = input.url;
  if (input.miniprogram) body.miniprogram = { appid: input.miniprogram.appId, pagepath: input.miniprogram.pagePath };
  try {
    const answer = await callWechat(ctx, account, "/cgi-bin/message/template/send", { body });
    const msgId = typeof answer.msgid === "number" || typeof answer.msgid === "string" ? String(answer.msgid) : null;
    const sent = await bySendId(inserted.id)
      .set({ status: "sent", msg_id: msgId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(db, actor, {
      action: "wechat.template.sent",
      objectType: "wechat_template_send",
      objectId: sent.id,
      details: { channelId: channel.id, templateId: input.templateId },
    });
    return { duplicate: false, send: sent };
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    await bySendId(inserted.id).set({ status: "failed", error: err.message, finished_at: new Date() }).execute();
    throw new AppError("unprocessable", "wechat_refused", err.message, { code: err.code, sendId: inserted.id });
  }
}

/** TEMPLATESENDJOBFINISH: the send with that msgid gets its final status (`success`, `failed:user block`, …). */
export async function finishTemplateSend(
  tx: Executor,
  scope: { workspaceId: string; channelId: string },
  msgId: string,
  wechatStatus: string,
  at: Date,
): Promise<void> {
  const status: TemplateSendStatus =
    wechatStatus === "success" ? "delivered" : /user\s*block/i.test(wechatStatus) ? "user_blocked" : "failed";
  await wq(tx)
    .updateTable("wechat_template_sends")
    .set({ status, finished_at: at, error: status === "delivered" ? null : wechatStatus.slice(0, 200) })
    .where("workspace_id", "=", scope.workspaceId)
    .where("channel_id", "=", scope.channelId)
    .where("msg_id", "=", msgId)
    .where(sql<boolean>`status in ('sending', 'sent')`)
    .execute();
}

/** The template routes: sync and list templates; send one and read a send's status. */
export function registerTemplateRoutes(app: HttpApp, ctx: AppContext): void {
  const params = z.strictObject({ id: z.uuid() });
  const tags = { tags: ["channels"] };
  app.post(
    "/api/v1/channels/:id/wechat/templates/sync",
    { schema: { ...tags, params }, onRequest: guard(ctx, "channels.manage") },
    async (request) => ({
      data: await syncTemplates(ctx, await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id)),
    }),
  );
  app.get(
    "/api/v1/channels/:id/wechat/templates",
    { schema: { ...tags, params }, onRequest: guard(ctx, "channels.read") },
    async (request) => {
      const account = await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id);
      return { data: await listTemplates(ctx.database.db, account.channel) };
    },
  );
  app.post(
    "/api/v1/channels/:id/wechat/template-messages",
    { schema: { ...tags, params, body: SendTemplateSchema }, onRequest: guard(ctx, "messages.send") },
    async (request, reply) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      const { duplicate, send } = await sendTemplateMessage(ctx, actor, account, request.body);
      return reply.code(duplicate ? 200 : 201).send({ ...presentTemplateSend(send), duplicate });
    },
  );
  app.get(
    "/api/v1/channels/:id/wechat/template-messages/:sendId",
    {
      schema: { ...tags, params: z.strictObject({ id: z.uuid(), sendId: z.uuid() }) },
      onRequest: guard(ctx, "channels.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await findWechatAccount(ctx, ws, request.params.id);
      const row = await wq(ctx.database.db)
        .selectFrom("wechat_template_sends")
        .selectAll()
        .where("workspace_id", "=", ws)
        .where("channel_id", "=", request.params.id)
        .where("id", "=", request.params.sendId)
        .executeTakeFirst();
      if (!row) throw new AppError("not_found", "template_send_not_found", "No such template send on this channel.");
      return presentTemplateSend(row);
    },
  );
}
