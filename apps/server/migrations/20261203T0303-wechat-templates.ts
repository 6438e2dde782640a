import { type Kysely, sql } from "kysely";

// Module channels, WeChat (issue 5): the account's template messages (synced from
// template/get_all_private_template) and each template send, deduplicated by client_msg_id, with the
// status WeChat reports in TEMPLATESENDJOBFINISH (joined by its msgid).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table wechat_templates (
      workspace_id uuid not null,
      channel_id uuid not null,
      template_id text not null,
      title text not null,
      content text not null,
      example text,
      primary_industry text,
      deputy_industry text,
      synced_at timestamptz not null,
      primary key (workspace_id, channel_id, template_id)
    );

    create table wechat_template_sends (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      open_id text not null,
      template_id text not null,
      client_msg_id text not null,
      msg_id text,
      status text not null check (status in ('sending', 'sent', 'delivered', 'user_blocked', 'failed')),
      error text,
      data jsonb not null,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (workspace_id, id)
    );
    create unique index wechat_template_sends_by_client_id on wechat_template_sends (workspace_id, channel_id, client_msg_id);
    create index wechat_template_sends_by_msg_id on wechat_template_sends (workspace_id, channel_id, msg_id);
  `.execute(db);
}
