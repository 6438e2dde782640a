/**
 * Custom menus (CHANNELS.md §2.13): the default menu checked against WeChat's limits (with the exact path of
 * each problem) and published with `menu/create`; read back with `menu/get`; conditional menus per WeChat tag
 * (`menu/addconditional`, `menu/delconditional`). WeChat is the record: Rapport keeps no copy of the menu.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { type Actor, actorOf, guard, recordAudit } from "../../tenancy/index.ts";
import { callWechat, callWechatAsAdmin, refusedByWechat, WechatApiError } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { linkedTag } from "./tags.ts";

export const MENU_LIMITS = {
  topButtons: 3,
  subButtons: 5,
  topNameBytes: 16,
  subNameBytes: 60,
  keyBytes: 128,
  urlBytes: 1024,
} as const;

export type MenuButtonField = "key" | "url" | "appid" | "pagepath" | "media_id" | "article_id";

/**
 * Button types in the order the console offers them, with the fields each needs. `view_limited` (an article by
 * media id) is kept for menus published before WeChat's 2021 switch to `article_view_limited`.
 */
export const MENU_BUTTON_TYPES: readonly { type: string; fields: readonly MenuButtonField[] }[] = [
  { type: "click", fields: ["key"] },
  { type: "view", fields: ["url"] },
  // The url is the fallback for WeChat clients without mini program support: WeChat requires it.
  { type: "miniprogram", fields: ["appid", "pagepath", "url"] },
  { type: "scancode_push", fields: ["key"] },
  { type: "scancode_waitmsg", fields: ["key"] },
  { type: "pic_sysphoto", fields: ["key"] },
  { type: "pic_photo_or_album", fields: ["key"] },
  { type: "pic_weixin", fields: ["key"] },
  { type: "location_select", fields: ["key"] },
  { type: "media_id", fields: ["media_id"] },
  { type: "article_id", fields: ["article_id"] },
  { type: "article_view_limited", fields: ["article_id"] },
  { type: "view_limited", fields: ["media_id"] },
];
const NEEDS = new Map(MENU_BUTTON_TYPES.map((t) => [t.type, t.fields]));
const TYPE_NAMES = MENU_BUTTON_TYPES.map((t) => t.type).join(", ");
/** A Mini Program's AppID: `wx` and 16 hexadecimal digits. */
const APPID = /^wx[0-9a-f]{16}$/i;

/** A button as WeChat takes it (its field names); anything else is refused by the checks below. */
export type MenuButton = {
  type?: string;
  name?: string;
  key?: string;
  url?: string;
  appid?: string;
  pagepath?: string;
  media_id?: string;
  article_id?: string;
  sub_button?: MenuButton[];
};
const Button: z.ZodType<MenuButton> = z.lazy(() =>
  z.strictObject({
    type: z.string().optional(),
    name: z.string().optional(),
    key: z.string().optional(),
    url: z.string().optional(),
    appid: z.string().optional(),
    pagepath: z.string().optional(),
    media_id: z.string().optional(),
    article_id: z.string().optional(),
    sub_button: z.array(Button).optional(),
  }),
);
export const MenuSchema = z.strictObject({ button: z.array(Button) });
export type Menu = z.infer<typeof MenuSchema>;

export type MenuIssue = { path: string; message: string };

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** What the console's menu editor builds from: the button types with their fields, and WeChat's limits. */
export const MENU_RULES = { buttonTypes: MENU_BUTTON_TYPES, limits: MENU_LIMITS };

