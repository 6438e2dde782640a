// The case workspace's API calls: quick replies, macros, attachments, conversations (channel choice),
// approvals, checklists, retries, mentions and WeChat templates.
import { ApiError, type Case, type CaseStatus, type Message, type Page, requestJson, withQuery } from "../api.ts";

export type QuickReply = { id: string; scope: string; shortcut: string; title: string; body: string };
export type RenderedReply = {
  text: string;
  content: Record<string, unknown> | null;
  unknownVariables: string[];
  emptyVariables: string[];
};
export type Macro = { id: string; name: string; description: string | null };
export type Attachment = { id: string; fileName: string | null; contentType: string; size: number };
export type Conversation = {
  id: string;
  /** The case the thread is in; another case's (`case` set) when it is the contact's thread on another channel. */
  caseId: string;
  case?: { number: number; status: CaseStatus };
  channelId: string;
  channelType: string;
  externalThreadId: string;
  lastInboundAt: string | null;
  replyWindowClosesAt: string | null;
};
export type Channel = { id: string; type: string; name: string };
export type ChecklistItem = { id: string; label: string; required: boolean; ticked?: boolean };
export type CaseChecklist = { id: string; name: string; items: ChecklistItem[]; complete?: boolean };
export type Mention = {
  id: string;
  caseId: string;
  messageId: string;
  author: { type: string; id: string | null };
  text: string;
  case: { id: string; number: number; subject: string; status: string };
  createdAt: string;
};
export type WechatTemplate = { templateId: string; title: string; variables: string[] };
/** A message as the case view reads it: with the approval review and conversation. */
export type ThreadMessage = Message & {
  conversationId?: string | null;
  review?: { by: string | null; at: string; note: string | null } | null;
};

/** TanStack Query keys of the workspace's data. */
export const workspaceKeys = {
  quickReplies: (query: string) => ["quick-replies", query] as const,
  macros: ["macros"] as const,
  conversations: (caseId: string) => ["cases", "conversations", caseId] as const,
  channels: ["channels"] as const,
  checklists: (caseId: string) => ["cases", "checklists", caseId] as const,
  mentions: ["mentions"] as const,
  templates: (channelId: string) => ["wechat-templates", channelId] as const,
};

const id = encodeURIComponent;

export function searchQuickReplies(query: string): Promise<Page<QuickReply>> {
  return requestJson("GET", withQuery("/api/v1/quick-replies", { query, limit: 20 }));
}

/** A quick reply filled in with the case's and the agent's values. */
export function renderQuickReply(replyId: string, caseId: string): Promise<RenderedReply> {
  return requestJson("POST", `/api/v1/quick-replies/${id(replyId)}/render`, { caseId });
}

export function fetchMacros(): Promise<Page<Macro>> {
  return requestJson("GET", withQuery("/api/v1/macros", { limit: 200 }));
}

export function applyMacro(caseId: string, macroId: string): Promise<{ case: Case; messages: Message[] }> {
  return requestJson("POST", `/api/v1/cases/${id(caseId)}/macros/${id(macroId)}/apply`);
}

/** The case's threads, then the contact's latest thread on each other channel (a reply there moves it in). */
export async function fetchConversations(caseId: string): Promise<Conversation[]> {
  return (
    await requestJson<{ data: Conversation[] }>("GET", `/api/v1/cases/${id(caseId)}/conversations?include=contact`)
  ).data;
}

export function fetchChannels(): Promise<Page<Channel>> {
  return requestJson("GET", withQuery("/api/v1/channels", { limit: 200 }));
}

export type ReplyInput = {
  text?: string;
  content?: { type: string; [key: string]: unknown };
  private?: true;
  channelId?: string;
};

export function sendReply(caseId: string, input: ReplyInput): Promise<ThreadMessage> {
  return requestJson("POST", `/api/v1/cases/${id(caseId)}/messages`, input);
}

export function retryMessage(caseId: string, messageId: string): Promise<ThreadMessage> {
  return requestJson("POST", `/api/v1/cases/${id(caseId)}/messages/${id(messageId)}/retry`);
}

export function approveReply(messageId: string): Promise<ThreadMessage> {
  return requestJson("POST", `/api/v1/approvals/${id(messageId)}/approve`);
}

export function rejectReply(messageId: string, reason: string): Promise<ThreadMessage> {
  return requestJson("POST", `/api/v1/approvals/${id(messageId)}/reject`, { reason });
}

export async function fetchCaseChecklists(caseId: string): Promise<CaseChecklist[]> {
  return (await requestJson<{ data: CaseChecklist[] }>("GET", `/api/v1/cases/${id(caseId)}/checklists`)).data;
}

export async function tickChecklistItem(
  caseId: string,
  checklistId: string,
  itemId: string,
  ticked: boolean,
): Promise<CaseChecklist[]> {
  const path = `/api/v1/cases/${id(caseId)}/checklists/${id(checklistId)}/items/${id(itemId)}`;
  return (await requestJson<{ data: CaseChecklist[] }>("PUT", path, { ticked })).data;
}

export function fetchMentions(cursor?: string): Promise<Page<Mention>> {
  return requestJson("GET", withQuery("/api/v1/mentions", { cursor, limit: 50 }));
}

export async function fetchWechatTemplates(channelId: string): Promise<WechatTemplate[]> {
  return (await requestJson<{ data: WechatTemplate[] }>("GET", `/api/v1/channels/${id(channelId)}/wechat/templates`))
    .data;
}

export function sendWechatTemplate(
  channelId: string,
  input: { openId: string; templateId: string; data: Record<string, string> },
): Promise<unknown> {
  return requestJson("POST", `/api/v1/channels/${id(channelId)}/wechat/template-messages`, input);
}

/** Uploads a file to a case as the raw request body (the server checks its size and type). */
export async function uploadAttachment(caseId: string, file: File): Promise<Attachment> {
  const response = await fetch(withQuery(`/api/v1/cases/${id(caseId)}/attachments`, { fileName: file.name }), {
    method: "POST",
    credentials: "same-origin",
    headers: { accept: "application/json", "content-type": file.type || "application/octet-stream" },
    body: file,
  });
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (parsed as { error?: ApiError["body"] } | null)?.error ?? null;
    throw new ApiError(response.status, error);
  }
  return parsed as Attachment;
}
