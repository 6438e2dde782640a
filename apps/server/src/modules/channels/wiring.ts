import type { AppContext } from "../../platform/context.ts";
import { jobIdFor } from "../../platform/jobs.ts";
import type { Dispatcher } from "../../platform/outbox.ts";
import { declareChannelTypes } from "./adapters.ts";
import { deliverMessage, SEND_JOB, SEND_RETRY_LIMIT, SendJobData } from "./use-cases/deliver.ts";
import { CONTACT_SEND_JOB, ContactSendJobData, deliverContactMessage } from "./use-cases/send-to-contact.ts";
import { defineWechatJobs } from "./wechat/jobs.ts";
import { queueContactsTagPush, queueTagPush } from "./wechat/tag-push.ts";

/** Declares the channel types and defines the send job; every process calls it before the queue starts. */
export function defineChannelJobs(ctx: AppContext): void {
  declareChannelTypes();
  defineWechatJobs(ctx);
  ctx.jobs.define({
    name: SEND_JOB,
    schema: SendJobData,
    retryLimit: SEND_RETRY_LIMIT,
    retryDelaySeconds: ctx.config.OUTBOUND_RETRY_DELAY_SECONDS,
    expireInSeconds: 120,
    concurrency: 4,
    handler: (data, job) => deliverMessage(ctx, data, job),
  });
  ctx.jobs.define({
    name: CONTACT_SEND_JOB,
    schema: ContactSendJobData,
    retryLimit: SEND_RETRY_LIMIT,
    retryDelaySeconds: ctx.config.OUTBOUND_RETRY_DELAY_SECONDS,
    expireInSeconds: 120,
    handler: (data, job) => deliverContactMessage(ctx, data, { attempt: job.attempt, retryLimit: SEND_RETRY_LIMIT }),
  });
}

/**
 * Turns `message.queued` events into send jobs; the job id is the message id (a retry's: derived from its event
 * id), so a redelivered event adds no second job.
 */
export function subscribeChannelHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  dispatcher.on("message.queued", "channels.enqueue-send", async (event) => {
    const { messageId, retry } = event.payload as { messageId: string; retry?: boolean };
    const id = retry ? jobIdFor(`retry:${event.id}`) : messageId;
    await ctx.jobs.send(SEND_JOB, { workspaceId: event.workspaceId, messageId }, { id });
  });
  // A contact's Rapport tags changed: push the WeChat tag membership of their OpenIDs (a job, retried).
  dispatcher.on("contact.tags-changed", "channels.wechat-tag-push", (event) => queueTagPush(ctx, event));
  // An import's batch set or changed the tags of many contacts: one job pushes them all (50 OpenIDs a call).
  dispatcher.on("contacts.tags-changed", "channels.wechat-contacts-tag-push", (event) =>
    queueContactsTagPush(ctx, event),
  );
}
