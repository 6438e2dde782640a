import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { eventsWrite, type NewEvent } from "../../../platform/outbox.ts";
import { type ColumnTypes, insertRows, unnestRows, type Write, writeTogether } from "../../../platform/writes.ts";
import { type ChannelType, capabilitiesOf } from "../capabilities.ts";
import { messageSearchInsert } from "../message-search.ts";
import {
  type CaseRow,
  type CaseStatus,
  type ConversationsTables,
  caseEventsInsert,
  findCases,
  findInboundState,
  type NewCaseEvent,
  nextCaseNumberSql,
} from "../repository.ts";
import { plainText } from "../text.ts";

/** Days after solving during which a new customer message reopens the case instead of starting a new one. */
export const REOPEN_WITHIN_DAYS = 7;

export type InboundMessage = {
  workspaceId: string;
  channel: { id: string; type: ChannelType };
  contactId: string;
  /** The customer's id on the channel: one conversation per channel and thread. */
  externalThreadId: string;
  /** The platform's message id: the dedupe key. */
  platformMessageId: string;
  type: string;
  text?: string | undefined;
  content?: Record<string, unknown> | undefined;
  sentAt?: Date | undefined;
  /** A subject for a new case (an email's Subject); default: the first line of the text. */
  subject?: string | undefined;
};

export type Received =
  | { duplicate: true; messageId: string; caseId: string }
  | { duplicate: false; messageId: string; caseId: string; conversationId: string; caseCreated: boolean };

/**
 * Stores a customer's message in the caller's transaction: dedupe on the platform id, find or start the
 * conversation and its case (reopening a recently solved case), write the message and the outbox events.
 * The caller commits; nothing here waits on routing, AI or a channel.
 */
export async function receiveMessage(tx: Executor, input: InboundMessage): Promise<Received> {
  const [received] = await receiveMessages(tx, [input]);
  return received as Received;
}

/** A case as this batch sees it: stored or new, with what the batch changes on it. */
type CaseState = {
  id: string;
  status: CaseStatus;
  solvedAt: Date | null;
  created: boolean;
  reopened: boolean;
  touched: boolean;
  lastAt: Date;
  closesAt: Date | null;
  channelIds: string[];
};

/** A conversation this batch starts, with its columns (in the order `insertRows` writes them). */
type NewConversation = Omit<ConversationsTables["conversations"], "window_messages_sent" | "created_at">;
const CONVERSATION_COLUMNS: ColumnTypes<NewConversation> = {
  workspace_id: "uuid",
  id: "uuid",
  channel_id: "uuid",
  channel_type: "text",
  contact_id: "uuid",
  external_thread_id: "text",
  case_id: "uuid",
  last_inbound_at: "timestamptz",
  reply_window_hours: "int4",
  reply_window_max_messages: "int4",
};

/** A customer message this batch stores (`content`: JSON text). */
type NewMessage = {
  workspace_id: string;
  id: string;
  case_id: string;
  conversation_id: string;
  channel_id: string;
  direction: "inbound";
  author_type: "contact";
  author_id: string;
  type: string;
  text: string;
  content: string;
  private: boolean;
  platform_message_id: string;
  status: "received";
  created_at: Date;
};
const MESSAGE_COLUMNS: ColumnTypes<NewMessage> = {
  workspace_id: "uuid",
  id: "uuid",
  case_id: "uuid",
  conversation_id: "uuid",
  channel_id: "uuid",
  direction: "text",
  author_type: "text",
  author_id: "text",
  type: "text",
  text: "text",
  content: "jsonb",
  private: "boolean",
  platform_message_id: "text",
  status: "text",
  created_at: "timestamptz",
};

/** A thread as this batch sees it; `stored` when its conversation existed before the batch. */
type ThreadState = { conversationId: string | undefined; caseState: CaseState | undefined; stored: boolean };

/**
 * `receiveMessage` for many messages of one workspace at once (a group commit): the same outcome as storing
 * them one after the other, whatever their number in two statements (stored messages and threads with their
 * cases, then every write as one statement, see platform/writes.ts; new cases are numbered in it). `alongside`: the
 * caller's own writes (its raw payloads, …), sent in that same statement; as a function, made once the batch
 * knows each message's outcome (e.g. rows for the new messages only). Results follow the input order.
 */
export async function receiveMessages(
  tx: Executor,
  inputs: readonly InboundMessage[],
  alongside: Alongside = [],
): Promise<Received[]> {
  return receiveMessagesOf(tx, inputs, Promise.resolve(inputs.map((i) => i.contactId)), alongside);
}

/** The caller's writes sent with a batch's (see `receiveMessages`). */
export type Alongside = readonly Write[] | ((received: readonly Received[]) => readonly Write[]);

