/** The channel adapter contract. */

/** The api channel's webhook signature (for receivers and tests). */
export { signWebhook } from "./api-channel.ts";
export { type ChannelAdapter, ChannelSendError, type SendResult } from "./contract.ts";
/** The channel API routes (channel accounts, the api channel's inbound endpoint, webhook log). */
export { registerChannelsRoutes } from "./routes.ts";
/** Channel types, the send job, and the event handler that queues sends. */
export { defineChannelJobs, subscribeChannelHandlers } from "./wiring.ts";
