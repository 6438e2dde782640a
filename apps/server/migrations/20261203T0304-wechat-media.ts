import { type Kysely, sql } from "kysely";

// Module channels, WeChat (issue 5): the media of inbound messages (image, voice, video), fetched through
// media/get by a job after the message is stored, and kept under DATA_DIR/media/<workspace>/<channel>/.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table wechat_media (
      workspace_id uuid not null,
      channel_id uuid not null,
      media_id text not null,
      message_id uuid not null,
      kind text not null,
      status text not null check (status in ('pending', 'stored', 'failed')),
      path text,
      content_type text,
      bytes int,
      error text,
      fetched_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, channel_id, media_id)
    );
    create index wechat_media_by_message on wechat_media (workspace_id, message_id);
  `.execute(db);
}
