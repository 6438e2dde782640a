import { Batcher } from "../../../platform/batcher.ts";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import type { Write } from "../../../platform/writes.ts";
import { receiveMessagesOf, retryOnDuplicateRace } from "../../conversations/index.ts";
import { resolveContacts } from "../../profiles/index.ts";
import { inboundPayloadsInsert } from "../repository.ts";
import type { WechatAccount } from "./config.ts";
import { queueMediaFetch } from "./media.ts";
import type { WechatMessage } from "./messages.ts";
import { wq } from "./repository.ts";
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
      lanes: ctx.database.kind === "pglite" ? 1 : 2,
      maxSize: 500,
    });
    batchers.set(ctx.database, batcher);
  }
  return batcher.submit(pushed);
}

async function storeBatch(ctx: AppContext, items: PushedMessage[]): Promise<StoredMessage[]> {
  const run = () => runTransaction(ctx.database, (tx) => storeInTransaction(ctx, tx, items));
  return retryOnDuplicateRace(run);
}

async function storeInTransaction(ctx: AppContext, tx: Executor, items: PushedMessage[]): Promise<StoredMessage[]> {
  const keyOf = (m: PushedMessage) => `${m.account.channel.id}\n${m.inbound.dedupeKey}`;
  // WeChat's retries of one push can meet in one batch: the first claims, the others are duplicates.
  const first = new Map<string, PushedMessage>();
  for (const m of items) if (!first.has(keyOf(m))) first.set(keyOf(m), m);
  const claimedRows = await wq(tx)
    .insertInto("wechat_inbound")
    .values(
      [...first.values()].map((m) => ({
        workspace_id: m.account.channel.workspace_id,
        channel_id: m.account.channel.id,
        dedupe_key: m.inbound.dedupeKey,
        reply: m.reply,
      })),
    )
    .onConflict((oc) => oc.columns(["workspace_id", "channel_id", "dedupe_key"]).doNothing())
    .returning(["channel_id", "dedupe_key"])
    .execute();
  const claimedKeys = new Set(claimedRows.map((r) => `${r.channel_id}\n${r.dedupe_key}`));
  const claimed = [...first.values()].filter((m) => claimedKeys.has(keyOf(m)));
  const stored = new Map<PushedMessage, StoredMessage>();
  if (claimed.length > 0) {
    const byWorkspace = new Map<string, PushedMessage[]>();
    for (const m of claimed) {
      const group = byWorkspace.get(m.account.channel.workspace_id) ?? [];
      group.push(m);
      byWorkspace.set(m.account.channel.workspace_id, group);
    }
    for (const [workspaceId, group] of byWorkspace) {
      const resolving = resolveContacts(
        tx,
        { workspaceId },
        group.map((m) => ({
          identity: { kind: "wechat_openid", externalId: m.inbound.openId, namespace: m.account.config.appId },
          hints: { source: `channel:${m.account.channel.id}` },
        })),
      );
      // The raw payloads and the reply windows are written in the same statement as the messages.
      const payloads = inboundPayloadsInsert(
        group.map((m) => ({
          workspace_id: workspaceId,
          channel_id: m.account.channel.id,
          payload: JSON.stringify({ format: "wechat-xml", body: m.plaintext.slice(0, 65_536), encrypted: m.encrypted }),
        })),
      );
      const windows = windowsUpsert(
        tx,
        group.map((m) => ({
          workspaceId,
          channelId: m.account.channel.id,
          openId: m.inbound.openId,
          kind: "message" as const,
          at: sentAt(m),
        })),
      );
      const alongside: Write[] = [{ statement: payloads }, ...(windows ? [{ statement: windows }] : [])];
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
        const contactId = contacts[i] as string;
        if (!r) continue;
        if (!r.duplicate) {
          const scope = { workspaceId, channelId: m.account.channel.id };
          await queueMediaFetch(ctx, tx, scope, m.inbound, r.messageId);
        }
        stored.set(m, { duplicate: false, contactId, caseId: r.caseId });
      }
    }
  }
  return items.map((m) => stored.get(m) ?? { duplicate: true });
}

/** WeChat's CreateTime (whole seconds), never in the future. */
function sentAt(m: PushedMessage): Date {
  return new Date(Math.min(m.inbound.createTime * 1000, Date.now()));
}
