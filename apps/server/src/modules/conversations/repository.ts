import { type Generated, type Selectable, sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";

type Timestamp = Date;

export const CASE_STATUSES = ["open", "pending", "on-hold", "solved", "closed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];
export const MESSAGE_STATUSES = ["received", "queued", "sent", "delivered", "read", "failed"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type AuthorType = "contact" | "user" | "token" | "bot" | "system";

/** The tables this module owns. */
export type ConversationsTables = {
  cases: {
    workspace_id: string;
    id: string;
    number: number;
    subject: string;
    status: Generated<CaseStatus>;
    priority: Generated<Priority>;
    contact_id: string;
    assignee_id: string | null;
    team_id: string | null;
    tags: Generated<string[]>;
    channel_ids: Generated<string[]>;
    reply_window_closes_at: Timestamp | null;
    last_message_at: Generated<Timestamp>;
    last_inbound_at: Timestamp | null;
    first_response_at: Timestamp | null;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
    solved_at: Timestamp | null;
    reopened_at: Timestamp | null;
    merged_into: string | null;
    search: unknown;
    /** Written by routing's SLA clocks through setCaseSla. */
    sla_state: Generated<"ok" | "warning" | "breached" | null>;
    sla_due_at: Generated<Timestamp | null>;
    sla: Generated<unknown>;
  };
  conversations: {
    workspace_id: string;
    id: string;
    channel_id: string;
    channel_type: string;
    contact_id: string;
    external_thread_id: string;
    case_id: string;
    last_inbound_at: Timestamp | null;
    reply_window_hours: number | null;
    reply_window_max_messages: number | null;
    window_messages_sent: Generated<number>;
    created_at: Generated<Timestamp>;
  };
  messages: {
    workspace_id: string;
    id: string;
    case_id: string;
    conversation_id: string | null;
    channel_id: string | null;
    direction: "inbound" | "outbound";
    author_type: AuthorType;
    author_id: string | null;
    type: string;
    text: string;
    content: unknown;
    private: boolean;
    platform_message_id: string | null;
    status: MessageStatus;
    error: string | null;
    created_at: Generated<Timestamp>;
    sent_at: Timestamp | null;
  };
  case_events: {
    workspace_id: string;
    id: string;
    case_id: string;
    actor_type: string;
    actor_id: string | null;
    action: string;
    details: unknown;
    created_at: Generated<Timestamp>;
  };
};

export type CaseRow = Selectable<ConversationsTables["cases"]>;
export type ConversationRow = Selectable<ConversationsTables["conversations"]>;
export type MessageRow = Selectable<ConversationsTables["messages"]>;
export type CaseEventRow = Selectable<ConversationsTables["case_events"]>;

export const q = (db: Executor) => db.withTables<ConversationsTables>();

/**
 * The next case number of a workspace (1, 2, … with a gap when a transaction rolls back): a sequence per
 * workspace, so concurrent transactions creating cases never wait on each other.
 */
export async function nextCaseNumber(db: Executor, workspaceId: string): Promise<number> {
  const [n] = await nextCaseNumbers(db, workspaceId, 1);
  return n as number;
}

/** `count` case numbers of a workspace in one statement, ascending. */
export async function nextCaseNumbers(db: Executor, workspaceId: string, count: number): Promise<number[]> {
  const name = `case_no_${workspaceId.replaceAll("-", "")}`;
  if (!knownSequences.has(name)) await ensureSequence(db, name);
  const next = await sql<{ n: number }>`select nextval(${name}) as n from generate_series(1, ${count}::int)`.execute(
    db,
  );
  return next.rows.map((r) => Number(r.n)).sort((a, b) => a - b);
}

/** Sequences seen committed by this process (a sequence created in a transaction is not cached: it may roll back). */
const knownSequences = new Set<string>();

async function ensureSequence(db: Executor, name: string): Promise<void> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${name}) is not null as exists`.execute(db);
  if (rows[0]?.exists) knownSequences.add(name);
  else {
    // Concurrent first cases of a workspace: the second waits for the first to commit, then finds the sequence.
    await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(db);
    await sql`create sequence if not exists ${sql.id(name)}`.execute(db);
  }
}

export function findCase(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("cases")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** A case that can still be worked: 404 when absent (also for another workspace's id), 409 when merged away. */
export async function findWorkableCase(db: Executor, workspaceId: string, id: string, refusal: string) {
  const found = await findCase(db, workspaceId, id);
  if (!found) throw new AppError("not_found", "case_not_found", "No such case in your workspace.");
  if (found.merged_into) {
    throw new AppError("conflict", "case_merged", `This case was merged into another; ${refusal}`, {
      mergedInto: found.merged_into,
    });
  }
  return found;
}

/** The conversations of several threads (channel id + the customer's id on it), in one statement. */
export function findConversationsByThreads(
  db: Executor,
  workspaceId: string,
  threads: readonly { channelId: string; threadId: string }[],
) {
  return q(db)
    .selectFrom("conversations")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where((eb) =>
      eb.or(
        threads.map((t) => eb.and([eb("channel_id", "=", t.channelId), eb("external_thread_id", "=", t.threadId)])),
      ),
    )
    .execute();
}

/** The stored messages among several (channel id, platform message id) pairs, in one statement. */
export function findMessagesByPlatformIds(
  db: Executor,
  workspaceId: string,
  keys: readonly { channelId: string; platformId: string }[],
) {
  return q(db)
    .selectFrom("messages")
    .select(["id", "case_id", "channel_id", "platform_message_id"])
    .where("workspace_id", "=", workspaceId)
    .where((eb) =>
      eb.or(
        keys.map((k) => eb.and([eb("channel_id", "=", k.channelId), eb("platform_message_id", "=", k.platformId)])),
      ),
    )
    .execute();
}

/** Cases by id, in one statement. */
export function findCases(db: Executor, workspaceId: string, ids: readonly string[]) {
  return q(db).selectFrom("cases").selectAll().where("workspace_id", "=", workspaceId).where("id", "in", ids).execute();
}

export function findMessage(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("messages")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export type NewCaseEvent = Omit<ConversationsTables["case_events"], "created_at" | "details"> & {
  details?: Record<string, unknown>;
};

/** Appends a case-history record. */
export function insertCaseEvent(db: Executor, row: NewCaseEvent) {
  return insertCaseEvents(db, [row]);
}

/** Appends case-history records in one statement. */
export async function insertCaseEvents(db: Executor, rows: readonly NewCaseEvent[]) {
  if (rows.length === 0) return;
  await q(db)
    .insertInto("case_events")
    .values(rows.map((row) => ({ ...row, details: JSON.stringify(row.details ?? {}) })))
    .execute();
}

/** Refreshes a case's search text from its subject and tags. */
export function refreshCaseSearch(db: Executor, workspaceId: string, id: string, extra = "") {
  return q(db)
    .updateTable("cases")
    .set({
      search: sql`to_tsvector('simple', coalesce(subject, '') || ' ' || array_to_string(tags, ' ') || ' ' || ${extra})`,
    })
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .execute();
}

export function findConversation(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("conversations")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}
