import { Batcher } from "../../../platform/batcher.ts";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { wakeDispatchers } from "../../../platform/outbox.ts";
import type { Write } from "../../../platform/writes.ts";
import { receiveMessagesOf, retryOnDuplicateRace } from "../../conversations/index.ts";
import { resolveContacts } from "../../profiles/index.ts";
import type { ApiInboundMessage } from "../api-channel.ts";
import { type ChannelRow, inboundPayloadsInsert } from "../repository.ts";

export type IngestResult = { externalMessageId: string; messageId: string; caseId: string; duplicate: boolean };

type Submission = { channel: ChannelRow; messages: ApiInboundMessage[] };

const batchers = new WeakMap<object, Batcher<Submission, IngestResult[]>>();

/**
 * The inbound pipeline of the api channel: keep the raw payload, resolve each sender's contact, store each
 * message (deduped on its external id) with its conversation, case and outbox events, all written in one
 * statement. Concurrent requests are group-committed (platform/batcher.ts): they share the statements, a
 * request's messages all or none. Returns once committed: routing, automation and realtime run
 * from the outbox.
 */
export function ingestApiMessages(
  ctx: AppContext,
  channel: ChannelRow,
  messages: ApiInboundMessage[],
): Promise<IngestResult[]> {
  let batcher = batchers.get(ctx.database);
  if (!batcher) {
    batcher = new Batcher({
      run: (submissions) => ingestBatch(ctx, submissions),
      // One batch at a time, on PostgreSQL too: two lanes halve the batches and double their statements, which
      // cost more than the overlap gains on a busy server (bench/inbound-ingest: 1,071–1,132 msg/s with one
      // lane, 955–1,006 with two, alternating runs). One customer's messages never race each other either way.
      laneOf: (s) => `${s.channel.id}:${s.messages[0]?.from.externalId}`,
      lanes: 1,
      maxSize: 500,
      sizeOf: (s) => s.messages.length,
    });
    batchers.set(ctx.database, batcher);
  }
  return batcher.submit({ channel, messages });
}

async function ingestBatch(ctx: AppContext, submissions: Submission[]): Promise<IngestResult[][]> {
  // No transaction: the reads need none (a concurrent store of the same message or thread makes the write fail
  // as a whole, and the retry sees it), and every write of a workspace's messages is one statement, atomic on
  // its own: begin and commit would cost two more round trips per batch.
  const tx = ctx.database.db;
  const run = async () => {
    const results = new Map<Submission, IngestResult[]>();
    const byWorkspace = new Map<string, Submission[]>();
    for (const s of submissions) {
      const group = byWorkspace.get(s.channel.workspace_id);
      if (group) group.push(s);
      else byWorkspace.set(s.channel.workspace_id, [s]);
    }
    for (const [workspaceId, group] of byWorkspace) {
      const items = group.flatMap((s) => s.messages.map((m) => ({ channel: s.channel, m })));
      // The raw payloads are written in the same statement as the messages.
      const payloads = inboundPayloadsInsert(
        group.map((s) => ({
          workspace_id: workspaceId,
          channel_id: s.channel.id,
          payload: JSON.stringify(s.messages),
        })),
      );
      const stored = await ingestWorkspace(tx, workspaceId, items, [{ statement: payloads, fixed: true }]);
      let at = 0;
      for (const s of group) {
        results.set(s, stored.slice(at, at + s.messages.length));
        at += s.messages.length;
      }
    }
    wakeDispatchers(ctx.database);
    return submissions.map((s) => results.get(s) ?? []);
  };
  return retryOnDuplicateRace(run);
}

async function ingestWorkspace(
  tx: Executor,
  workspaceId: string,
  items: { channel: ChannelRow; m: ApiInboundMessage }[],
  alongside: Write[],
): Promise<IngestResult[]> {
  const contacts = resolveContacts(
    tx,
    { workspaceId },
    items.map(({ channel, m }) => ({
      identity: { kind: "crm_id", externalId: m.from.externalId },
      hints: { displayName: m.from.name, email: m.from.email, phone: m.from.phone, source: `channel:${channel.id}` },
    })),
  );
  const received = await receiveMessagesOf(
    tx,
    items.map(({ channel, m }) => {
      const { type, ...content } = m.content ?? { type: "text", text: m.text ?? "" };
      return {
        workspaceId,
        channel: { id: channel.id, type: channel.type },
        externalThreadId: m.from.externalId,
        platformMessageId: m.externalMessageId,
        type,
        text: m.text,
        content,
        sentAt: m.sentAt ? new Date(m.sentAt) : undefined,
      };
    }),
    contacts.then((resolved) => resolved.map((r) => r.contactId)),
    alongside,
  );
  return received.map((r, i) => ({
    externalMessageId: items[i]?.m.externalMessageId ?? "",
    messageId: r.messageId,
    caseId: r.caseId,
    duplicate: r.duplicate,
  }));
}
