/** What channel types can carry and their reply windows; adapters declare theirs at start-up. */
export {
  type ChannelCapabilities,
  type ChannelType,
  capabilitiesOf,
  declareChannelType,
  type ReplyGateInput,
  type ReplyWindow,
} from "./capabilities.ts";
/** Plain-text rendering of any message content. */
export { messageHasWords, similarCustomerMessages } from "./message-search.ts";
/** Records a delivery outcome of an outbound message; pages a case's messages; aggregates for routing and the wallboard; a customer message's text inside another module's statement. */
export {
  agentRepliesAfter,
  automationFacts,
  customerMessageText,
  lastInboundMessage,
  latestCaseOfContact,
  listMessages,
  openLoadByAssignee,
  recentCasesWithFirstMessage,
  routingSnapshot,
  setCaseSla,
  setMessageStatus,
  slaHistory,
  wallboardCaseStats,
} from "./queries.ts";
/** Reads one message (the channel send job loads what it delivers). */
export { findConversation, findMessage, lockCases, type MessageRow } from "./repository.ts";
/** The case API routes. */
export { registerConversationsRoutes } from "./routes.ts";
/** Message content as text; the file a message carries and its caption. */
export { attachmentOf, captionOf, type MessageAttachment, plainText } from "./text.ts";
/** An attachment's record and body, for a channel that delivers it; a fetched file attached to a stored message; type and content checks of an upload. */
export {
  type AttachmentLimits,
  assertAllowedType,
  assertContentMatches,
  attachToMessage,
  openAttachment,
} from "./use-cases/attachments.ts";
/** Erasure: a person's cases, conversations and messages as ids (for higher erasers), their erasure, file deletion. */
export {
  type ContactTraces,
  deleteAttachmentFiles,
  eraseConversationsData,
  findContactTraces,
} from "./use-cases/erase-contact-data.ts";
/** Opens a linked follow-up case for the same customer (automation). */
export { createFollowUpCase, type FollowUpInput } from "./use-cases/follow-up-case.ts";
/** Records who has control of a case (bot or agent), why, the intent, slots and a transcript summary. */
export {
  type CaseControl,
  caseControl,
  casesUnderBot,
  type Handover,
  hasAgentReply,
  recordHandover,
} from "./use-cases/handover.ts";
/** Stores an inbound customer message: dedupe, conversation and case, outbox events. */
export {
  DuplicateRace,
  type InboundDraft,
  type InboundMessage,
  type Received,
  receiveMessage,
  receiveMessages,
  receiveMessagesOf,
  retryOnDuplicateRace,
} from "./use-cases/receive-message.ts";
/** Writes an agent's reply (queued) or private note. */
export { type ReplyInput, sendReply } from "./use-cases/send-message.ts";
/** Changes status, priority, assignee, team, tags. */
export { type CaseActor, type CasePatch, updateCase } from "./use-cases/update-case.ts";
