import { type Kysely, sql } from "kysely";

// Module channels, WeChat (issue 5): which Rapport agent speaks as which kf account, so their
// customer-service messages carry customservice.kf_account (the agent's WeChat name and avatar).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table wechat_kf_agents (
      workspace_id uuid not null,
      channel_id uuid not null,
      kf_account text not null,
      user_id uuid not null,
      primary key (workspace_id, channel_id, kf_account)
    );
    create unique index wechat_kf_agents_by_user on wechat_kf_agents (workspace_id, channel_id, user_id);
  `.execute(db);
}
