/**
 * One way for automation to answer a customer: in their case when there is one (the case's channel and reply
 * window, sendReply), else straight to their channel identity (a welcome to a new follower: channels'
 * sendToContact, recorded in contact_messages and sent through the window the follow, scan or click opened).
 */
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { sendToContact } from "../channels/index.ts";
import { type CaseActor, capabilitiesOf, sendReply } from "../conversations/index.ts";
import { findMemberName } from "../tenancy/index.ts";
import { contentFor } from "./replies.ts";
import type { ReplyContent } from "./rules.ts";

/** Whom to answer: the case (when there is one), else the contact on a channel of this type. */
export type ReplyTarget = {
  caseId?: string | undefined;
  contactId?: string | undefined;
  channelType: string;
};

/** What happened: sent in the case, sent to the contact (no case), or why it was skipped. */
export type ReplyOutcome =
  | { sent: "case"; messageId: string }
  | { sent: "contact"; messageId: string }
  | { skipped: string };

/**
 * Sends a rule's or a keyword menu's reply (plain text or any content kind, mapped to what the channel carries).
 * Without a case it needs the contact and a dedupe key (the same key sends once). Refusals (closed window, a
 * channel that cannot be written to outside a case) throw AppError; a kind the channel cannot carry is skipped.
 */
export async function replyToCustomer(
  ctx: AppContext,
  tx: Executor,
  actor: CaseActor,
  target: ReplyTarget,
  reply: { text: string } | { content: ReplyContent },
  dedupeKey: string,
): Promise<ReplyOutcome> {
  let content: { type: string; [key: string]: unknown };
  if ("text" in reply) content = { type: "text", text: reply.text };
  else {
    const agentName =
      reply.content.kind === "agent_card"
        ? await findMemberName(tx, actor.workspaceId, reply.content.agentId)
        : undefined;
    const fit = contentFor(reply.content, capabilitiesOf(target.channelType).contentTypes, agentName);
    if (!fit.ok) return { skipped: `content_not_supported: ${fit.reason}` };
    content = fit.content;
  }
  if (target.caseId) {
    const message =
      content.type === "text"
        ? await sendReply(tx, actor, target.caseId, { text: String(content.text ?? "") })
        : await sendReply(tx, actor, target.caseId, { content });
    return { sent: "case", messageId: message.id };
  }
  if (!target.contactId) return { skipped: "no_case: there is neither a case nor a contact to answer" };
  const row = await sendToContact(ctx, tx, actor.workspaceId, {
    contactId: target.contactId,
    channelType: target.channelType === "none" ? undefined : target.channelType,
    author: { type: actor.type === "bot" ? "bot" : "system", id: actor.id },
    content,
    dedupeKey,
  });
  return { sent: "contact", messageId: row.id };
}
