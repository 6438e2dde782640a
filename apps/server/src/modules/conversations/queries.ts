import { type Expression, expressionBuilder, type RawBuilder, type Selectable, type SqlBool, sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { emitEvent } from "../../platform/outbox.ts";
import { capabilitiesOf } from "./capabilities.ts";
import {
  type CaseStatus,
  type ConversationRow,
  type ConversationsTables,
  type MessageStatus,
  type Priority,
  q,
} from "./repository.ts";

export type CaseFilters = {
  status?: CaseStatus[] | undefined;
  priority?: Priority[] | undefined;
  /** A user id, `none` (unassigned); resolve `me` before calling. */
  assigneeId?: string | undefined;
  teamId?: string | undefined;
  /** Cases of any of these teams (an empty list matches nothing): "my teams" resolved by the caller. */
  teamIds?: string[] | undefined;
  tag?: string | undefined;
  channelId?: string | undefined;
  contactId?: string | undefined;
  /** Words of the subject, tags or first message; any substring of the subject (Chinese included). */
  q?: string | undefined;
  slaState?: ("ok" | "warning" | "breached")[] | undefined;
  /** Cases carrying one of the workspace's custom statuses. */
  customStatusId?: string | undefined;
  /** Cases whose internal notes @mention this member. */
  mentionedUserId?: string | undefined;
  /** Cases whose reply window is still open and closes within this many minutes. */
  windowClosingWithin?: number | undefined;
  sort?: CaseSort | undefined;
};

/** The orders of the case list; each has one numeric key (ms-based) and a direction, so keyset pages stay exact. */
export const CASE_SORTS = ["recent", "newest", "oldest", "priority", "slaDue", "replyWindow"] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

const CURSOR = /^(\d+)\|([0-9a-f-]{36})$/;

/** The channel type of the conversation a case (`cases as c`) last heard from: where replies go. */
const replyChannelType = sql<string | null>`(select v.channel_type from conversations v
  where v.workspace_id = c.workspace_id and v.case_id = c.id order by v.last_inbound_at desc nulls last limit 1)`;
const replyChannelId = sql<string | null>`(select v.channel_id from conversations v
  where v.workspace_id = c.workspace_id and v.case_id = c.id order by v.last_inbound_at desc nulls last limit 1)`;

export type CaseCursor = { sortKey: number; id: string };

/** The position a case-list cursor (`<sort key ms>|<id>`) names, or undefined when the key is not one. */
export function parseCaseCursor(key: string): CaseCursor | undefined {
  const m = CURSOR.exec(key);
  return m?.[1] && m[2] ? { sortKey: Number(m[1]), id: m[2] } : undefined;
}

const ms = (column: string) => sql<number>`(extract(epoch from ${sql.ref(column)}) * 1000)::bigint`;
/** Beyond every real time in ms (and below 2^53, so exact in JavaScript): cases without the time sort last. */
const LAST = 9e15;
/** Ten trillion ms (year 2286): the priority key is rank × SPAN + (SPAN − activity ms), newest first in a rank. */
const SPAN = 10_000_000_000_000;

type SortSpec = {
  /** The key a cursor carries (an exact integer). */
  key: RawBuilder<number>;
  direction: "asc" | "desc";
  /** What the rows are ordered by, the id last: a plain column lets an index give the order. */
  orderBy: RawBuilder<unknown>[];
  /** The rows after a cursor's position, in this order. */
  after: (cursor: CaseCursor, op: RawBuilder<unknown>) => RawBuilder<SqlBool>;
};

/** A computed key: ordered and compared as the key itself. */
const computed = (key: RawBuilder<number>, direction: "asc" | "desc"): SortSpec => ({
  key,
  direction,
  orderBy: [key, sql.ref("id")],
  after: (c, op) => sql<SqlBool>`(${key}, id) ${op} (${c.sortKey}, ${c.id}::uuid)`,
});

/**
 * Each order's key and direction; ties break on the id in the same direction. Latest activity orders by the
 * column itself (the inbox indexes serve it) with the time in µs in the cursor (exact: below 2^53); newest and
 * oldest order by the id (UUIDv7: creation order), which the primary key serves.
 */
const SORTS: Record<CaseSort, SortSpec> = {
  recent: {
    key: sql<number>`(extract(epoch from last_message_at) * 1000000)::bigint`,
    direction: "desc",
    orderBy: [sql.ref("last_message_at"), sql.ref("id")],
    after: (c, op) =>
      sql<SqlBool>`(last_message_at, id) ${op} (timestamptz 'epoch' + ${c.sortKey}::bigint * interval '1 microsecond', ${c.id}::uuid)`,
  },
  newest: {
    key: sql<number>`0`,
    direction: "desc",
    orderBy: [sql.ref("id")],
    after: (c, op) => sql<SqlBool>`id ${op} ${c.id}::uuid`,
  },
  oldest: {
    key: sql<number>`0`,
    direction: "asc",
    orderBy: [sql.ref("id")],
    after: (c, op) => sql<SqlBool>`id ${op} ${c.id}::uuid`,
  },
  priority: computed(
    sql<number>`((case priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end)::bigint
      * ${SPAN}::bigint + (${SPAN}::bigint - ${ms("last_message_at")}))`,
    "asc",
  ),
  slaDue: computed(sql<number>`coalesce(${ms("sla_due_at")}, ${LAST}::bigint)`, "asc"),
  replyWindow: computed(sql<number>`coalesce(${ms("reply_window_closes_at")}, ${LAST}::bigint)`, "asc"),
};

/** The WHERE condition of a case filter (merged cases excluded), for the list and for the counts. */
export function caseCondition(ws: string, f: CaseFilters): Expression<SqlBool> {
  const eb = expressionBuilder<ConversationsTables, "cases">();
  const all: Expression<SqlBool>[] = [eb("workspace_id", "=", ws), eb("merged_into", "is", null)];
  if (f.status?.length) all.push(eb("status", "in", f.status));
  if (f.priority?.length) all.push(eb("priority", "in", f.priority));
  if (f.assigneeId === "none") all.push(eb("assignee_id", "is", null));
  else if (f.assigneeId) all.push(eb("assignee_id", "=", f.assigneeId));
  if (f.teamId) all.push(eb("team_id", "=", f.teamId));
  if (f.teamIds) all.push(f.teamIds.length ? eb("team_id", "in", f.teamIds) : sql<SqlBool>`false`);
  if (f.tag) all.push(sql<SqlBool>`${f.tag.toLowerCase()} = any(tags)`);
  if (f.channelId) all.push(sql<SqlBool>`${f.channelId}::uuid = any(channel_ids)`);
  if (f.contactId) all.push(eb("contact_id", "=", f.contactId));
  if (f.slaState?.length) all.push(eb("sla_state", "in", f.slaState));
  if (f.customStatusId) all.push(eb("custom_status_id", "=", f.customStatusId));
  if (f.mentionedUserId) {
    all.push(
      sql<SqlBool>`exists (select 1 from mentions m where m.workspace_id = cases.workspace_id and m.case_id = cases.id and m.user_id = ${f.mentionedUserId}::uuid)`,
    );
  }
  if (f.windowClosingWithin) {
    all.push(sql<SqlBool>`reply_window_closes_at > now()
      and reply_window_closes_at <= now() + make_interval(mins => ${f.windowClosingWithin}::int)`);
  }
  if (f.q?.trim()) {
    const text = f.q.trim();
    all.push(
      eb.or([
        eb(sql`search`, "@@", sql`plainto_tsquery('simple', ${text})`),
        eb("subject", "ilike", `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
        ...(/^\d+$/.test(text) ? [eb("number", "=", Number(text))] : []),
      ]),
    );
  }
  return eb.and(all);
}

/** Every column of a case but its search words; a column added to `cases` must be added here (the type says so). */
const LIST_COLUMNS = [
  "workspace_id",
  "id",
  "number",
  "subject",
  "status",
  "priority",
  "contact_id",
  "assignee_id",
  "team_id",
  "tags",
  "channel_ids",
  "reply_window_closes_at",
  "last_message_at",
  "last_inbound_at",
  "first_response_at",
  "created_at",
  "updated_at",
  "solved_at",
  "reopened_at",
  "merged_into",
  "sla_state",
  "sla_due_at",
  "sla",
  "custom_status_id",
  "custom_fields",
  "control",
  "handover",
] as const satisfies readonly Exclude<keyof ConversationsTables["cases"], "search">[];

/** One page of a workspace's cases (limit+1 rows, for toPage), after the cursor's position. */
export async function listCases(
  db: Executor,
  ws: string,
  f: CaseFilters,
  after: CaseCursor | undefined,
  limit: number,
) {
  const sort = SORTS[f.sort ?? "recent"];
  let query = q(db)
    .selectFrom("cases")
    .select(LIST_COLUMNS)
    // The search words (a tsvector of the subject and first message) are never shown: not read.
    .select(sql<unknown>`null`.as("search"))
    .where(caseCondition(ws, f));
  if (after) query = query.where(sort.after(after, sql.raw(sort.direction === "asc" ? ">" : "<")));
  for (const expression of sort.orderBy) query = query.orderBy(expression, sort.direction);
  return query
    .select(sort.key.as("sort_key"))
    .limit(limit + 1)
    .execute();
}

/** How many cases match each of several filters, in one query (`counts[key]`). */
export async function countCases(db: Executor, ws: string, filters: Record<string, CaseFilters>) {
  const keys = Object.keys(filters);
  if (keys.length === 0) return {};
  const row = await q(db)
    .selectFrom("cases")
    .where("workspace_id", "=", ws)
    .where("merged_into", "is", null)
    .select(
      keys.map((k, i) =>
        sql<number>`(count(*) filter (where ${caseCondition(ws, filters[k] ?? {})}))::int`.as(`c${i}`),
      ),
    )
    .executeTakeFirstOrThrow();
  const counts = row as Record<string, number>;
  return Object.fromEntries(keys.map((k, i) => [k, counts[`c${i}`] ?? 0]));
}

/** One page of a case's messages or history, oldest first (limit+1 rows); the cursor is the last row's id. */
function pageOfCase<T extends "messages" | "case_events">(
  table: T,
  db: Executor,
  ws: string,
  caseId: string,
  after: string | undefined,
  limit: number,
) {
  const t = table as "messages";
  let query = q(db)
    .selectFrom(t)
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .orderBy("id")
    .limit(limit + 1);
  if (after) query = query.where("id", ">", after);
  return query.execute() as Promise<Selectable<ConversationsTables[T]>[]>;
}

/** One page of a case's messages, oldest first. */
export const listMessages = (db: Executor, ws: string, caseId: string, after: string | undefined, limit: number) =>
  pageOfCase("messages", db, ws, caseId, after, limit);

/** The last customer message of a case (inbound, not private). */
export const lastInboundMessage = (db: Executor, ws: string, caseId: string) =>
  q(db)
    .selectFrom("messages")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .where("direction", "=", "inbound")
    .where("private", "=", false)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();

/**
 * In one query, for each customer message (by id): its text and the first reply an agent wrote after it in its
 * case, before the customer's next message (bots, notes and empty messages skipped). Messages without one are absent.
 */
export async function agentRepliesAfter(db: Executor, ws: string, messageIds: string[]) {
  if (!messageIds.length) return [];
  const { rows } = await sql<{
    after_id: string;
    after_text: string;
    id: string;
    case_id: string;
    text: string;
    created_at: Date | string;
  }>`
    select s.id as after_id, s.text as after_text, r.id, r.case_id, r.text, r.created_at
    from messages s
    cross join lateral (
      select m.id, m.case_id, m.text, m.direction, m.created_at from messages m
      where m.workspace_id = s.workspace_id and m.case_id = s.case_id and m.id > s.id
        and (m.direction = 'inbound' or (not m.private and m.author_type in ('user', 'token') and btrim(m.text) <> ''))
      order by m.id
      limit 1
    ) r
    where s.workspace_id = ${ws}::uuid and s.id = any(${messageIds}::uuid[]) and r.direction = 'outbound'
  `.execute(db);
  return rows;
}

/** The conversations of a case (one per channel thread), the one the customer wrote on last first. */
export const listCaseConversations = (db: Executor, ws: string, caseId: string) =>
  q(db)
    .selectFrom("conversations")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .orderBy("last_inbound_at", (o) => o.desc().nullsLast())
    .limit(100)
    .execute();

/**
 * The contact's latest conversation on each channel the case has none on (replies there move the thread into
 * the case, see sendReply), with the number and status of the case the thread is in now.
 */
export async function listOtherContactConversations(db: Executor, ws: string, caseId: string, contactId: string) {
  const { rows } = await sql<ConversationRow & { case_number: number; case_status: CaseStatus }>`
    select distinct on (v.channel_id) v.*, c.number as case_number, c.status as case_status
    from conversations v
    join cases c on c.workspace_id = v.workspace_id and c.id = v.case_id
    where v.workspace_id = ${ws}::uuid and v.contact_id = ${contactId}::uuid and v.case_id <> ${caseId}::uuid
      and v.channel_id not in (
        select channel_id from conversations where workspace_id = ${ws}::uuid and case_id = ${caseId}::uuid)
    order by v.channel_id, v.last_inbound_at desc nulls last
  `.execute(db);
  return rows;
}

/** One page of a case's history, oldest first. */
export const listCaseEvents = (db: Executor, ws: string, caseId: string, after: string | undefined, limit: number) =>
  pageOfCase("case_events", db, ws, caseId, after, limit);

/** The statuses a channel reports (approval states are set by approveReply / rejectReply only). */
type DeliveryStatus = Exclude<MessageStatus, "pending_approval" | "rejected">;

/** Records a delivery outcome reported by a channel (and emits `message.status`); false when unknown or not newer. */
export async function setMessageStatus(
  db: Executor,
  ws: string,
  messageId: string,
  update: { status: DeliveryStatus; platformMessageId?: string | undefined; error?: string | null | undefined },
): Promise<boolean> {
  const rank: Record<DeliveryStatus, number> = { received: 0, queued: 0, failed: 1, sent: 2, delivered: 3, read: 4 };
  const result = await q(db)
    .updateTable("messages")
    .set({
      status: update.status,
      ...(update.platformMessageId ? { platform_message_id: update.platformMessageId } : {}),
      ...(update.error !== undefined ? { error: update.error } : {}),
      ...(update.status === "sent" ? { sent_at: new Date() } : {}),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", messageId)
    // Receipts arrive out of order: never move a message backwards (read stays read). A failure reported
    // after the send (an email bounce) still marks a sent message failed.
    .where(
      update.status === "failed"
        ? sql<boolean>`status in ('received', 'queued', 'sent')`
        : sql<boolean>`(case status when 'received' then 0 when 'queued' then 0 when 'failed' then 1 when 'sent' then 2 when 'delivered' then 3 else 4 end) < ${rank[update.status]}`,
    )
    .returning("case_id")
    .executeTakeFirst();
  if (!result) return false;
  await emitEvent(db, {
    workspaceId: ws,
    type: "message.status",
    payload: { caseId: result.case_id, messageId, status: update.status },
  });
  return true;
}

/** Unsolved cases held by each assignee, per channel type (routing's load), in one query. */
export function openLoadByAssignee(db: Executor, ws: string) {
  return q(db)
    .selectFrom("cases as c")
    .innerJoin("conversations as v", (j) =>
      j.onRef("v.workspace_id", "=", "c.workspace_id").onRef("v.case_id", "=", "c.id"),
    )
    .select(["c.assignee_id", "v.channel_type", sql<number>`count(distinct c.id)::int`.as("cases")])
    .where("c.workspace_id", "=", ws)
    .where("c.assignee_id", "is not", null)
    .where("c.status", "in", ["open", "pending", "on-hold"])
    .where("c.merged_into", "is", null)
    .groupBy(["c.assignee_id", "v.channel_type"])
    .execute();
}

/** What routing needs to know about a case: priority, team, channel type, and the contact's last agent. */
export async function routingSnapshot(db: Executor, ws: string, caseId: string) {
  const c = await q(db)
    .selectFrom("cases as c")
    .select(["c.id", "c.priority", "c.team_id", "c.assignee_id", "c.contact_id", "c.status", "c.merged_into"])
    .select(replyChannelType.as("channel_type"))
    .where("c.workspace_id", "=", ws)
    .where("c.id", "=", caseId)
    .executeTakeFirst();
  if (!c) return undefined;
  const previous = await q(db)
    .selectFrom("cases")
    .select("assignee_id")
    .where("workspace_id", "=", ws)
    .where("contact_id", "=", c.contact_id)
    .where("id", "!=", caseId)
    .where("assignee_id", "is not", null)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return { ...c, channelType: c.channel_type ?? "api", lastAgentId: previous?.assignee_id ?? null };
}

/** What SLA clocks need: creation, status and priority history, and who wrote when (one case, three queries). */
export async function slaHistory(db: Executor, ws: string, caseId: string) {
  const c = await q(db)
    .selectFrom("cases")
    .select(["created_at", "priority", "status", "sla_state", "merged_into"])
    .where("workspace_id", "=", ws)
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!c) return undefined;
  const [changes, messages] = await Promise.all([
    q(db)
      .selectFrom("case_events")
      .select(["action", "details", "created_at"])
      .where("workspace_id", "=", ws)
      .where("case_id", "=", caseId)
      .where("action", "in", ["case.updated", "case.reopened"])
      .orderBy("id")
      .execute(),
    q(db)
      .selectFrom("messages")
      .select(["direction", "author_type", "private", "created_at"])
      .where("workspace_id", "=", ws)
      .where("case_id", "=", caseId)
      .orderBy("id")
      .execute(),
  ]);
  return { case: c, changes, messages };
}

/** Stores a case's SLA state (routing's clocks), and emits `case.updated` when the state changed. */
export async function setCaseSla(
  db: Executor,
  ws: string,
  caseId: string,
  sla: { state: "ok" | "warning" | "breached" | null; dueAt: Date | null; detail: unknown },
): Promise<{ changedFrom: string | null } | undefined> {
  const before = await q(db)
    .selectFrom("cases")
    .select("sla_state")
    .where("workspace_id", "=", ws)
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!before) return undefined;
  await q(db)
    .updateTable("cases")
    .set({ sla_state: sla.state, sla_due_at: sla.dueAt, sla: JSON.stringify(sla.detail) })
    .where("workspace_id", "=", ws)
    .where("id", "=", caseId)
    .execute();
  if (before.sla_state === sla.state) return { changedFrom: before.sla_state };
  await emitEvent(db, { workspaceId: ws, type: "case.updated", payload: { caseId, changed: ["sla"] } });
  return { changedFrom: before.sla_state };
}

/** What automation rules look at for a case (and one of its messages): text, type, channel, case fields. */
export async function automationFacts(db: Executor, ws: string, caseId: string, messageId?: string) {
  const c = await q(db)
    .selectFrom("cases as c")
    .select([
      "c.priority",
      "c.status",
      "c.tags",
      "c.merged_into",
      "c.contact_id",
      "c.team_id",
      "c.assignee_id",
      "c.custom_fields",
      "c.last_message_at",
      "c.last_inbound_at",
      "c.reply_window_closes_at",
    ])
    .select(replyChannelType.as("channel_type"))
    .select(replyChannelId.as("channel_id"))
    .select(
      sql<string | null>`(select v.external_thread_id from conversations v where v.workspace_id = c.workspace_id
        and v.case_id = c.id order by v.last_inbound_at desc nulls last limit 1)`.as("thread_id"),
    )
    .select(
      sql<number>`(select count(*)::int from messages m where m.workspace_id = c.workspace_id and m.case_id = c.id
        and m.direction = 'inbound')`.as("inbound"),
    )
    .select(
      sql<boolean>`exists (select 1 from case_events e where e.workspace_id = c.workspace_id and e.case_id = c.id
        and e.action = 'case.created' and e.actor_type = 'bot')`.as("created_by_rule"),
    )
    .where("c.workspace_id", "=", ws)
    .where("c.id", "=", caseId)
    .executeTakeFirst();
  if (!c || c.merged_into) return undefined;
  const message = messageId
    ? await q(db)
        .selectFrom("messages")
        .select(["text", "type"])
        .where("workspace_id", "=", ws)
        .where("id", "=", messageId)
        .executeTakeFirst()
    : undefined;
  const now = Date.now();
  const hoursSince = (d: Date | null) => (d ? (now - d.getTime()) / 3_600_000 : undefined);
  const windowHours = capabilitiesOf(c.channel_type ?? "api").replyWindow?.hours;
  const closesAt =
    c.reply_window_closes_at ??
    (windowHours && c.last_inbound_at ? new Date(c.last_inbound_at.getTime() + windowHours * 3_600_000) : null);
  return {
    message: message ? { text: message.text, type: message.type } : undefined,
    channelType: c.channel_type ?? "api",
    channelId: c.channel_id ?? undefined,
    /** The customer's id on that channel (a WeChat OpenID), for template messages. */
    externalThreadId: c.thread_id ?? undefined,
    contactId: c.contact_id,
    /** The case was opened by an automation rule (a follow-up): it gets no rule-made follow-up itself. */
    createdByRule: Boolean(c.created_by_rule),
    case: {
      priority: c.priority,
      status: c.status,
      tags: c.tags,
      isNew: c.inbound <= 1,
      teamId: c.team_id,
      assigneeId: c.assignee_id,
      fields: c.custom_fields,
      hoursSinceLastMessage: hoursSince(c.last_message_at),
      hoursSinceLastCustomerMessage: hoursSince(c.last_inbound_at),
      replyWindow: (!windowHours && !c.reply_window_closes_at
        ? "none"
        : closesAt && closesAt.getTime() > now
          ? "open"
          : "closed") as "open" | "closed" | "none",
    },
  };
}

/**
 * A lateral subquery for another module's statement: the customer message (inbound, not private) with this id as
 * `id, case_id, text`, or no row (an agent's message, a note, an unknown id).
 */
export function customerMessageText(
  ws: string,
  messageId: Expression<string>,
): RawBuilder<{ id: string; case_id: string; text: string }> {
  return sql`(select m.id, m.case_id, m.text from messages m
    where m.workspace_id = ${ws}::uuid and m.id = ${messageId} and m.direction = 'inbound' and not m.private)`;
}

/** The most recent case of a contact (merged cases excluded), for rules on contact events; undefined when none. */
export async function latestCaseOfContact(db: Executor, ws: string, contactId: string) {
  const row = await q(db)
    .selectFrom("cases")
    .select("id")
    .where("workspace_id", "=", ws)
    .where("contact_id", "=", contactId)
    .where("merged_into", "is", null)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** The latest cases with their first customer message, newest first (rule dry-runs). */
export function recentCasesWithFirstMessage(db: Executor, ws: string, limit: number) {
  return q(db)
    .selectFrom("cases as c")
    .select([
      "c.id",
      "c.priority",
      "c.status",
      "c.tags",
      "c.number",
      "c.subject",
      "c.contact_id",
      "c.team_id",
      "c.assignee_id",
      "c.custom_fields",
      "c.created_at",
      "c.last_message_at",
      "c.last_inbound_at",
      replyChannelId.as("channel_id"),
      sql<string | null>`(select m.text from messages m where m.workspace_id = c.workspace_id and m.case_id = c.id
        and m.direction = 'inbound' order by m.id limit 1)`.as("first_text"),
      sql<string | null>`(select m.type from messages m where m.workspace_id = c.workspace_id and m.case_id = c.id
        and m.direction = 'inbound' order by m.id limit 1)`.as("first_type"),
      replyChannelType.as("channel_type"),
    ])
    .where("c.workspace_id", "=", ws)
    .where("c.merged_into", "is", null)
    .orderBy("c.created_at", "desc")
    .limit(limit)
    .execute();
}

const UNSOLVED = ["open", "pending", "on-hold"] as const;

/** The smallest UUIDv7 of an instant: ids (time-ordered) at or after it sort at or after this one. */
function uuidv7Floor(at: Date): string {
  const hex = at.getTime().toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/**
 * The case side of a wallboard: queues per team and per channel (waiting = open and unassigned, waiting
 * since the case opened or reopened), SLA at risk and breached, the longest waiting cases (of one team or
 * channel when asked), and the volumes
 * and first response times since `since` with hourly buckets. A handful of aggregate queries.
 */
export async function wallboardCaseStats(
  db: Executor,
  ws: string,
  since: Date,
  lists: { teamId?: string | undefined; channelId?: string | undefined; limit?: number } = {},
) {
  const listLimit = lists.limit ?? 20;
  const base = q(db)
    .selectFrom("cases as c")
    .where("c.workspace_id", "=", ws)
    .where("c.merged_into", "is", null)
    .where("c.status", "in", UNSOLVED);
  const waitingSince = sql<Date>`coalesce(c.reopened_at, c.created_at)`;
  const isWaiting = sql<boolean>`c.status = 'open' and c.assignee_id is null`;
  const queueColumns = [
    sql<number>`count(*)::int`.as("open"),
    sql<number>`(count(*) filter (where ${isWaiting}))::int`.as("waiting"),
    sql<Date | null>`min(${waitingSince}) filter (where ${isWaiting})`.as("oldest_waiting_since"),
    sql<number>`(count(*) filter (where c.sla_state = 'warning'))::int`.as("sla_at_risk"),
    sql<number>`(count(*) filter (where c.sla_state = 'breached'))::int`.as("sla_breached"),
  ] as const;
  const caseColumns = [
    "c.id",
    "c.number",
    "c.subject",
    "c.priority",
    "c.status",
    "c.assignee_id",
    "c.team_id",
    "c.channel_ids",
    "c.sla_state",
    "c.sla_due_at",
    waitingSince.as("waiting_since"),
  ] as const;
  // The case lists (not the counts) narrow to one team's or one channel's queue when asked.
  let listed = base;
  if (lists.teamId) listed = listed.where("c.team_id", "=", lists.teamId);
  if (lists.channelId) listed = listed.where(sql<boolean>`${lists.channelId}::uuid = any(c.channel_ids)`);
  const sinceId = uuidv7Floor(since);
  const [totals, byTeam, byChannel, waiting, sla, today, messages, hourly] = await Promise.all([
    base.select(queueColumns).executeTakeFirstOrThrow(),
    base.select("c.team_id").select(queueColumns).groupBy("c.team_id").execute(),
    base
      .innerJoin(sql<{ channel_id: string }>`unnest(c.channel_ids)`.as("ch"), (j) => j.onTrue())
      .select(sql<string>`ch.ch`.as("channel_id"))
      .select(queueColumns)
      .groupBy(sql`ch.ch`)
      .execute(),
    listed.where(isWaiting).select(caseColumns).orderBy(waitingSince).orderBy("c.id").limit(listLimit).execute(),
    listed
      .where("c.sla_state", "in", ["warning", "breached"])
      .select(caseColumns)
      .orderBy(sql`case c.sla_state when 'breached' then 0 else 1 end`)
      .orderBy(sql`c.sla_due_at asc nulls last`)
      .limit(listLimit)
      .execute(),
    q(db)
      .selectFrom("cases as c")
      .where("c.workspace_id", "=", ws)
      .where("c.merged_into", "is", null)
      .where((eb) =>
        eb.or([
          eb("c.created_at", ">=", since),
          eb("c.solved_at", ">=", since),
          eb("c.first_response_at", ">=", since),
        ]),
      )
      .select([
        sql<number>`(count(*) filter (where c.created_at >= ${since}))::int`.as("created"),
        sql<number>`(count(*) filter (where c.solved_at >= ${since}))::int`.as("solved"),
        sql<number>`(count(*) filter (where c.first_response_at >= ${since}))::int`.as("responded"),
        sql<number | null>`avg(extract(epoch from c.first_response_at - c.created_at))
          filter (where c.first_response_at >= ${since})`.as("first_response_avg"),
        sql<
          number | null
        >`percentile_cont(0.5) within group (order by extract(epoch from c.first_response_at - c.created_at))
          filter (where c.first_response_at >= ${since})`.as("first_response_median"),
      ])
      .executeTakeFirstOrThrow(),
    q(db)
      .selectFrom("messages as m")
      .where("m.workspace_id", "=", ws)
      .where("m.id", ">=", sinceId)
      .where("m.private", "=", false)
      .select([
        sql<number>`(count(*) filter (where m.direction = 'inbound'))::int`.as("inbound"),
        sql<number>`(count(*) filter (where m.direction = 'outbound'))::int`.as("outbound"),
      ])
      .executeTakeFirstOrThrow(),
    sql<{ hour: Date; created: number; solved: number }>`
      select hour, sum(created)::int as created, sum(solved)::int as solved from (
        select date_trunc('hour', created_at) as hour, 1 as created, 0 as solved from cases
          where workspace_id = ${ws} and merged_into is null and created_at >= ${since}
        union all
        select date_trunc('hour', solved_at), 0, 1 from cases
          where workspace_id = ${ws} and merged_into is null and solved_at >= ${since}
      ) t group by hour order by hour`.execute(db),
  ]);
  return { totals, byTeam, byChannel, waiting, sla, today: { ...today, ...messages }, hourly: hourly.rows };
}