/** An inbound message whose sender is still being resolved. */
export type InboundDraft = Omit<InboundMessage, "contactId">;

/**
 * `receiveMessages` while the senders are still being resolved (`contactIds`, one per draft, in order): the
 * stored messages and threads are read meanwhile, so a batch waits for one round trip less.
 */
export async function receiveMessagesOf(
  tx: Executor,
  drafts: readonly InboundDraft[],
  contactIds: Promise<readonly string[]>,
  alongside: Alongside = [],
): Promise<Received[]> {
  const ws = drafts[0]?.workspaceId;
  if (ws === undefined) return [];
  if (drafts.some((i) => i.workspaceId !== ws)) {
    throw new AppError("internal", "batch_mixed_workspaces", "A batch of inbound messages spans several workspaces.");
  }
  const keyOf = (channelId: string, id: string) => `${channelId}\u0000${id}`;

  // Stored messages and the threads' conversations with their cases, in one statement (the threads of
  // duplicates too: cheaper than a second round trip).
  const [state, ids] = await Promise.all([
    findInboundState(
      tx,
      ws,
      drafts.map((i) => ({ channelId: i.channel.id, platformId: i.platformMessageId, threadId: i.externalThreadId })),
    ),
    contactIds,
  ]);
  const inputs: InboundMessage[] = drafts.map((d, i) => ({ ...d, contactId: ids[i] as string }));
  const seen = new Map<string, { messageId: string; caseId: string }>(
    state
      .filter((r) => r.kind === "message")
      .map((m) => [keyOf(m.channel_id, m.key), { messageId: m.id, caseId: m.case_id }]),
  );
  const rows = state.filter((r) => r.kind === "thread");
  const threads = new Map<string, ThreadState>();
  // A merged case stands for the case it was merged into (rare: read in as many hops as needed).
  const merged = rows.filter((r) => r.case_merged_into !== null).map((r) => r.case_id);
  const followed = merged.length > 0 ? await currentCases(tx, ws, merged) : new Map<string, CaseRow>();
  for (const r of rows) {
    const row = followed.get(r.case_id);
    const known: Omit<CaseState, "created" | "reopened" | "touched"> | undefined = row
      ? {
          id: row.id,
          status: row.status,
          solvedAt: row.solved_at,
          lastAt: row.last_message_at,
          closesAt: row.reply_window_closes_at,
          channelIds: row.channel_ids,
        }
      : r.case_found !== null && r.case_merged_into === null && r.case_status !== null
        ? {
            id: r.case_id,
            status: r.case_status,
            solvedAt: r.case_solved_at,
            lastAt: r.case_last_message_at ?? new Date(0),
            closesAt: r.case_reply_window_closes_at,
            channelIds: r.case_channel_ids ?? [],
          }
        : undefined;
    threads.set(keyOf(r.channel_id, r.key), {
      conversationId: r.id,
      stored: true,
      caseState: known && {
        ...known,
        channelIds: [...known.channelIds],
        created: false,
        reopened: false,
        touched: false,
      },
    });
  }

  const now = new Date();
  const newCases: { state: CaseState; contactId: string; subject: string; firstText: string; firstAt: Date }[] = [];
  const newConversations: NewConversation[] = [];
  const movedConversations = new Map<string, string>();
  const messages: NewMessage[] = [];
  const events: NewCaseEvent[] = [];
  const outbox: NewEvent[] = [];
  const results: Received[] = [];

  for (const input of inputs) {
    const key = keyOf(input.channel.id, input.platformMessageId);
    const known = seen.get(key);
    if (known) {
      results.push({ duplicate: true, ...known });
      continue;
    }
    const at = input.sentAt ?? now;
    const text = input.text ?? plainText(input.type, input.content ?? {});
    const window = capabilitiesOf(input.channel.type).replyWindow;
    const threadKey = keyOf(input.channel.id, input.externalThreadId);
    const thread = threads.get(threadKey) ?? { conversationId: undefined, caseState: undefined, stored: false };
    threads.set(threadKey, thread);

    let current = thread.caseState;
    let caseCreated = false;
    if (!current || current.status === "closed" || (current.status === "solved" && !recentlySolved(current.solvedAt))) {
      current = {
        id: uuidv7(),
        status: "open",
        solvedAt: null,
        created: true,
        reopened: false,
        touched: true,
        lastAt: at,
        closesAt: null,
        channelIds: [],
      };
      newCases.push({
        state: current,
        contactId: input.contactId,
        subject: subjectOf(input.subject?.trim() || text),
        firstText: text,
        firstAt: at,
      });
      events.push(caseEvent(ws, current.id, input.contactId, "case.created"));
      caseCreated = true;
    } else if (current.status === "solved") {
      current.status = "open";
      current.reopened = true;
      events.push(
        caseEvent(ws, current.id, input.contactId, "case.reopened", {
          reason: `new customer message within ${REOPEN_WITHIN_DAYS} days of solving`,
        }),
      );
    }
    const caseState = current;
    caseState.touched = true;
    if (at > caseState.lastAt) caseState.lastAt = at;
    caseState.closesAt = window ? new Date(now.getTime() + window.hours * 3600_000) : null;
    if (!caseState.channelIds.includes(input.channel.id)) caseState.channelIds.push(input.channel.id);

    let conversationId = thread.conversationId;
    if (!conversationId) {
      conversationId = uuidv7();
      newConversations.push({
        workspace_id: ws,
        id: conversationId,
        channel_id: input.channel.id,
        channel_type: input.channel.type,
        contact_id: input.contactId,
        external_thread_id: input.externalThreadId,
        case_id: caseState.id,
        last_inbound_at: now,
        reply_window_hours: window?.hours ?? null,
        reply_window_max_messages: window?.maxMessages ?? null,
      });
    } else if (thread.stored) {
      // A conversation started in this batch keeps the open case it started with.
      movedConversations.set(conversationId, caseState.id);
    }
    thread.conversationId = conversationId;
    thread.caseState = caseState;

    const messageId = uuidv7();
    messages.push({
      workspace_id: ws,
      id: messageId,
      case_id: caseState.id,
      conversation_id: conversationId,
      channel_id: input.channel.id,
      direction: "inbound",
      author_type: "contact",
      author_id: input.contactId,
      type: input.type,
      text,
      content: JSON.stringify(input.content ?? { text }),
      private: false,
      platform_message_id: input.platformMessageId,
      status: "received",
      created_at: at,
    });
    seen.set(key, { messageId, caseId: caseState.id });
    const ids = { caseId: caseState.id, messageId, conversationId, contactId: input.contactId };
    outbox.push(
      { workspaceId: ws, type: caseCreated ? "case.created" : "case.updated", payload: { caseId: caseState.id } },
      { workspaceId: ws, type: "message.created", payload: { ...ids, direction: "inbound" } },
    );
    results.push({ duplicate: false, messageId, caseId: caseState.id, conversationId, caseCreated });
  }
  const own = typeof alongside === "function" ? alongside(results) : alongside;
  if (messages.length === 0) {
    await writeTogether(tx, own);
    return results;
  }

  // Every write is present whatever the batch holds (zero rows included), its rows passed as arrays: the
  // combined statement has one text, prepared once per connection (platform/writes.ts).
  const number = await nextCaseNumberSql(tx, ws);
  const cases = unnestRows(
    {
      id: "uuid",
      subject: "text",
      contact_id: "uuid",
      channel_ids: "uuid[]",
      closes_at: "timestamptz",
      first_text: "text",
      created_at: "timestamptz",
      last_message_at: "timestamptz",
    },
    newCases.map(({ state, contactId, subject, firstText, firstAt }) => ({
      id: state.id,
      subject,
      contact_id: contactId,
      channel_ids: state.channelIds,
      closes_at: state.closesAt,
      first_text: firstText.slice(0, 2000),
      created_at: firstAt,
      last_message_at: state.lastAt,
    })),
  );
  const updated = [...new Set([...threads.values()].map((t) => t.caseState))].filter(
    (c): c is CaseState => c?.touched === true && !c.created,
  );
  const caseChanges = unnestRows(
    { id: "uuid", at: "timestamptz", closes_at: "timestamptz", channel_ids: "uuid[]", reopened: "boolean" },
    updated.map((c) => ({
      id: c.id,
      at: c.lastAt,
      closes_at: c.closesAt,
      channel_ids: c.channelIds,
      reopened: c.reopened,
    })),
  );
  const moved = unnestRows(
    { id: "uuid", case_id: "uuid" },
    [...movedConversations].map(([id, caseId]) => ({ id, case_id: caseId })),
  );
  const writes: Write[] = [
    ...own,
    {
      fixed: true,
      // Searchable by its subject and first message; tags are added when they change.
      statement: sql`
        insert into cases (workspace_id, id, number, subject, contact_id, channel_ids, reply_window_closes_at,
          last_inbound_at, search, created_at, last_message_at)
        select ${ws}::uuid, v.id, ${number}, v.subject, v.contact_id, v.channel_ids, v.closes_at, ${now}::timestamptz,
          to_tsvector('simple', v.subject || ' ' || v.first_text), v.created_at, v.last_message_at
        from ${cases} as v`,
    },
    { fixed: true, statement: insertRows("conversations", CONVERSATION_COLUMNS, newConversations) },
    {
      fixed: true,
      statement: sql`
        update conversations c set case_id = v.case_id, last_inbound_at = ${now}::timestamptz, window_messages_sent = 0
        from ${moved} as v
        where c.workspace_id = ${ws}::uuid and c.id = v.id`,
    },
    { fixed: true, statement: insertRows("messages", MESSAGE_COLUMNS, messages) },
    {
      fixed: true,
      statement: messageSearchInsert(
        ws,
        messages.map((m) => ({ id: m.id, type: m.type, text: m.text })),
      ),
    },
    {
      fixed: true,
      statement: sql`
        update cases c set
          last_message_at = greatest(c.last_message_at, v.at),
          last_inbound_at = ${now}::timestamptz,
          reply_window_closes_at = v.closes_at,
          updated_at = ${now}::timestamptz,
          channel_ids = c.channel_ids || array(select x from unnest(v.channel_ids) x where x <> all(c.channel_ids)),
          status = case when v.reopened then 'open' else c.status end,
          reopened_at = case when v.reopened then ${now}::timestamptz else c.reopened_at end,
          solved_at = case when v.reopened then null else c.solved_at end,
          custom_status_id = case when v.reopened then null else c.custom_status_id end
        from ${caseChanges} as v
        where c.workspace_id = ${ws}::uuid and c.id = v.id`,
    },
    { fixed: true, statement: caseEventsInsert(events) },
    eventsWrite(tx, outbox).write,
  ];

  try {
    await writeTogether(tx, writes);
  } catch (err) {
    // A concurrent batch started one of these threads or stored one of these messages first: the statement
    // failed as a whole (nothing of it is stored), and the retry finds their rows.
    if (isUniqueViolation(err, ["messages", "conversations"])) throw new DuplicateRace();
    throw err;
  }
  return results;
}

