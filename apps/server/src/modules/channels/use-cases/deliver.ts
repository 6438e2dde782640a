import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { BucketMap } from "../../../platform/rate-limit.ts";
import { findConversation, findMessage, setMessageStatus } from "../../conversations/index.ts";
import { adapterOf } from "../adapters.ts";
import { ChannelSendError } from "../contract.ts";
import { findChannel } from "../repository.ts";

export const SEND_JOB = "messages.send";
export const SEND_RETRY_LIMIT = 5;
export const SendJobData = z.strictObject({ workspaceId: z.uuid(), messageId: z.uuid() });

const buckets = new BucketMap();

/**
 * The send job: delivers one queued message through its channel's adapter. Only a `queued` message is sent
 * (so a retried or duplicated job never sends twice once the first succeeded); the message id is the
 * idempotency key given to the platform for the window where a worker dies between sending and recording.
 * Transient failures throw (pg-boss retries with backoff); permanent ones, and the last attempt, mark the
 * message failed with the reason.
 */
export async function deliverMessage(
  ctx: AppContext,
  data: z.infer<typeof SendJobData>,
  job: { attempt: number },
): Promise<void> {
  const { db } = ctx.database;
  const message = await findMessage(db, data.workspaceId, data.messageId);
  if (message?.status !== "queued" || !message.channel_id || !message.conversation_id) return;
  const channel = await findChannel(db, data.workspaceId, message.channel_id);
  const conversation = await findConversation(db, data.workspaceId, message.conversation_id);
  const fail = (reason: string) =>
    runTransaction(ctx.database, (tx) =>
      setMessageStatus(tx, data.workspaceId, message.id, { status: "failed", error: reason.slice(0, 1000) }),
    );
  if (!channel || channel.disabled_at || !conversation) {
    await fail("The channel of this conversation was removed or disabled.");
    return;
  }
  const adapter = adapterOf(channel.type);
  const rate = adapter.rateOf?.(channel) ?? adapter.capabilities.ratePerSecond;
  // The rate is part of the key: a changed limit starts a new bucket (a burst of at least one send).
  await buckets.bucket(`channel:${channel.id}:${rate}`, rate, Math.max(1, rate)).acquire();
  const perRecipient = adapter.capabilities.ratePerRecipientPerSecond;
  if (perRecipient) {
    await buckets.bucket(`recipient:${channel.id}:${conversation.external_thread_id}`, perRecipient, 1).acquire();
  }
  try {
    const result = await adapter.send(
      ctx,
      channel,
      message,
      { externalId: conversation.external_thread_id },
      job.attempt,
    );
    await runTransaction(ctx.database, (tx) =>
      setMessageStatus(tx, data.workspaceId, message.id, {
        status: "sent",
        platformMessageId: result.platformMessageId,
        error: null,
      }),
    );
  } catch (err) {
    const permanent = err instanceof ChannelSendError && err.permanent;
    const reason = err instanceof Error ? err.message : String(err);
    if (permanent || job.attempt > SEND_RETRY_LIMIT) {
      await fail(reason);
      if (permanent) return;
    }
    throw err;
  }
}
