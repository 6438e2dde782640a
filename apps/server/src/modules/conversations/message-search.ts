/**
 * Message search: every message's words (Chinese as character n-grams, see platform/search-text.ts) in
 * `message_search`, written in the same statement batch as the messages; searched newest first, all terms
 * required (the last word matched as a prefix), with the case and filters joined in one query.
 */
import { type Expression, type Selectable, sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { highlight, queryTerms, tsqueryLiteral } from "../../platform/search-text.ts";
import { insertRows } from "../../platform/writes.ts";
import type { CaseStatus, ConversationsTables } from "./repository.ts";
import { messageSearchVector } from "./text.ts";

/** Indexes new messages' words, one statement whatever their number (events and wordless messages skipped). */
export async function indexMessages(
  tx: Executor,
  ws: string,
  messages: readonly { id: string; type: string; text: string }[],
): Promise<void> {
  await messageSearchInsert(ws, messages).execute(tx);
}

/** The statement `indexMessages` runs, for a combined write: fixed (platform/writes.ts), even with no rows. */
export function messageSearchInsert(ws: string, messages: readonly { id: string; type: string; text: string }[]) {
  const rows = messages.flatMap((m) => {
    const vector = messageSearchVector(m.type, m.text);
    return vector === null ? [] : [{ workspace_id: ws, message_id: m.id, search: vector }];
  });
  return insertRows("message_search", { workspace_id: "uuid", message_id: "uuid", search: "tsvector" }, rows);
}

export type MessageSearchFilters = {
  caseId?: string | undefined;
  contactId?: string | undefined;
  channelId?: string | undefined;
  direction?: "inbound" | "outbound" | undefined;
  /** false: customer-visible messages only; true: private notes only. */
  private?: boolean | undefined;
};

export type MessageHit = {
  message: Selectable<ConversationsTables["messages"]>;
  case: { id: string; number: number; subject: string; status: CaseStatus; contactId: string };
  /** HTML: about 160 characters of the text around the first match, escaped, the terms in `<mark>`. */
  snippet: string;
};

/**
 * One page (limit+1 rows, newest first) of a workspace's messages whose text has every word of the query;
 * `before` is the id of the previous page's last message. An empty query has no results.
 */
export async function searchMessages(
  db: Executor,
  ws: string,
  query: string,
  f: MessageSearchFilters,
  before: string | undefined,
  limit: number,
): Promise<MessageHit[]> {
  const terms = queryTerms(query);
  const literal = tsqueryLiteral(terms, "all");
  if (!literal) return [];
  const where = [
    f.caseId ? sql`and c.id = ${f.caseId}::uuid` : sql``,
    f.contactId ? sql`and c.contact_id = ${f.contactId}::uuid` : sql``,
    f.channelId ? sql`and m.channel_id = ${f.channelId}::uuid` : sql``,
    f.direction ? sql`and m.direction = ${f.direction}` : sql``,
    f.private !== undefined ? sql`and m.private = ${f.private}` : sql``,
    before ? sql`and s.message_id < ${before}::uuid` : sql``,
  ];
  const { rows } = await sql<
    Selectable<ConversationsTables["messages"]> & {
      case_number: number;
      case_subject: string;
      case_status: CaseStatus;
      case_contact_id: string;
    }
  >`
    select m.*, c.number as case_number, c.subject as case_subject, c.status as case_status,
      c.contact_id as case_contact_id
    from message_search s
    join messages m on m.workspace_id = s.workspace_id and m.id = s.message_id
    join cases c on c.workspace_id = m.workspace_id and c.id = m.case_id
    where s.workspace_id = ${ws}::uuid and s.search @@ cast(${literal} as tsquery) ${sql.join(where, sql` `)}
    order by s.message_id desc
    limit ${limit + 1}
  `.execute(db);
  return rows.map(({ case_number, case_subject, case_status, case_contact_id, ...message }) => ({
    message,
    case: {
      id: message.case_id,
      number: Number(case_number),
      subject: case_subject,
      status: case_status,
      contactId: case_contact_id,
    },
    snippet: highlight(message.text, terms, 160),
  }));
}

/**
 * Customers' messages (inbound, outside `excludeCaseId`) matching a `tsquery` literal, best first: for reply
 * suggestions ("what did agents answer to messages like this one?").
 */
export async function similarCustomerMessages(
  db: Executor,
  ws: string,
  literal: string,
  excludeCaseId: string,
  limit: number,
): Promise<{ message_id: string; case_id: string; rank: number }[]> {
  const { rows } = await sql<{ message_id: string; case_id: string; rank: number }>`
    select s.message_id, m.case_id, ts_rank(s.search, query) as rank
    from message_search s
    join messages m on m.workspace_id = s.workspace_id and m.id = s.message_id,
      cast(${literal} as tsquery) query
    where s.workspace_id = ${ws}::uuid and s.search @@ query
      and m.case_id <> ${excludeCaseId}::uuid and m.direction = 'inbound' and not m.private
    order by rank desc, s.message_id desc
    limit ${limit}
  `.execute(db);
  return rows;
}

/** A condition: the message with this id (a qualified column: `message_id` alone is the index's) has the words of a `tsquery` literal. */
export function messageHasWords(ws: string, messageId: Expression<string>, literal: string) {
  return sql<boolean>`exists (
    select 1 from message_search s
    where s.workspace_id = ${ws}::uuid and s.message_id = ${messageId} and s.search @@ cast(${literal} as tsquery))`;
}
