import { sql } from "kysely";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { redactEventPayloads } from "../../../platform/outbox.ts";
import type { ErasureResult, ErasureSubject } from "../../profiles/index.ts";
import { attachmentStorage } from "./attachments.ts";

/** What conversations holds about a person, as ids: read by higher modules' erasers before this one runs. */
export type ContactTraces = {
  caseIds: string[];
  conversations: { id: string; channelId: string; externalThreadId: string }[];
  messages: { id: string; channelId: string | null; platformMessageId: string | null }[];
};

/** Keys in case-history details that may hold free text written about the person (reasons, notes, subjects, a handover's transcript summary and collected slots). */
const FREE_TEXT_KEYS = ["reason", "note", "text", "subject", "comment", "body", "summary", "slots"];
/** Keys of a `case.updated` event's changes that hold the person's data. */
const PERSONAL_CHANGES = ["customFields", "subject"];

/**
 * The person's messages: those of their conversations (wherever the conversation's case went) and the
 * conversation-less ones (notes) of their cases. A query fragment over `messages m`.
 */
function personalMessages(ws: string, contactIds: string[]) {
  return sql`
    m.workspace_id = ${ws}
    and m.case_id in (
      select id from cases where workspace_id = ${ws} and contact_id = any(${contactIds}::uuid[])
      union select case_id from conversations where workspace_id = ${ws} and contact_id = any(${contactIds}::uuid[])
    )
    and (
      m.conversation_id in (
        select id from conversations where workspace_id = ${ws} and contact_id = any(${contactIds}::uuid[])
      )
      or (m.conversation_id is null and m.case_id in (
        select id from cases where workspace_id = ${ws} and contact_id = any(${contactIds}::uuid[])
      ))
    )`;
}

/** The ids of a person's cases, conversations (with their thread ids) and messages, in three statements. */
export async function findContactTraces(db: Executor, ws: string, contactIds: string[]): Promise<ContactTraces> {
  const cases = await sql<{ id: string }>`
    select id from cases where workspace_id = ${ws} and contact_id = any(${contactIds}::uuid[])`.execute(db);
  const conversations = await sql<{ id: string; channel_id: string; external_thread_id: string }>`
    select id, channel_id, external_thread_id from conversations
    where workspace_id = ${ws} and contact_id = any(${contactIds}::uuid[])`.execute(db);
  const messages = await sql<{ id: string; channel_id: string | null; platform_message_id: string | null }>`
    select m.id, m.channel_id, m.platform_message_id from messages m where ${personalMessages(ws, contactIds)}`.execute(
    db,
  );
  return {
    caseIds: cases.rows.map((r) => r.id),
    conversations: conversations.rows.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      externalThreadId: r.external_thread_id,
    })),
    messages: messages.rows.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      platformMessageId: r.platform_message_id,
    })),
  };
}

/**
 * Erases a person from conversations, set-based (ten statements whatever the volume): their messages (and their search words) and the
 * attachments of their cases are deleted (the files after commit); cases keep their ids, status, counts, SLA
 * and timestamps with the subject, custom field values, search text and the handover's summary and slots emptied; case history and merge/split
 * records lose their free text, and so do the domain events about their cases; conversations keep their ids with the thread id (the platform's user id or
 * address) replaced by `erased:<conversation id>`.
 */
export async function eraseConversationsData(
  tx: Executor,
  ws: string,
  subject: ErasureSubject,
): Promise<ErasureResult> {
  const ids = subject.contactIds;
  const personalCases = sql`select id from cases where workspace_id = ${ws} and contact_id = any(${ids}::uuid[])`;
  const caseIds = (await sql<{ id: string }>`${personalCases}`.execute(tx)).rows.map((r) => r.id);
  const attachments = await sql<{ storage_key: string }>`
    delete from attachments where workspace_id = ${ws} and case_id in (${personalCases})
    returning storage_key`.execute(tx);
  // Mentions in notes of their cases go with the notes (a mention row holds ids only, but no dangling ones).
  const mentions = await sql`
    delete from mentions where workspace_id = ${ws} and case_id in (${personalCases})`.execute(tx);
  await sql`
    delete from message_search s using messages m
    where s.workspace_id = m.workspace_id and s.message_id = m.id and ${personalMessages(ws, ids)}`.execute(tx);
  const messages = await sql`delete from messages m where ${personalMessages(ws, ids)}`.execute(tx);
  const operations = await sql`
    update case_operations set reason = null
    where workspace_id = ${ws} and reason is not null
      and (case_id in (${personalCases}) or target_case_id in (${personalCases}))`.execute(tx);
  const events = await sql`
    update case_events
    set details = case
      when details ? 'changes'
        then (details - ${FREE_TEXT_KEYS}::text[])
          || jsonb_build_object('changes', (details -> 'changes') - ${PERSONAL_CHANGES}::text[])
      else details - ${FREE_TEXT_KEYS}::text[]
    end
    where workspace_id = ${ws} and case_id in (${personalCases})
      and (details ?| ${FREE_TEXT_KEYS}::text[] or coalesce(details -> 'changes', '{}') ?| ${PERSONAL_CHANGES}::text[])`.execute(
    tx,
  );
  const cases = await sql`
    update cases set subject = '', custom_fields = '{}'::jsonb, search = null, updated_at = now(),
      handover = handover - ${["summary", "slots"]}::text[]
    where workspace_id = ${ws} and contact_id = any(${ids}::uuid[])`.execute(tx);
  const conversations = await sql`
    update conversations set external_thread_id = 'erased:' || id::text
    where workspace_id = ${ws} and contact_id = any(${ids}::uuid[])`.execute(tx);
  // Events about their cases (a rejected reply's reason) lose their free text too.
  const outboxEvents = await redactEventPayloads(tx, ws, { field: "caseId", values: caseIds }, FREE_TEXT_KEYS);
  const n = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);
  return {
    counts: {
      messages: n(messages),
      mentions: n(mentions),
      attachments: attachments.rows.length,
      casesBlanked: n(cases),
      caseEventsScrubbed: n(events),
      caseOperationsScrubbed: n(operations),
      conversationsBlanked: n(conversations),
      eventsRedacted: outboxEvents,
    },
    files: attachments.rows.map((r) => r.storage_key),
  };
}

/** Deletes erased attachments' files from the attachment storage (no error for a file already gone). */
export async function deleteAttachmentFiles(ctx: AppContext, _ws: string, keys: string[]): Promise<void> {
  const storage = attachmentStorage(ctx.config);
  for (const key of keys) await storage.delete(key);
}
