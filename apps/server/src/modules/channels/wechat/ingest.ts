/**
 * Customer messages pushed by WeChat, stored with a group commit (platform/batcher.ts): pushes that arrive while
 * a batch is stored share the next one — known contacts and stored messages read together, then the new
 * messages' raw payloads, dedupe records and reply windows with their messages, cases and outbox events in
 * conversations' combined write (one prepared statement). One customer's messages go through one lane, in order.
 */
import { Batcher } from "../../../platform/batcher.ts";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { runTransaction, wakeDispatchers } from "../../../platform/outbox.ts";
import type { Write } from "../../../platform/writes.ts";
import { receiveMessagesOf, retryOnDuplicateRace } from "../../conversations/index.ts";
import { resolveContacts } from "../../profiles/index.ts";
import { inboundPayloadsInsert } from "../repository.ts";
import type { WechatAccount } from "./config.ts";
import { mediaIdOf, queueMediaFetch } from "./media.ts";
import type { WechatMessage } from "./messages.ts";
import { inboundClaimsInsert } from "./repository.ts";
import { windowsUpsert } from "./window.ts";

export type StoredMessage = { duplicate: true } | { duplicate: false; contactId: string; caseId: string };

export type PushedMessage = {
  account: WechatAccount;
  inbound: WechatMessage;
  /** The decrypted XML (kept raw) and whether it came encrypted. */
  plaintext: string;
  encrypted: boolean;
  /** The reply to record with the dedupe claim when it is known now (no passive replier), else null. */
  reply: string | null;
};

const batchers = new WeakMap<object, Batcher<PushedMessage, StoredMessage>>();

/** Stores one pushed customer message (deduped on its MsgId); resolves once committed. */
export function storeWechatMessage(ctx: AppContext, pushed: PushedMessage): Promise<StoredMessage> {
  let batcher = batchers.get(ctx.database);
  if (!batcher) {
    batcher = new Batcher({
      run: (items) => storeBatch(ctx, items),
      laneOf: (m) => `${m.account.channel.id}:${m.inbound.openId}`,
      // One batch at a time, as the api channel's: bench/wechat-webhook ran 1,427 msgs/s with one lane, 1,110–1,249
      // with two (a batch now costs two round trips; two lanes halve the batches and double their statements).
      lanes: 1,
      maxSize: 500,
    });
    batchers.set(ctx.database, batcher);
  }
  return batcher.submit(pushed);
}

async function storeBatch(ctx: AppContext, items: PushedMessage[]): Promise<StoredMessage[]> {
  // A media message's fetch is queued in the transaction that stores it. Without media, no transaction: the
  // reads need none and every write of a workspace's messages is one statement (see channels/use-cases/ingest.ts).
  if (items.some((m) => mediaIdOf(m.inbound))) {
    return retryOnDuplicateRace(() => runTransaction(ctx.database, (tx) => storeMessages(ctx, tx, items)));
  }
  return retryOnDuplicateRace(async () => {
    const stored = await storeMessages(ctx, ctx.database.db, items);
    wakeDispatchers(ctx.database);
    return stored;
  });
}

async function storeMessages(ctx: AppContext, tx: Executor, items: PushedMessage[]): Promise<StoredMessage[]> {
  const keyOf = (m: PushedMessage) => `${m.account.channel.id}\n${m.inbound.dedupeKey}`;
  // WeChat's retries of one push can meet in one batch: the first counts, the others are duplicates.
  const first = new Map<string, PushedMessage>();
  for (const m of items) if (!first.has(keyOf(m))) first.set(keyOf(m), m);
  const byWorkspace = new Map<string, PushedMessage[]>();
  for (const m of first.values()) {
    const group = byWorkspace.get(m.account.channel.workspace_id) ?? [];
    group.push(m);
    byWorkspace.set(m.account.channel.workspace_id, group);
  }
  const stored = new Map<PushedMessage, StoredMessage>();
  for (const [workspaceId, group] of byWorkspace) {
    const resolving = resolveContacts(
      tx,
      { workspaceId },
      group.map((m) => ({
        identity: { kind: "wechat_openid", externalId: m.inbound.openId, namespace: m.account.config.appId },
        hints: { source: `channel:${m.account.channel.id}` },
      })),
    );
    // The new messages' raw payloads, dedupe records and reply windows go in the same statement as the messages.
    const alongside = (received: readonly { duplicate: boolean }[]): Write[] => {
      const fresh = group.filter((_, i) => received[i]?.duplicate === false);
      return [
        {
          fixed: true,
          statement: inboundPayloadsInsert(
            fresh.map((m) => ({
              workspace_id: workspaceId,
              channel_id: m.account.channel.id,
              payload: JSON.stringify({
                format: "wechat-xml",
                body: m.plaintext.slice(0, 65_536),
                encrypted: m.encrypted,
              }),
            })),
          ),
        },
        {
          fixed: true,
          statement: inboundClaimsInsert(
            fresh.map((m) => ({
              workspace_id: workspaceId,
              channel_id: m.account.channel.id,
              dedupe_key: m.inbound.dedupeKey,
              reply: m.reply,
            })),
          ),
        },
        {
          fixed: true,
          statement: windowsUpsert(
            fresh.map((m) => ({
              workspaceId,
              channelId: m.account.channel.id,
              openId: m.inbound.openId,
              kind: "message" as const,
              at: sentAt(m),
            })),
          ),
        },
      ];
    };
    const contactIds = resolving.then((resolved) => resolved.map((r) => r.contactId));
    const received = await receiveMessagesOf(
      tx,
      group.map((m) => ({
        workspaceId,
        channel: { id: m.account.channel.id, type: m.account.channel.type },
        externalThreadId: m.inbound.openId,
        platformMessageId: m.inbound.msgId,
        type: m.inbound.type,
        text: m.inbound.text,
        content: m.inbound.content,
        sentAt: sentAt(m),
      })),
      contactIds,
      alongside,
    );
    const contacts = await contactIds;
    for (const [i, m] of group.entries()) {
      const r = received[i];
      if (!r || r.duplicate) continue;
      await queueMediaFetch(ctx, tx, { workspaceId, channelId: m.account.channel.id }, m.inbound, r.messageId);
      stored.set(m, { duplicate: false, contactId: contacts[i] as string, caseId: r.caseId });
    }
  }
  return items.map((m) => stored.get(m) ?? { duplicate: true });
}

/** WeChat's CreateTime (whole seconds), never in the future. */
function sentAt(m: PushedMessage): Date {
  return new Date(Math.min(m.inbound.createTime * 1000, Date.now()));
}