function checkButton(b: MenuButton, path: string, top: boolean, issues: MenuIssue[]): void {
  const nameLimit = top ? MENU_LIMITS.topNameBytes : MENU_LIMITS.subNameBytes;
  if (!b.name?.trim()) issues.push({ path: `${path}.name`, message: "is required" });
  else if (bytes(b.name) > nameLimit) {
    issues.push({
      path: `${path}.name`,
      message: `is ${bytes(b.name)} bytes; a ${top ? "top-level" : "sub-menu"} button's name is at most ${nameLimit} bytes (UTF-8; a Chinese character is 3)`,
    });
  }
  const subs = b.sub_button ?? [];
  // menu/get answers `sub_button: []` on every leaf button: only an empty list on a button without a type is wrong.
  if (top && b.sub_button !== undefined && subs.length === 0 && b.type === undefined) {
    issues.push({
      path: `${path}.sub_button`,
      message: `is empty; give the button a type or 1–${MENU_LIMITS.subButtons} sub-buttons`,
    });
    return;
  }
  if (subs.length) {
    if (!top) {
      issues.push({ path: `${path}.sub_button`, message: "sub-menu buttons cannot have sub-buttons" });
      return;
    }
    if (b.type !== undefined) {
      issues.push({ path: `${path}.type`, message: "a button with sub-buttons opens them and has no type" });
    }
    if (subs.length > MENU_LIMITS.subButtons) {
      issues.push({
        path: `${path}.sub_button`,
        message: `has ${subs.length} buttons; at most ${MENU_LIMITS.subButtons}`,
      });
    }
    subs.forEach((s, i) => {
      checkButton(s, `${path}.sub_button[${i}]`, false, issues);
    });
    return;
  }
  if (!b.type) {
    issues.push({ path: `${path}.type`, message: `is required: one of ${TYPE_NAMES}` });
    return;
  }
  const needs = NEEDS.get(b.type);
  if (!needs) {
    issues.push({ path: `${path}.type`, message: `"${b.type}" is not a menu button type: ${TYPE_NAMES}` });
    return;
  }
  for (const field of needs) {
    const value = b[field];
    if (!value?.trim()) issues.push({ path: `${path}.${field}`, message: `is required for a ${b.type} button` });
  }
  if (needs.includes("appid") && b.appid?.trim() && !APPID.test(b.appid.trim())) {
    issues.push({ path: `${path}.appid`, message: "must be a Mini Program AppID: wx and 16 hexadecimal digits" });
  }
  if (b.key !== undefined && bytes(b.key) > MENU_LIMITS.keyBytes) {
    issues.push({ path: `${path}.key`, message: `is ${bytes(b.key)} bytes; at most ${MENU_LIMITS.keyBytes}` });
  }
  if (b.url !== undefined) {
    if (bytes(b.url) > MENU_LIMITS.urlBytes) {
      issues.push({ path: `${path}.url`, message: `is ${bytes(b.url)} bytes; at most ${MENU_LIMITS.urlBytes}` });
    } else if (b.url.trim() && !/^https?:\/\/[^\s]+$/i.test(b.url)) {
      issues.push({ path: `${path}.url`, message: "must be an http(s) URL" });
    }
  }
}

/** Every way a menu breaks WeChat's limits, with the path of each (e.g. `button[1].sub_button[4].name`). */
export function menuIssues(menu: Menu): MenuIssue[] {
  const issues: MenuIssue[] = [];
  if (menu.button.length < 1 || menu.button.length > MENU_LIMITS.topButtons) {
    issues.push({
      path: "button",
      message: `has ${menu.button.length} buttons; a menu has 1–${MENU_LIMITS.topButtons} top-level buttons`,
    });
  }
  menu.button.forEach((b, i) => {
    checkButton(b, `button[${i}]`, true, issues);
  });
  return issues;
}

/** Throws 400 `menu_invalid` naming the first problem, with all of them in `details.issues`. */
export function assertMenu(menu: Menu): void {
  const issues = menuIssues(menu);
  const first = issues[0];
  if (first) {
    throw new AppError("invalid", "menu_invalid", `${first.path} ${first.message}.`, { field: first.path, issues });
  }
}

/** Publishes the default menu (replacing the current one). */
export async function publishMenu(ctx: AppContext, actor: Actor, account: WechatAccount, menu: Menu): Promise<void> {
  assertMenu(menu);
  await callWechatAsAdmin(ctx, account, "/cgi-bin/menu/create", { body: menu });
  await recordAudit(ctx.database.db, actor, {
    action: "wechat.menu.published",
    objectType: "channel",
    objectId: account.channel.id,
    details: { buttons: menu.button.map((b) => b.name) },
  });
}

/** WeChat's "no menu" answer to menu/get. */
const NO_MENU = 46003;

/** The published menus: the default one (null when none) and the conditional ones. */
export async function readMenus(ctx: AppContext, account: WechatAccount) {
  let json: Record<string, unknown>;
  try {
    json = await callWechat(ctx, account, "/cgi-bin/menu/get", { method: "GET" });
  } catch (err) {
    if (err instanceof WechatApiError && err.code === NO_MENU) return { menu: null, conditionalMenus: [] };
    throw refusedByWechat(err);
  }
  const answer = z
    .looseObject({
      menu: z.looseObject({ button: z.array(z.unknown()) }).optional(),
      conditionalmenu: z
        .array(
          z.looseObject({
            button: z.array(z.unknown()),
            matchrule: z.record(z.string(), z.unknown()).optional(),
            menuid: z.union([z.string(), z.number()]).optional(),
          }),
        )
        .optional(),
    })
    .parse(json);
  return {
    menu: answer.menu ? { button: answer.menu.button } : null,
    conditionalMenus: (answer.conditionalmenu ?? []).map((m) => ({
      menuId: m.menuid === undefined ? null : String(m.menuid),
      button: m.button,
      matchrule: m.matchrule ?? {},
    })),
  };
}

