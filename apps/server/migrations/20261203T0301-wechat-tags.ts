import { type Kysely, sql } from "kysely";

// Module channels, WeChat (issue 5): the Rapport tags chosen for two-way sync with the account's WeChat user
// tags, each linked to its WeChat tag id once created or found there.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table wechat_synced_tags (
      workspace_id uuid not null,
      channel_id uuid not null,
      rapport_tag text not null,
      wechat_tag_id int,
      synced_at timestamptz,
      primary key (workspace_id, channel_id, rapport_tag)
    );
    create unique index wechat_synced_tags_by_id on wechat_synced_tags (workspace_id, channel_id, wechat_tag_id);
  `.execute(db);
}
