import type { Executor } from "../../../platform/db.ts";

/** The email tables of module channels (migration 20261202T0601-email). */
export type EmailTables = {
  email_messages: {
    workspace_id: string;
    channel_id: string;
    message_id: string;
    direction: "inbound" | "outbound";
    thread_id: string;
    rapport_message_id: string | null;
    from_address: string | null;
    reply_to: string | null;
    subject: string | null;
    refs: string[];
    flags: string[];
    parse_error: string | null;
    raw: Buffer | null;
    created_at?: Date;
  };
  email_attachments: {
    workspace_id: string;
    id: string;
    channel_id: string;
    message_id: string;
    filename: string | null;
    content_type: string;
    content_id: string | null;
    inline: boolean;
    size: number;
    content: Buffer;
  };
  email_threads: {
    workspace_id: string;
    channel_id: string;
    thread_id: string;
    token: string;
    subject: string | null;
    created_at?: Date;
  };
  email_imap_state: {
    workspace_id: string;
    channel_id: string;
    folder: string;
    uid_validity: string;
    last_uid: string | number;
    updated_at?: Date;
  };
};

export const eq = (db: Executor) => db.withTables<EmailTables>();

type Scope = { workspaceId: string; channelId: string };

/** The thread an email belongs to, found through any of the Message-IDs it names (In-Reply-To, References). */
export async function findThreadByMessageIds(db: Executor, s: Scope, ids: string[]): Promise<string | undefined> {
  if (ids.length === 0) return undefined;
  const row = await eq(db)
    .selectFrom("email_messages")
    .select("thread_id")
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where("message_id", "in", ids)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.thread_id;
}

export async function findThreadByToken(db: Executor, s: Scope, token: string) {
  return eq(db)
    .selectFrom("email_threads")
    .selectAll()
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where("token", "=", token)
    .executeTakeFirst();
}

export async function findThread(db: Executor, s: Scope, threadId: string) {
  return eq(db)
    .selectFrom("email_threads")
    .selectAll()
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where("thread_id", "=", threadId)
    .executeTakeFirst();
}

export async function findEmailMessage(db: Executor, s: Scope, messageId: string) {
  return eq(db)
    .selectFrom("email_messages")
    .selectAll()
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where("message_id", "=", messageId)
    .executeTakeFirst();
}

/** The email behind a Rapport message, in a workspace. */
export async function findEmailByRapportMessage(db: Executor, workspaceId: string, rapportMessageId: string) {
  return eq(db)
    .selectFrom("email_messages")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("rapport_message_id", "=", rapportMessageId)
    .executeTakeFirst();
}

export async function listAttachments(db: Executor, s: Scope, messageId: string) {
  return eq(db)
    .selectFrom("email_attachments")
    .select(["id", "filename", "content_type", "content_id", "inline", "size"])
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where("message_id", "=", messageId)
    .orderBy("id")
    .execute();
}
