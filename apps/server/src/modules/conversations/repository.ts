import { type ColumnType, type Generated, type Selectable, sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { type Executor, prepared } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import { insertRows } from "../../platform/writes.ts";

type Timestamp = Date;

export const CASE_STATUSES = ["open", "pending", "on-hold", "solved", "closed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];
export const MESSAGE_STATUSES = [
  "received",
  "pending_approval",
  "rejected",
  "queued",
  "sent",
  "delivered",
  "read",
  "failed",
] as const;
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
    /** A workspace's own status (its type is `status`), or null for the plain type. */
    custom_status_id: Generated<string | null>;
    /** Read as an object, written as its JSON text. */
    custom_fields: ColumnType<Record<string, unknown>, string | undefined, string>;
    /** Who answers the customer: `bot` or `agent` (null when no bot was ever involved); set by recordHandover. */
    control: Generated<"bot" | "agent" | null>;
    /** The last handover (who, why, intent, slots, transcript summary); read as an object, written as JSON text. */
    handover: ColumnType<Record<string, unknown> | null, string | undefined, string>;
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
  /** A message's search words (a tsvector literal written by indexMessages). */
  message_search: { workspace_id: string; message_id: string; search: string };
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
    /** Replies needing approval: who approved or rejected them, when, and why (a rejection's reason). */
    reviewed_by: Generated<string | null>;
    reviewed_at: Generated<Timestamp | null>;
    review_note: Generated<string | null>;
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
  case_operations: {
    workspace_id: string;
    id: string;
    kind: "merge" | "split";
    case_id: string;
    target_case_id: string;
    actor_type: string;
    actor_id: string | null;
    reason: string | null;
    moved: unknown;
    created_at: Generated<Timestamp>;
    undone_at: Timestamp | null;
    undone_by_type: string | null;
    undone_by_id: string | null;
  };
  case_links: {
    workspace_id: string;
    case_id: string;
    other_case_id: string;
    kind: CaseLinkKind;
    actor_type: string;
    actor_id: string | null;
    created_at: Generated<Timestamp>;
  };
  quick_replies: {
    workspace_id: string;
    id: string;
    scope: ReplyScope;
    team_id: string | null;
    owner_id: string | null;
    shortcut: string;
    title: string;
    body: string;
    content: unknown;
    created_by: string | null;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
  };
  macros: {
    workspace_id: string;
    id: string;
    name: string;
    description: string | null;
    actions: unknown;
    created_by: string | null;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
  };
  reply_approval_settings: {
    workspace_id: string;
    roles: string[];
    user_ids: string[];
    updated_at: Generated<Timestamp>;
  };
  case_checklists: {
    workspace_id: string;
    id: string;
    name: string;
    tag: string | null;
    items: unknown;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
  };
  case_checklist_ticks: {
    workspace_id: string;
    case_id: string;
    checklist_id: string;
    item_id: string;
    ticked_by: string | null;
    ticked_at: Generated<Timestamp>;
  };
  case_statuses: {
    workspace_id: string;
    id: string;
    name: string;
    type: CaseStatus;
    position: Generated<number>;
    created_at: Generated<Timestamp>;
  };
  case_fields: {
    workspace_id: string;
    id: string;
    key: string;
    label: string;
    type: CaseFieldType;
    options: Generated<string[]>;
    created_at: Generated<Timestamp>;
  };
  case_followers: {
    workspace_id: string;
    case_id: string;
    user_id: string;
    created_at: Generated<Timestamp>;
  };
  mentions: {
    workspace_id: string;
    id: string;
    user_id: string;
    case_id: string;
    message_id: string;
    author_type: string;
    author_id: string | null;
    created_at: Generated<Timestamp>;
  };
  case_views: {
    workspace_id: string;
    id: string;
    /** The member (or API token) whose view it is: views are personal. */
    user_id: string;
    name: string;
    /** The list filters in the query-string shape of `GET /api/v1/cases` (CaseFilterSchema). */
    filters: ColumnType<Record<string, unknown>, string, string>;
    sort: Generated<string>;
    position: Generated<number>;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
  };
  attachments: {
    workspace_id: string;
    id: string;
    case_id: string;
    storage_key: string;
    file_name: string | null;
    content_type: string;
    size: number;
    sha256: string;
    uploaded_by_type: string;
    uploaded_by: string | null;
    created_at: Generated<Timestamp>;
  };
};

export const CASE_FIELD_TYPES = ["text", "number", "boolean", "date", "select"] as const;
export type CaseFieldType = (typeof CASE_FIELD_TYPES)[number];

/** Who shares a quick reply or macro: the whole workspace, one team, or only its owner. */
export const REPLY_SCOPES = ["workspace", "team", "personal"] as const;
export type ReplyScope = (typeof REPLY_SCOPES)[number];

export const CASE_LINK_KINDS = ["related", "duplicate", "parent", "child"] as const;
export type CaseLinkKind = (typeof CASE_LINK_KINDS)[number];

export type CaseRow = Selectable<ConversationsTables["cases"]>;
export type ConversationRow = Selectable<ConversationsTables["conversations"]>;
export type MessageRow = Selectable<ConversationsTables["messages"]>;
export type CaseEventRow = Selectable<ConversationsTables["case_events"]>;
export type CaseOperationRow = Selectable<ConversationsTables["case_operations"]>;
export type CaseLinkRow = Selectable<ConversationsTables["case_links"]>;
export type QuickReplyRow = Selectable<ConversationsTables["quick_replies"]>;
export type MacroRow = Selectable<ConversationsTables["macros"]>;
export type ChecklistRow = Selectable<ConversationsTables["case_checklists"]>;
export type CaseStatusRow = Selectable<ConversationsTables["case_statuses"]>;
export type CaseFieldRow = Selectable<ConversationsTables["case_fields"]>;
export type AttachmentRow = Selectable<ConversationsTables["attachments"]>;
export type CaseViewRow = Selectable<ConversationsTables["case_views"]>;

/** An attachment of a workspace (optionally: of one case), or undefined. */
export function findAttachment(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("attachments")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

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
  const name = await caseSequence(db, workspaceId);
  const next = await sql<{ n: number }>`select nextval(${name}) as n from generate_series(1, ${count}::int)`.execute(
    db,
  );
  return next.rows.map((r) => Number(r.n)).sort((a, b) => a - b);
}

/**
 * The next case number as an expression, for an insert that numbers its cases itself (one round trip less than
 * reading the numbers first); rows of one multi-row insert are numbered in their order.
 */
export async function nextCaseNumberSql(db: Executor, workspaceId: string) {
  const name = await caseSequence(db, workspaceId);
  return sql<number>`nextval(${name}::regclass)`;
}

async function caseSequence(db: Executor, workspaceId: string): Promise<string> {
  const name = `case_no_${workspaceId.replaceAll("-", "")}`;
  if (!knownSequences.has(name)) await ensureSequence(db, name);
  return name;
}

/** Sequences seen committed by this process (a sequence created in a transaction is not cached: it may roll back). */
const knownSequences = new Set<string>();

async function ensureSequence(db: Executor, name: string): Promise<void> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${name}) is not null as exists`.execute(db);
  if (rows[0]?.exists) knownSequences.add(name);
  else {
    // Concurrent first cases of a workspace: the second waits for the first to commit, then finds the sequence.
    // (A caller without a transaction, like the api channel's ingest, gets one for this.)
    const create = async (tx: Executor) => {
      await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(tx);
      await sql`create sequence if not exists ${sql.id(name)}`.execute(tx);
    };
    await (db.isTransaction ? create(db) : db.transaction().execute(create));
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

/** The 404 of a case id that is absent or in another workspace. */
export const caseNotFound = (what = "case") =>
  new AppError("not_found", "case_not_found", `No such ${what} in your workspace.`);

/** A case of the workspace, or the 404. */
export async function findCaseOrThrow(db: Executor, workspaceId: string, id: string) {
  const found = await findCase(db, workspaceId, id);
  if (!found) throw caseNotFound();
  return found;
}

/** A case that can still be worked: 404 when absent (also for another workspace's id), 409 when merged away. */
export async function findWorkableCase(db: Executor, workspaceId: string, id: string, refusal: string) {
  const found = await findCaseOrThrow(db, workspaceId, id);
  if (found.merged_into) {
    throw new AppError("conflict", "case_merged", `This case was merged into another; ${refusal}`, {
      mergedInto: found.merged_into,
    });
  }
  return found;
}

/** A row of `findInboundState`: a stored message (`kind` message, `key` its platform id) or a thread with its case. */
export type InboundStateRow = {
  kind: "message" | "thread";
  channel_id: string;
  /** The platform message id (message) or the external thread id (thread). */
  key: string;
  /** The message's or the conversation's id. */
  id: string;
  case_id: string;
  /** The case's columns (threads only; null when the case is gone). */
  case_found: string | null;
  case_status: CaseStatus | null;
  case_solved_at: Date | null;
  case_last_message_at: Date | null;
  case_reply_window_closes_at: Date | null;
  case_channel_ids: string[] | null;
  /** Set: the case was merged away, the caller follows the merge. */
  case_merged_into: string | null;
};

/**
 * What inbound messages need to know, in one statement: which of them are stored already (by channel and
 * platform message id), and the conversations of their threads with their cases.
 */
export async function findInboundState(
  db: Executor,
  workspaceId: string,
  items: readonly { channelId: string; platformId: string; threadId: string }[],
): Promise<InboundStateRow[]> {
  // The keys drive per-key index probes (lateral, `offset 0`): an OR of (channel, platform id) pairs lets the
  // planner scan every message of a channel, and a semi-join on fresh statistics every conversation. Prepared:
  // its text is the same for every batch, and planning it cost more than running it.
  const channels = items.map((i) => i.channelId);
  const { rows } = await sql<InboundStateRow>`${prepared}
    select 'message' as kind, m.channel_id, m.platform_message_id as key, m.id, m.case_id,
      null::uuid as case_found, null::text as case_status, null::timestamptz as case_solved_at,
      null::timestamptz as case_last_message_at, null::timestamptz as case_reply_window_closes_at,
      null::uuid[] as case_channel_ids, null::uuid as case_merged_into
    from (select distinct * from unnest(${channels}::uuid[], ${items.map((i) => i.platformId)}::text[]))
      as k(channel_id, platform_id)
    cross join lateral (
      select m.channel_id, m.platform_message_id, m.id, m.case_id from messages m
      where m.workspace_id = ${workspaceId} and m.channel_id = k.channel_id and m.platform_message_id = k.platform_id
      offset 0) m
    union all
    select 'thread', v.channel_id, v.external_thread_id, v.id, v.case_id,
      c.id, c.status, c.solved_at, c.last_message_at, c.reply_window_closes_at, c.channel_ids, c.merged_into
    from (select distinct * from unnest(${channels}::uuid[], ${items.map((i) => i.threadId)}::text[])) as t(channel_id, thread_id)
    cross join lateral (
      select v.channel_id, v.external_thread_id, v.id, v.case_id from conversations v
      where v.workspace_id = ${workspaceId} and v.channel_id = t.channel_id and v.external_thread_id = t.thread_id
      offset 0) v
    left join cases c on c.workspace_id = ${workspaceId} and c.id = v.case_id
  `.execute(db);
  return rows;
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
  await caseEventsInsert(rows).execute(db);
}

/** The statement `insertCaseEvents` runs, for a combined write: fixed (platform/writes.ts), even with no rows. */
export function caseEventsInsert(rows: readonly NewCaseEvent[]) {
  return insertRows(
    "case_events",
    {
      workspace_id: "uuid",
      id: "uuid",
      case_id: "uuid",
      actor_type: "text",
      actor_id: "text",
      action: "text",
      details: "jsonb",
    },
    rows.map((row) => ({ ...row, details: JSON.stringify(row.details ?? {}) })),
  );
}

/** The workspace-owned settings tables whose rows are read by id and listed by id. */
type SettingsTable = "macros" | "case_checklists" | "quick_replies";

/** One row of a workspace's settings table, or the given 404. */
export async function findInWorkspace<T extends SettingsTable>(
  db: Executor,
  table: T,
  workspaceId: string,
  id: string,
  notFound: () => AppError,
): Promise<Selectable<ConversationsTables[T]>> {
  const row = await q(db)
    .selectFrom(table as "macros")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound();
  return row as unknown as Selectable<ConversationsTables[T]>;
}

/** One page (limit+1 rows, for toPage) of a workspace's settings table, oldest first. */
export function pageOfWorkspace<T extends SettingsTable>(
  db: Executor,
  table: T,
  workspaceId: string,
  after: string | undefined,
  limit: number,
) {
  let query = q(db)
    .selectFrom(table as "macros")
    .selectAll()
    .where("workspace_id", "=", workspaceId);
  if (after) query = query.where("id", ">", after);
  return query
    .orderBy("id")
    .limit(limit + 1)
    .execute() as unknown as Promise<Selectable<ConversationsTables[T]>[]>;
}

/** Appends a case-history record by an actor (who did it), with its details. */
export function recordCaseEvent(
  db: Executor,
  actor: { workspaceId: string; type: string; id: string | null },
  caseId: string,
  action: string,
  details: Record<string, unknown> = {},
) {
  return insertCaseEvent(db, {
    workspace_id: actor.workspaceId,
    id: uuidv7(),
    case_id: caseId,
    actor_type: actor.type,
    actor_id: actor.id,
    action,
    details,
  });
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

/** Locks cases for the rest of the transaction (in id order, so two operations on the same pair never deadlock). */
export function lockCases(db: Executor, workspaceId: string, ids: string[]) {
  return q(db)
    .selectFrom("cases")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "in", ids)
    .orderBy("id")
    .forUpdate()
    .execute();
}

/**
 * Recomputes what a case derives from its messages and conversations (channels, last activity, reply window)
 * after messages or conversations moved in or out of it.
 */
export function recomputeCaseActivity(db: Executor, workspaceId: string, caseId: string) {
  return sql`
    update cases c set
      channel_ids = array(select m.channel_id from messages m
        where m.workspace_id = c.workspace_id and m.case_id = c.id and m.channel_id is not null
        group by m.channel_id order by min(m.id::text)),
      last_message_at = coalesce((select max(m.created_at) from messages m
        where m.workspace_id = c.workspace_id and m.case_id = c.id), c.created_at),
      last_inbound_at = coalesce(
        (select max(v.last_inbound_at) from conversations v where v.workspace_id = c.workspace_id and v.case_id = c.id),
        (select max(m.created_at) from messages m
          where m.workspace_id = c.workspace_id and m.case_id = c.id and m.direction = 'inbound')),
      reply_window_closes_at = (select max(v.last_inbound_at + make_interval(hours => v.reply_window_hours))
        from conversations v where v.workspace_id = c.workspace_id and v.case_id = c.id),
      updated_at = now()
    where c.workspace_id = ${workspaceId} and c.id = ${caseId}
  `.execute(db);
}
