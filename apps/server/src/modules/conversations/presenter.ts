import type { CaseEventRow, CaseOperationRow, CaseRow, ConversationRow, MessageRow } from "./repository.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentCase(c: CaseRow, contact: { id: string; displayName: string } | null = null) {
  return {
    id: c.id,
    number: c.number,
    subject: c.subject,
    status: c.status,
    customStatusId: c.custom_status_id,
    priority: c.priority,
    contactId: c.contact_id,
    contact,
    assigneeId: c.assignee_id,
    teamId: c.team_id,
    tags: c.tags,
    channelIds: c.channel_ids,
    replyWindowClosesAt: iso(c.reply_window_closes_at),
    lastMessageAt: c.last_message_at.toISOString(),
    lastInboundAt: iso(c.last_inbound_at),
    firstResponseAt: iso(c.first_response_at),
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
    solvedAt: iso(c.solved_at),
    reopenedAt: iso(c.reopened_at),
    mergedInto: c.merged_into,
    slaState: c.sla_state,
    slaDueAt: iso(c.sla_due_at),
    sla: c.sla ?? null,
    customFields: c.custom_fields,
    control: c.control,
    handover: c.handover,
  };
}

export function presentMessage(m: MessageRow) {
  return {
    id: m.id,
    caseId: m.case_id,
    conversationId: m.conversation_id,
    channelId: m.channel_id,
    direction: m.direction,
    authorType: m.author_type,
    authorId: m.author_id,
    type: m.type,
    text: m.text,
    content: m.content,
    private: m.private,
    platformMessageId: m.platform_message_id,
    status: m.status,
    error: m.error,
    createdAt: m.created_at.toISOString(),
    sentAt: iso(m.sent_at),
    review: m.reviewed_at ? { by: m.reviewed_by, at: m.reviewed_at.toISOString(), note: m.review_note } : null,
  };
}

export function presentCaseEvent(e: CaseEventRow) {
  return {
    id: e.id,
    caseId: e.case_id,
    action: e.action,
    actorType: e.actor_type,
    actorId: e.actor_id,
    details: e.details,
    createdAt: e.created_at.toISOString(),
  };
}

export function presentCaseOperation(o: CaseOperationRow) {
  const moved = o.moved as { messageIds?: string[]; conversationIds?: string[] };
  return {
    id: o.id,
    kind: o.kind,
    caseId: o.case_id,
    targetCaseId: o.target_case_id,
    actorType: o.actor_type,
    actorId: o.actor_id,
    reason: o.reason,
    messageIds: moved.messageIds ?? [],
    conversationIds: moved.conversationIds ?? [],
    createdAt: o.created_at.toISOString(),
    undoneAt: iso(o.undone_at),
    undoneBy: o.undone_by_type ? { type: o.undone_by_type, id: o.undone_by_id } : null,
  };
}

/** A case's conversation with its reply window: where a reply can go and until when. */
export function presentConversation(v: ConversationRow) {
  const closesAt =
    v.reply_window_hours !== null && v.last_inbound_at
      ? new Date(v.last_inbound_at.getTime() + v.reply_window_hours * 3600_000)
      : null;
  return {
    id: v.id,
    caseId: v.case_id,
    channelId: v.channel_id,
    channelType: v.channel_type,
    externalThreadId: v.external_thread_id,
    lastInboundAt: iso(v.last_inbound_at),
    replyWindowHours: v.reply_window_hours,
    replyWindowClosesAt: iso(closesAt),
    replyWindowMaxMessages: v.reply_window_max_messages,
    windowMessagesSent: v.window_messages_sent,
  };
}
