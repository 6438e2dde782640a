import { sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import { insertRows } from "../../../platform/writes.ts";

/** A template send: sending (before WeChat's answer), sent (msgid known), then delivered, user_blocked or failed. */
export type TemplateSendStatus = "sending" | "sent" | "delivered" | "user_blocked" | "failed";

/** The WeChat tables of module channels (migrations 20261202T0301-wechat, 20261203T03xx-wechat-*). */
export type WechatTables = {
  wechat_media: {
    workspace_id: string;
    channel_id: string;
    media_id: string;
    message_id: string;
    kind: string;
    status: "pending" | "stored" | "failed";
    path: string | null;
    content_type: string | null;
    bytes: number | null;
    error: string | null;
    fetched_at: Date | null;
    created_at?: Date;
  };
  wechat_templates: {
    workspace_id: string;
    channel_id: string;
    template_id: string;
    title: string;
    content: string;
    example: string | null;
    primary_industry: string | null;
    deputy_industry: string | null;
    synced_at: Date;
  };
  wechat_template_sends: {
    workspace_id: string;
    id: string;
    channel_id: string;
    open_id: string;
    template_id: string;
    client_msg_id: string;
    msg_id: string | null;
    status: TemplateSendStatus;
    error: string | null;
    data: unknown;
    created_at?: Date;
    finished_at: Date | null;
  };
  wechat_kf_agents: {
    workspace_id: string;
    channel_id: string;
    kf_account: string;
    user_id: string;
  };
  wechat_synced_tags: {
    workspace_id: string;
    channel_id: string;
    rapport_tag: string;
    wechat_tag_id: number | null;
    synced_at: Date | null;
  };
  wechat_access_tokens: {
    workspace_id: string;
    app_id: string;
    token_encrypted: string | null;
    expires_at: Date | null;
    refreshed_at: Date | null;
    lease_until: Date | null;
  };
  wechat_inbound: {
    workspace_id: string;
    channel_id: string;
    dedupe_key: string;
    reply: string | null;
    received_at?: Date;
  };
  wechat_qr_codes: {
    workspace_id: string;
    id: string;
    channel_id: string;
    name: string;
    campaign: string | null;
    permanent: boolean;
    scene: string;
    ticket: string;
    url: string | null;
    expires_at: Date | null;
    scans: number;
    new_followers: number;
    created_at?: Date;
  };
  wechat_reply_windows: {
    workspace_id: string;
    channel_id: string;
    open_id: string;
    kind: "message" | "interaction" | "payment";
    opened_at: Date;
    expires_at: Date;
    max_messages: number | null;
    used: number;
  };
};

export const wq = (db: Executor) => db.withTables<WechatTables>();

/** Dedupe records of pushes (the reply sent with the first delivery), one fixed statement (platform/writes.ts). */
export function inboundClaimsInsert(
  rows: readonly { workspace_id: string; channel_id: string; dedupe_key: string; reply: string | null }[],
) {
  return insertRows(
    "wechat_inbound",
    { workspace_id: "uuid", channel_id: "uuid", dedupe_key: "text", reply: "text" },
    rows,
    sql`on conflict do nothing`,
  );
}
