import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import { findContactTraces } from "../../conversations/index.ts";
import type { ErasureResult, ErasureSubject } from "../../profiles/index.ts";
import { eraseContactMessages } from "./send-to-contact.ts";

/**
 * Whether a JSON value holds one of the person's external ids (given lower-case; compared without case, as a
 * sender may type an address in any case): a string leaf equal to one, or an XML text (a WeChat body) holding
 * one as an element's text. One expression over the whole document.
 */
function holdsAny(value: RawBuilder<unknown>, ids: string[], needles: string[]) {
  return sql`exists (
    select 1 from jsonb_path_query(${value}, 'strict $.**') as v(x)
    where jsonb_typeof(v.x) = 'string'
      and (lower(v.x #>> '{}') = any(${ids}::text[])
        or exists (select 1 from unnest(${needles}::text[]) as n(s) where position(n.s in lower(v.x #>> '{}')) > 0)))`;
}

/**
 * Erases a person from channels, set-based (a fixed number of statements, run before conversations' eraser
 * since it reads the person's messages and threads there): raw inbound payloads naming one of their external
 * ids (only their messages are cut out of a batch that also holds other customers'), webhook delivery attempts
 * and WeChat media records of their messages (the files are case attachments, which conversations' eraser
 * deletes), WeChat dedupe records, reply windows and template
 * sends, their emails with attachments and threads, web chat visitor rows, and their CSAT comments (the
 * rating stays, for statistics), and the messages written to them without a case.
 */
export async function eraseChannelsData(tx: Executor, ws: string, subject: ErasureSubject): Promise<ErasureResult> {
  const traces = await findContactTraces(tx, ws, subject.contactIds);
  const messageIds = traces.messages.map((m) => m.id);
  const wechatMsgKeys = traces.messages.flatMap((m) => (m.platformMessageId ? [`msgid:${m.platformMessageId}`] : []));
  const externalIds = [...new Set(subject.identities.map((i) => i.externalId.toLowerCase()))];
  const openIds = subject.identities.filter((i) => i.kind === "wechat_openid").map((i) => i.externalId);
  const needles = externalIds.flatMap((id) => [`>${id}<`, `[cdata[${id}]]`]);
  const threadChannels = traces.conversations.map((c) => c.channelId);
  const threadIds = traces.conversations.map((c) => c.externalThreadId);
  const caseIds = traces.caseIds;
  const n = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);

  // A batch of the api channel may hold several customers' messages: only the person's are cut out of it.
  const payloadsTrimmed = await sql`
    update inbound_payloads p
    set payload = (
      select jsonb_agg(a.e order by a.i) from jsonb_array_elements(p.payload) with ordinality as a(e, i)
      where not ${holdsAny(sql.ref("a.e"), externalIds, needles)}
    )
    where p.workspace_id = ${ws} and jsonb_typeof(p.payload) = 'array'
      and ${holdsAny(sql.ref("p.payload"), externalIds, needles)}
      and exists (
        select 1 from jsonb_array_elements(p.payload) as a(e)
        where not ${holdsAny(sql.ref("a.e"), externalIds, needles)}
      )`.execute(tx);
  const payloadsDeleted = await sql`
    delete from inbound_payloads p
    where p.workspace_id = ${ws} and ${holdsAny(sql.ref("p.payload"), externalIds, needles)}`.execute(tx);
  const deliveries = await sql`
    delete from webhook_deliveries where workspace_id = ${ws} and message_id = any(${messageIds}::uuid[])`.execute(tx);
  const media = await sql`
    delete from wechat_media where workspace_id = ${ws} and message_id = any(${messageIds}::uuid[])`.execute(tx);
  const dedupe = await sql`
    delete from wechat_inbound
    where workspace_id = ${ws}
      and (dedupe_key = any(${wechatMsgKeys}::text[])
        or (dedupe_key like 'event:%' and split_part(dedupe_key, ':', 2) = any(${openIds}::text[])))`.execute(tx);
  const windows = await sql`
    delete from wechat_reply_windows where workspace_id = ${ws} and open_id = any(${openIds}::text[])`.execute(tx);
  const templates = await sql`
    delete from wechat_template_sends where workspace_id = ${ws} and open_id = any(${openIds}::text[])`.execute(tx);
  const personalEmails = sql`
    select channel_id, message_id from email_messages
    where workspace_id = ${ws}
      and (rapport_message_id = any(${messageIds}::uuid[])
        or (channel_id, thread_id) in (
          select * from unnest(${threadChannels}::uuid[], ${threadIds}::text[])
        ))`;
  const emailAttachments = await sql`
    delete from email_attachments
    where workspace_id = ${ws} and (channel_id, message_id) in (${personalEmails})`.execute(tx);
  const emails = await sql`
    delete from email_messages
    where workspace_id = ${ws} and (channel_id, message_id) in (${personalEmails})`.execute(tx);
  const threads = await sql`
    delete from email_threads
    where workspace_id = ${ws}
      and (channel_id, thread_id) in (select * from unnest(${threadChannels}::uuid[], ${threadIds}::text[]))`.execute(
    tx,
  );
  const visitors = await sql`
    delete from webchat_visitors
    where workspace_id = ${ws}
      and (contact_id = any(${subject.contactIds}::uuid[]) or case_id = any(${caseIds}::uuid[])
        or 'webchat:' || id::text = any(${externalIds}::text[]) or lower(user_id) = any(${externalIds}::text[]))`.execute(
    tx,
  );
  const csat = await sql`
    update csat_responses set comment = null
    where workspace_id = ${ws} and comment is not null
      and (contact_id = any(${subject.contactIds}::uuid[]) or case_id = any(${caseIds}::uuid[]))`.execute(tx);
  const contactMessages = await eraseContactMessages(tx, ws, subject.contactIds);
  return {
    counts: {
      contactMessages,
      inboundPayloadsTrimmed: n(payloadsTrimmed),
      inboundPayloads: n(payloadsDeleted),
      webhookDeliveries: n(deliveries),
      wechatMedia: n(media),
      wechatInbound: n(dedupe),
      wechatReplyWindows: n(windows),
      wechatTemplateSends: n(templates),
      emailMessages: n(emails),
      emailAttachments: n(emailAttachments),
      emailThreads: n(threads),
      webchatVisitors: n(visitors),
      csatCommentsBlanked: n(csat),
    },
  };
}
