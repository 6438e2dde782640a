/** The channel adapter contract. */

/** The api channel's webhook signature (for receivers and tests). */
export { type ApiInboundMessage, signWebhook } from "./api-channel.ts";
export { type ChannelAdapter, ChannelSendError, type SendResult } from "./contract.ts";
/** Email: the IMAP loops of every mailbox (started by the worker role) and the raw-message ingest. */
export { type EmailMailboxes, startEmailMailboxes } from "./email/imap.ts";
export { type EmailIngestResult, ingestEmail } from "./email/ingest.ts";
/** The channel API routes (channel accounts, the api channel's inbound endpoint, webhook log). */
export { registerChannelsRoutes } from "./routes.ts";
/** Creates a channel account. */
export { createChannel } from "./use-cases/create-channel.ts";
/** Erasure: a person's payloads, deliveries, WeChat, email and web chat rows; their WeChat media files. */
export { eraseChannelsData } from "./use-cases/erase-contact-data.ts";
/** Ingests api-channel messages (demo data, tests, bulk loads). */
export { ingestApiMessages } from "./use-cases/ingest.ts";
/** Writes to a contact who has no case to reply in (a welcome to a new follower), through a capable channel; lists those messages. */
export {
  type ContactMessageInput,
  type ContactMessageRow,
  listContactMessages,
  sendToContact,
} from "./use-cases/send-to-contact.ts";
/** Web chat: the composition root installs "can someone answer now" (business hours, online agents). */
export { type AvailabilityCheck, setWebchatAvailability } from "./webchat/availability.ts";
/** Web chat: the visitors' socket server beside the workspace hub (main.ts registers it where the hub is made). */
export { registerWebchatRealtime } from "./webchat/realtime.ts";
/** WeChat OAuth2 web authorization helpers (for the member portal): authorize URL, code exchange, refresh, user info. */
export { findWechatAccount, type WechatAccount } from "./wechat/config.ts";
export type { WechatEvent, WechatInbound, WechatMessage } from "./wechat/messages.ts";
export {
  buildAuthorizeUrl,
  exchangeCode,
  fetchWebUserInfo,
  type OAuthScope,
  refreshGrant,
  resolveWebVisitor,
  type WebGrant,
} from "./wechat/oauth.ts";
export type { PassiveReply } from "./wechat/reply.ts";
/** WeChat template messages for automation rules: is a template synced, send one for a rule. */
export { isTemplateKnown, sendTemplateForRule } from "./wechat/rule-templates.ts";
/** WeChat: the passive-reply hook of the webhook (keyword auto-replies decide within ~4 s) and its types. */
export {
  type PassiveReplier,
  type PassiveReplyRequest,
  setWechatPassiveReplier,
} from "./wechat/webhook.ts";
/** Channel types, the send job, and the event handler that queues sends. */
export { defineChannelJobs, subscribeChannelHandlers } from "./wiring.ts";
