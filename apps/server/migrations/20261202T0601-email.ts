import { type Kysely, sql } from "kysely";

// Module channels, email (issue 6): every email seen or sent (raw kept, for threading, bounces and display),
// its attachments, the threads with their subject reference token, and the IMAP position per mailbox.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per email in or out of a mailbox, keyed by its Message-ID; the raw RFC 822 bytes are kept
    -- (an unparseable email is never lost). thread_id is the conversation's external thread id.
    create table email_messages (
      workspace_id uuid not null,
      channel_id uuid not null,
      message_id text not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      thread_id text not null,
      rapport_message_id uuid,
      from_address text,
      reply_to text,
      subject text,
      refs text[] not null default '{}',
      flags text[] not null default '{}',
      parse_error text,
      raw bytea,
      created_at timestamptz not null default now(),
      primary key (workspace_id, channel_id, message_id)
    );
    create index email_messages_by_thread on email_messages (workspace_id, channel_id, thread_id, created_at);
    create index email_messages_by_message on email_messages (workspace_id, rapport_message_id);

    create table email_attachments (
      workspace_id uuid not null,
      id uuid not null,
      channel_id uuid not null,
      message_id text not null,
      filename text,
      content_type text not null,
      content_id text,
      inline boolean not null default false,
      size int not null,
      content bytea not null,
      primary key (workspace_id, id)
    );
    create index email_attachments_by_message on email_attachments (workspace_id, channel_id, message_id);

    -- A thread of one mailbox: the reference token put in outbound subjects ("[#K7QX3M]").
    create table email_threads (
      workspace_id uuid not null,
      channel_id uuid not null,
      thread_id text not null,
      token text not null,
      subject text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, channel_id, thread_id)
    );
    create unique index email_threads_by_token on email_threads (workspace_id, channel_id, token);

    -- How far each IMAP mailbox folder was read: the UID of the last ingested message under a UIDVALIDITY.
    create table email_imap_state (
      workspace_id uuid not null,
      channel_id uuid not null,
      folder text not null,
      uid_validity text not null,
      last_uid bigint not null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, channel_id, folder)
    );
  `.execute(db);
}