export const ConditionalMenuSchema = z.strictObject({
  button: z.array(Button),
  /** Who sees it: a synced Rapport tag (by name) or a WeChat tag id; optionally one client platform. */
  matchrule: z
    .strictObject({
      tag: z.string().min(1).max(30).optional(),
      tagId: z.number().int().min(0).optional(),
      clientPlatformType: z.enum(["1", "2", "3"]).optional(),
    })
    .refine((m) => (m.tag === undefined) !== (m.tagId === undefined), {
      message: "Give exactly one of tag (a synced Rapport tag) or tagId (a WeChat tag id).",
      path: ["tag"],
    }),
});
export type ConditionalMenuInput = z.infer<typeof ConditionalMenuSchema>;

/** Adds a conditional menu for one WeChat tag; returns WeChat's menu id. */
export async function addConditionalMenu(
  ctx: AppContext,
  actor: Actor,
  account: WechatAccount,
  input: ConditionalMenuInput,
): Promise<{ menuId: string; tagId: number }> {
  assertMenu({ button: input.button });
  const tagId = input.matchrule.tagId ?? (await linkedTag(ctx, account, input.matchrule.tag as string)).wechat_tag_id;
  const matchrule: Record<string, string> = { tag_id: String(tagId) };
  if (input.matchrule.clientPlatformType) matchrule.client_platform_type = input.matchrule.clientPlatformType;
  const json = await callWechatAsAdmin(ctx, account, "/cgi-bin/menu/addconditional", {
    body: { button: input.button, matchrule },
  });
  const menuId = json.menuid;
  if (typeof menuId !== "string" && typeof menuId !== "number") {
    throw new AppError("unavailable", "wechat_unexpected", "WeChat answered menu/addconditional without a menuid.");
  }
  await recordAudit(ctx.database.db, actor, {
    action: "wechat.menu.conditional-added",
    objectType: "channel",
    objectId: account.channel.id,
    details: { menuId: String(menuId), tagId },
  });
  return { menuId: String(menuId), tagId };
}

/** Deletes a conditional menu. */
export async function deleteConditionalMenu(ctx: AppContext, actor: Actor, account: WechatAccount, menuId: string) {
  await callWechatAsAdmin(ctx, account, "/cgi-bin/menu/delconditional", { body: { menuid: menuId } });
  await recordAudit(ctx.database.db, actor, {
    action: "wechat.menu.conditional-deleted",
    objectType: "channel",
    objectId: account.channel.id,
    details: { menuId },
  });
}

/** The menus read back, with the rules the console's editor builds its fields from. */
async function menusWithRules(ctx: AppContext, account: WechatAccount) {
  return { ...(await readMenus(ctx, account)), rules: MENU_RULES };
}

/** The menu routes: read, validate, publish the default menu; add and delete conditional menus. */
export function registerMenuRoutes(app: HttpApp, ctx: AppContext): void {
  const params = z.strictObject({ id: z.uuid() });
  const tags = { tags: ["channels"] };
  const manage = guard(ctx, "channels.manage");
  app.get(
    "/api/v1/channels/:id/wechat/menu",
    { schema: { ...tags, params }, onRequest: guard(ctx, "channels.read") },
    async (request) =>
      menusWithRules(ctx, await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id)),
  );
  app.post(
    "/api/v1/channels/:id/wechat/menu/validate",
    { schema: { ...tags, params, body: MenuSchema }, onRequest: manage },
    async (request) => {
      await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id);
      const issues = menuIssues(request.body);
      return { valid: issues.length === 0, issues };
    },
  );
  app.put(
    "/api/v1/channels/:id/wechat/menu",
    { schema: { ...tags, params, body: MenuSchema }, onRequest: manage },
    async (request) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      await publishMenu(ctx, actor, account, request.body);
      return menusWithRules(ctx, account);
    },
  );
  app.post(
    "/api/v1/channels/:id/wechat/menu/conditional",
    { schema: { ...tags, params, body: ConditionalMenuSchema }, onRequest: manage },
    async (request, reply) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      return reply.code(201).send(await addConditionalMenu(ctx, actor, account, request.body));
    },
  );
  app.delete(
    "/api/v1/channels/:id/wechat/menu/conditional/:menuId",
    {
      schema: { ...tags, params: z.strictObject({ id: z.uuid(), menuId: z.string().regex(/^\d{1,20}$/) }) },
      onRequest: manage,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const account = await findWechatAccount(ctx, actor.workspaceId, request.params.id);
      await deleteConditionalMenu(ctx, actor, account, request.params.menuId);
      return reply.code(204).send();
    },
  );
}