function caseEvent(
  ws: string,
  caseId: string,
  contactId: string,
  action: string,
  details?: Record<string, unknown>,
): NewCaseEvent {
  return {
    workspace_id: ws,
    id: uuidv7(),
    case_id: caseId,
    actor_type: "contact",
    actor_id: contactId,
    action,
    ...(details ? { details } : {}),
  };
}

/** A unique violation on one of these tables (PostgreSQL and PGlite report the table with the error). */
function isUniqueViolation(err: unknown, tables: readonly string[]): boolean {
  const e = err as { code?: unknown; table?: unknown } | null;
  return e?.code === "23505" && (typeof e.table !== "string" || tables.includes(e.table));
}

/**
 * Thrown when a concurrent transaction stored the same platform message (or started the same thread) first;
 * retry to get `duplicate` (or to join the thread).
 */
export class DuplicateRace extends Error {
  constructor() {
    super("The same platform message was stored concurrently.");
  }
}

/**
 * Runs a store (its own transaction) and, when another transaction stored the same message at the same moment,
 * runs it once more: the second run sees the message as a duplicate.
 */
export async function retryOnDuplicateRace<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DuplicateRace) return run();
    throw err;
  }
}

/** The cases of these ids, a merged case standing for the case it was merged into (in as many hops as needed). */
async function currentCases(tx: Executor, ws: string, ids: readonly string[]): Promise<Map<string, CaseRow>> {
  const byId = new Map<string, CaseRow>();
  let wanted = [...new Set(ids)];
  for (let hops = 0; wanted.length > 0 && hops < 10; hops++) {
    for (const row of await findCases(tx, ws, wanted)) byId.set(row.id, row);
    wanted = [...byId.values()].flatMap((r) => (r.merged_into && !byId.has(r.merged_into) ? [r.merged_into] : []));
  }
  const resolve = (id: string): CaseRow | undefined => {
    let row = byId.get(id);
    for (let hops = 0; row?.merged_into && hops < 10; hops++) row = byId.get(row.merged_into);
    return row;
  };
  return new Map(ids.map((id) => [id, resolve(id)]).filter((e): e is [string, CaseRow] => e[1] !== undefined));
}

function recentlySolved(solvedAt: Date | null): boolean {
  return solvedAt !== null && Date.now() - solvedAt.getTime() <= REOPEN_WITHIN_DAYS * 86_400_000;
}

/** A case subject from a text: its first non-empty line, at most 120 characters. */
export function subjectOf(text: string): string {
  const line = text.split("\n").find((l) => l.trim()) ?? "";
  const trimmed = line.trim();
  return trimmed.length > 120 ? `${trimmed.slice(0, 119)}…` : trimmed || "(no text)";
}
