import { type Kysely, sql } from "kysely";

// Module channels, WeChat Official Account (issue 5): webhook lookup by channel id, access tokens,
// inbound dedupe with the passive reply given, the customer-service reply windows per customer, QR codes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The webhook URL names only the channel id (WeChat cannot send anything else).
    create index channels_by_id on channels (id);

    -- access_token per app id, encrypted; lease_until makes one refresher at a time across workers.
    create table wechat_access_tokens (
      workspace_id uuid not null,
      app_id text not null,
      token_encrypted text,
      expires_at timestamptz,
      refreshed_at timestamptz,
      lease_until timestamptz,
      primary key (workspace_id, app_id)
    );

    -- One row per delivered message or event (MsgId, or FromUserName+CreateTime+Event+EventKey):
    -- WeChat retries up to 3 times; a retry gets the reply the first delivery got.
    create table wechat_inbound (
      workspace_id uuid not null,
      channel_id uuid not null,
      dedupe_key text not null,
      reply text,
      received_at timestamptz not null default now(),
      primary key (workspace_id, channel_id, dedupe_key)
    );
    create index wechat_inbound_by_time on wechat_inbound (workspace_id, received_at);

    -- Customer-service windows per customer (CHANNELS.md §2.9): a message opens 5 replies within 48 h,
    -- a menu click, follow or QR scan 3 within 1 minute, a payment unlimited replies within 48 h.
    create table wechat_reply_windows (
      workspace_id uuid not null,
      channel_id uuid not null,
      open_id text not null,
      kind text not null check (kind in ('message', 'interaction', 'payment')),
      opened_at timestamptz not null,
      expires_at timestamptz not null,
      max_messages int,
      used int not null default 0,
      primary key (workspace_id, channel_id, open_id, kind)
    );

    -- Parametric QR codes (§2.11): each a record with its scene, and the scans and new followers it brought.
    create table wechat_qr_codes (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      name text not null,
      campaign text,
      permanent boolean not null,
      scene text not null,
      ticket text not null,
      url text,
      expires_at timestamptz,
      scans int not null default 0,
      new_followers int not null default 0,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    );
    create index wechat_qr_codes_by_scene on wechat_qr_codes (workspace_id, channel_id, scene);
  `.execute(db);
}
