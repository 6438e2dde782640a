import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { type ChannelType, capabilitiesOf } from "../capabilities.ts";
import {
  type CaseRow,
  findCase,
  findConversationByThread,
  findMessageByPlatformId,
  insertCaseEvent,
  nextCaseNumber,
  q,
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
  const ws = input.workspaceId;
  const existing = await findMessageByPlatformId(tx, ws, input.channel.id, input.platformMessageId);
  if (existing) return { duplicate: true, messageId: existing.id, caseId: existing.case_id };

  const at = input.sentAt ?? new Date();
  const text = input.text ?? plainText(input.type, input.content ?? {});
  const window = capabilitiesOf(input.channel.type).replyWindow;
  const closesAt = window ? new Date(Date.now() + window.hours * 3600_000) : null;

  let conversation = await findConversationByThread(tx, ws, input.channel.id, input.externalThreadId);
  let current = conversation ? await currentCase(tx, ws, conversation.case_id) : undefined;
  let caseCreated = false;
  let reopened = false;
  if (!current || current.status === "closed" || (current.status === "solved" && !recentlySolved(current))) {
    current = await openCase(tx, ws, input.contactId, subjectOf(input.subject?.trim() || text), at, text);
    caseCreated = true;
  } else if (current.status === "solved") {
    reopened = true;
  }

  if (!conversation) {
    conversation = await q(tx)
      .insertInto("conversations")
      .values({
        workspace_id: ws,
        id: uuidv7(),
        channel_id: input.channel.id,
        channel_type: input.channel.type,
        contact_id: input.contactId,
        external_thread_id: input.externalThreadId,
        case_id: current.id,
        last_inbound_at: new Date(),
        reply_window_hours: window?.hours ?? null,
        reply_window_max_messages: window?.maxMessages ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } else {
    await q(tx)
      .updateTable("conversations")
      .set({ case_id: current.id, last_inbound_at: new Date(), window_messages_sent: 0 })
      .where("workspace_id", "=", ws)
      .where("id", "=", conversation.id)
      .execute();
  }

  const messageId = uuidv7();
  const inserted = await q(tx)
    .insertInto("messages")
    .values({
      workspace_id: ws,
      id: messageId,
      case_id: current.id,
      conversation_id: conversation.id,
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
    })
    .onConflict((oc) =>
      oc
        .columns(["workspace_id", "channel_id", "platform_message_id"])
        .where("platform_message_id", "is not", null)
        .doNothing(),
    )
    .returning("id")
    .executeTakeFirst();
  if (!inserted) throw new DuplicateRace();

  await q(tx)
    .updateTable("cases")
    .set({
      last_message_at: sql`greatest(last_message_at, ${at})`,
      last_inbound_at: new Date(),
      reply_window_closes_at: closesAt,
      updated_at: new Date(),
      channel_ids: sql`case when ${input.channel.id}::uuid = any(channel_ids) then channel_ids else array_append(channel_ids, ${input.channel.id}::uuid) end`,
      ...(reopened ? { status: "open" as const, reopened_at: new Date(), solved_at: null } : {}),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", current.id)
    .execute();
  if (reopened) {
    await insertCaseEvent(tx, {
      workspace_id: ws,
      id: uuidv7(),
      case_id: current.id,
      actor_type: "contact",
      actor_id: input.contactId,
      action: "case.reopened",
      details: { reason: `new customer message within ${REOPEN_WITHIN_DAYS} days of solving` },
    });
  }

  const ids = { caseId: current.id, messageId, conversationId: conversation.id, contactId: input.contactId };
  await emitEvents(tx, [
    { workspaceId: ws, type: caseCreated ? "case.created" : "case.updated", payload: { caseId: current.id } },
    { workspaceId: ws, type: "message.created", payload: { ...ids, direction: "inbound" } },
  ]);
  return { duplicate: false, messageId, caseId: current.id, conversationId: conversation.id, caseCreated };
}

/** Thrown when a concurrent transaction stored the same platform message first; retry to get `duplicate`. */
export class DuplicateRace extends Error {
  constructor() {
    super("The same platform message was stored concurrently.");
  }
}

async function currentCase(tx: Executor, ws: string, caseId: string): Promise<CaseRow | undefined> {
  let row = await findCase(tx, ws, caseId);
  // A merged case forwards to the case it was merged into.
  for (let hops = 0; row?.merged_into && hops < 10; hops++) row = await findCase(tx, ws, row.merged_into);
  return row;
}

function recentlySolved(c: CaseRow): boolean {
  return c.solved_at !== null && Date.now() - c.solved_at.getTime() <= REOPEN_WITHIN_DAYS * 86_400_000;
}

async function openCase(
  tx: Executor,
  ws: string,
  contactId: string,
  subject: string,
  at: Date,
  firstText: string,
): Promise<CaseRow> {
  const id = uuidv7();
  const row = await q(tx)
    .insertInto("cases")
    .values({
      workspace_id: ws,
      id,
      number: await nextCaseNumber(tx, ws),
      subject,
      contact_id: contactId,
      assignee_id: null,
      team_id: null,
      reply_window_closes_at: null,
      last_inbound_at: null,
      first_response_at: null,
      solved_at: null,
      reopened_at: null,
      merged_into: null,
      // Searchable by its subject and first message; tags are added when they change.
      search: sql`to_tsvector('simple', ${subject} || ' ' || ${firstText.slice(0, 2000)})`,
      created_at: at,
      last_message_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertCaseEvent(tx, {
    workspace_id: ws,
    id: uuidv7(),
    case_id: id,
    actor_type: "contact",
    actor_id: contactId,
    action: "case.created",
  });
  return row;
}

/** A case subject from a text: its first non-empty line, at most 120 characters. */
export function subjectOf(text: string): string {
  const line = text.split("\n").find((l) => l.trim()) ?? "";
  const trimmed = line.trim();
  return trimmed.length > 120 ? `${trimmed.slice(0, 119)}…` : trimmed || "(no text)";
}
