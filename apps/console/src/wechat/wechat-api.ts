import { requestJson } from "../api.ts";

/** Calls of the WeChat account pages (channel `wechat`): menus, kf accounts, templates, QR codes. */
const base = (channelId: string) => `/api/v1/channels/${encodeURIComponent(channelId)}/wechat`;

export type MenuButtonField = "key" | "url" | "appid" | "pagepath" | "media_id" | "article_id";
export type MenuButton = {
  name: string;
  type?: string;
  key?: string;
  url?: string;
  appid?: string;
  pagepath?: string;
  media_id?: string;
  article_id?: string;
  sub_button?: MenuButton[];
};
/** What the server checks a menu against: each button type with the fields it needs, and WeChat's limits. */
export type MenuRules = {
  buttonTypes: { type: string; fields: MenuButtonField[] }[];
  limits: {
    topButtons: number;
    subButtons: number;
    topNameBytes: number;
    subNameBytes: number;
    keyBytes: number;
    urlBytes: number;
  };
};
export type MenuIssue = { path: string; message: string };
export type ConditionalMenu = { menuId: string; button: MenuButton[]; matchrule: Record<string, unknown> };
export type PublishedMenu = {
  menu: { button: MenuButton[] } | null;
  conditionalMenus: ConditionalMenu[];
  rules: MenuRules;
};
export type SyncedTag = { tag: string; wechatTagId: number | null; syncedAt: string | null };
export type KfAccount = {
  kfAccount: string;
  nickname: string;
  kfId: string | null;
  avatarUrl: string | null;
  userId: string | null;
};
export type Template = {
  templateId: string;
  title: string;
  content: string;
  variables: string[];
  example: string | null;
  syncedAt: string;
};
export type QrCode = {
  id: string;
  name: string;
  campaign: string | null;
  permanent: boolean;
  scene: string;
  url: string | null;
  imageUrl: string;
  /** The image through Rapport (same origin, the session's cookie). */
  imagePath: string;
  expiresAt: string | null;
  scans: number;
  newFollowers: number;
};
export type NewQrCode = {
  name: string;
  campaign?: string;
  permanent: boolean;
  sceneId?: number;
  sceneStr?: string;
  expireSeconds?: number;
};

export const wechatKeys = {
  menu: (channelId: string) => ["wechat", channelId, "menu"] as const,
  tags: (channelId: string) => ["wechat", channelId, "tags"] as const,
  kf: (channelId: string) => ["wechat", channelId, "kf"] as const,
  templates: (channelId: string) => ["wechat", channelId, "templates"] as const,
  qrCodes: (channelId: string) => ["wechat", channelId, "qr-codes"] as const,
};

export const fetchMenu = (channelId: string) => requestJson<PublishedMenu>("GET", `${base(channelId)}/menu`);
export const validateMenu = (channelId: string, button: MenuButton[]) =>
  requestJson<{ valid: boolean; issues: MenuIssue[] }>("POST", `${base(channelId)}/menu/validate`, { button });
export const publishMenu = (channelId: string, button: MenuButton[]) =>
  requestJson<PublishedMenu>("PUT", `${base(channelId)}/menu`, { button });
export const addConditionalMenu = (channelId: string, button: MenuButton[], tag: string) =>
  requestJson<{ menuId: string; tagId: number }>("POST", `${base(channelId)}/menu/conditional`, {
    button,
    matchrule: { tag },
  });
export const deleteConditionalMenu = (channelId: string, menuId: string) =>
  requestJson<unknown>("DELETE", `${base(channelId)}/menu/conditional/${encodeURIComponent(menuId)}`);
export const fetchSyncedTags = (channelId: string) =>
  requestJson<{ data: SyncedTag[] }>("GET", `${base(channelId)}/tags`);

export const fetchKfAccounts = (channelId: string) =>
  requestJson<{ data: KfAccount[] }>("GET", `${base(channelId)}/kf-accounts`);
export const mapKfAccount = (channelId: string, kfAccount: string, userId: string | null) =>
  requestJson<KfAccount>("PATCH", `${base(channelId)}/kf-accounts/${encodeURIComponent(kfAccount)}`, { userId });

export const fetchTemplates = (channelId: string) =>
  requestJson<{ data: Template[] }>("GET", `${base(channelId)}/templates`);
export const syncTemplates = (channelId: string) => requestJson<unknown>("POST", `${base(channelId)}/templates/sync`);
export const sendTemplateTest = (
  channelId: string,
  input: { openId: string; templateId: string; data: Record<string, string> },
) => requestJson<{ id?: string; status?: string }>("POST", `${base(channelId)}/template-messages`, input);

export const fetchQrCodes = (channelId: string) =>
  requestJson<{ data: QrCode[] }>("GET", `${base(channelId)}/qr-codes`);
export const createQrCode = (channelId: string, input: NewQrCode) =>
  requestJson<QrCode>("POST", `${base(channelId)}/qr-codes`, input);

/** A menu read back from WeChat, ready to edit: menu/get gives every leaf button an empty `sub_button`. */
export function editableButtons(buttons: readonly MenuButton[]): MenuButton[] {
  return buttons.map(({ sub_button, ...button }) =>
    sub_button?.length ? { ...button, sub_button: editableButtons(sub_button) } : button,
  );
}

/** A button given another type: its name, and the values of the fields both types use. */
export function retypeButton(button: MenuButton, type: string, rules: MenuRules): MenuButton {
  const next: MenuButton = { name: button.name, type };
  for (const field of rules.buttonTypes.find((t) => t.type === type)?.fields ?? []) next[field] = button[field] ?? "";
  return next;
}

/** `button[1].sub_button[0].name` → the issues of one input, by its path. */
export function issuesByPath(issues: readonly MenuIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) out[issue.path] ??= issue.message;
  return out;
}
