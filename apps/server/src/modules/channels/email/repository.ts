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

/** The threads of the emails with these Message-IDs (at most one per id), with their thread's token. */
export async function findThreadsByMessageIds(db: Executor, s: Scope, ids: string[]) {
  if (ids.length === 0) return [];
  return eq(db)
    .selectFrom("email_messages as m")
    .innerJoin("email_threads as t", (j) =>
      j
        .onRef("t.workspace_id", "=", "m.workspace_id")
        .onRef("t.channel_id", "=", "m.channel_id")
        .onRef("t.thread_id", "=", "m.thread_id"),
    )
    .select(["m.message_id", "t.thread_id", "t.token"])
    .where("m.workspace_id", "=", s.workspaceId)
    .where("m.channel_id", "=", s.channelId)
    .where("m.message_id", "in", ids)
    .execute();
}

/** A thread by its id (the Message-ID of its first email) or by the reference token our replies carry. */
export async function findThread(db: Executor, s: Scope, key: string, by: "thread_id" | "token" = "thread_id") {
  return eq(db)
    .selectFrom("email_threads")
    .selectAll()
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where(by, "=", key)
    .executeTakeFirst();
}

/** The emails of a channel among these Message-IDs (either direction). */
export async function findEmailMessages(db: Executor, s: Scope, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return eq(db)
    .selectFrom("email_messages")
    .selectAll()
    .where("workspace_id", "=", s.workspaceId)
    .where("channel_id", "=", s.channelId)
    .where("message_id", "in", messageIds)
    .execute();
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
