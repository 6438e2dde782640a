import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { DuplicateRace, receiveMessage } from "../../conversations/index.ts";
import { resolveContact } from "../../profiles/index.ts";
import type { ApiInboundMessage } from "../api-channel.ts";
import { type ChannelRow, q } from "../repository.ts";

export type IngestResult = { externalMessageId: string; messageId: string; caseId: string; duplicate: boolean };

/**
 * The inbound pipeline of the api channel: in one transaction per batch, keep the raw payload, resolve each
 * sender's contact, store each message (deduped on its external id) with its conversation, case and
 * outbox events. Returns once committed: routing, automation and realtime run from the outbox.
 */
export async function ingestApiMessages(
  ctx: AppContext,
  channel: ChannelRow,
  messages: ApiInboundMessage[],
): Promise<IngestResult[]> {
  const run = () =>
    runTransaction(ctx.database, async (tx) => {
      await q(tx)
        .insertInto("inbound_payloads")
        .values({
          workspace_id: channel.workspace_id,
          id: uuidv7(),
          channel_id: channel.id,
          payload: JSON.stringify(messages),
        })
        .execute();
      const results: IngestResult[] = [];
      for (const m of messages) results.push(await ingestOne(tx, channel, m));
      return results;
    });
  try {
    return await run();
  } catch (err) {
    // Another request stored one of these messages at the same moment: the second run sees it as a duplicate.
    if (err instanceof DuplicateRace) return run();
    throw err;
  }
}

async function ingestOne(tx: Executor, channel: ChannelRow, m: ApiInboundMessage): Promise<IngestResult> {
  const { contactId } = await resolveContact(
    tx,
    { workspaceId: channel.workspace_id },
    { kind: "crm_id", externalId: m.from.externalId },
    { displayName: m.from.name, email: m.from.email, phone: m.from.phone, source: `channel:${channel.id}` },
  );
  const { type, ...content } = m.content ?? { type: "text", text: m.text ?? "" };
  const received = await receiveMessage(tx, {
    workspaceId: channel.workspace_id,
    channel: { id: channel.id, type: channel.type },
    contactId,
    externalThreadId: m.from.externalId,
    platformMessageId: m.externalMessageId,
    type,
    text: m.text,
    content,
    sentAt: m.sentAt ? new Date(m.sentAt) : undefined,
  });
  return {
    externalMessageId: m.externalMessageId,
    messageId: received.messageId,
    caseId: received.caseId,
    duplicate: received.duplicate,
  };
}
