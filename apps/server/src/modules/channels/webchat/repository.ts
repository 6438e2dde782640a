import type { Generated, Selectable } from "kysely";
import type { Executor } from "../../../platform/db.ts";

/** The tables web chat owns: one row per widget visitor, one CSAT answer per solved case. */
export type WebchatTables = {
  webchat_visitors: {
    workspace_id: string;
    id: string;
    channel_id: string;
    contact_id: string | null;
    conversation_id: string | null;
    /** The case of the conversation, as of the visitor's last message (to find whom to ask for CSAT). */
    case_id: Generated<string | null>;
    user_id: string | null;
    email: string | null;
    name: string | null;
    language: string | null;
    pending_page_views: Generated<unknown>;
    /** Pre-chat answers beyond name and email (`{ phone?, custom: {key: value}, submittedAt }`), or null. */
    prechat: Generated<unknown>;
    created_at: Generated<Date>;
    last_seen_at: Generated<Date>;
  };
  csat_responses: {
    workspace_id: string;
    id: string;
    case_id: string;
    contact_id: string | null;
    channel_id: string;
    rating: number;
    comment: string | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
};

export type VisitorRow = Selectable<WebchatTables["webchat_visitors"]>;

export const wc = (db: Executor) => db.withTables<WebchatTables>();

export function findVisitor(db: Executor, workspaceId: string, channelId: string, visitorId: string) {
  return wc(db)
    .selectFrom("webchat_visitors")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", visitorId)
    .where("channel_id", "=", channelId)
    .executeTakeFirst();
}
