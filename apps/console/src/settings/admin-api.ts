// The API of the admin screens added for issue 7: business hours, skills and capacity, case statuses and
// fields, quick replies, macros, the audit log, and editing a channel.
import { type Page, requestJson, withQuery } from "../api.ts";
import type { Channel } from "./settings-api.ts";

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];
export type OpenInterval = { start: string; end: string };
export type Holiday = { date: string; name?: string; closedFrom?: string; closedUntil?: string };
export type Calendar = {
  timeZone: string;
  weekly: Partial<Record<Weekday, OpenInterval[]>>;
  holidays?: Holiday[];
};

export type Skill = { name: string; agents: number; defined: boolean };
export type RoutingAgent = {
  userId: string;
  name: string;
  presence: string;
  teams: string[];
  skills: Record<string, number>;
  capacity: Record<string, number>;
  load: Record<string, number>;
};

export const statusTypes = ["open", "pending", "on-hold", "solved", "closed"] as const;
export type CaseStatusType = (typeof statusTypes)[number];
export type CustomStatus = { id: string; name: string; type: CaseStatusType; position: number };

export const fieldTypes = ["text", "number", "boolean", "date", "select"] as const;
export type CaseFieldType = (typeof fieldTypes)[number];
export type CaseField = { id: string; key: string; label: string; type: CaseFieldType; options: string[] | null };

export const replyScopes = ["workspace", "team", "personal"] as const;
export type ReplyScope = (typeof replyScopes)[number];
export type QuickReply = {
  id: string;
  scope: ReplyScope;
  teamId: string | null;
  ownerId: string | null;
  shortcut: string;
  title: string;
  body: string;
  unknownVariables: string[];
  updatedAt: string;
};
/** The variables a quick reply or a macro's reply may use (the server's TEMPLATE_VARIABLES). */
export const templateVariables = [
  "contact.name",
  "contact.first_name",
  "agent.name",
  "agent.first_name",
  "case.number",
  "case.subject",
  "case.status",
  "case.priority",
] as const;

export const macroActionTypes = [
  "reply",
  "quick_reply",
  "note",
  "add_tags",
  "remove_tags",
  "set_status",
  "set_priority",
  "assign_agent",
  "assign_team",
] as const;
export type MacroActionType = (typeof macroActionTypes)[number];
export type MacroAction =
  | { type: "reply" | "note"; text: string }
  | { type: "quick_reply"; quickReplyId: string }
  | { type: "add_tags" | "remove_tags"; tags: string[] }
  | { type: "set_status"; status: string }
  | { type: "set_priority"; priority: string }
  | { type: "assign_agent"; userId: string | null }
  | { type: "assign_team"; teamId: string | null };
export type Macro = { id: string; name: string; description: string | null; actions: MacroAction[]; updatedAt: string };

export type AuditEntry = {
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
};
export type AuditFilters = { action?: string; actorId?: string; from?: string; to?: string };

/** TanStack Query keys of the admin data. */
export const adminKeys = {
  businessHours: ["business-hours"] as const,
  skills: ["routing-skills"] as const,
  agents: ["routing-agents"] as const,
  statuses: ["case-statuses"] as const,
  fields: ["case-fields"] as const,
  quickReplies: ["quick-replies", "admin"] as const,
  macros: ["macros"] as const,
  audit: (filters: AuditFilters) => ["audit-log", filters] as const,
};

const id = encodeURIComponent;

export const fetchBusinessHours = () => requestJson<{ calendar: Calendar | null }>("GET", "/api/v1/business-hours");
export const putBusinessHours = (calendar: Calendar | null) =>
  requestJson<{ calendar: Calendar | null }>("PUT", "/api/v1/business-hours", { calendar });

export const fetchSkills = () => requestJson<Page<Skill>>("GET", "/api/v1/routing/skills");
export const createSkill = (name: string) => requestJson<Skill>("POST", "/api/v1/routing/skills", { name });
export const deleteSkill = (name: string) => requestJson<void>("DELETE", `/api/v1/routing/skills/${id(name)}`);
export const fetchRoutingAgents = () => requestJson<Page<RoutingAgent>>("GET", "/api/v1/routing/agents");
export const putRoutingAgent = (
  userId: string,
  input: { skills?: Record<string, number>; capacity?: Record<string, number> },
) => requestJson<RoutingAgent>("PUT", `/api/v1/routing/agents/${id(userId)}`, input);

export const fetchStatuses = () => requestJson<{ data: CustomStatus[] }>("GET", "/api/v1/case-statuses");
export const createStatus = (input: { name: string; type: CaseStatusType; position?: number }) =>
  requestJson<CustomStatus>("POST", "/api/v1/case-statuses", input);
export const updateStatus = (statusId: string, input: { name?: string; position?: number }) =>
  requestJson<CustomStatus>("PATCH", `/api/v1/case-statuses/${id(statusId)}`, input);
export const deleteStatus = (statusId: string) => requestJson<void>("DELETE", `/api/v1/case-statuses/${id(statusId)}`);

export const fetchFields = () => requestJson<{ data: CaseField[] }>("GET", "/api/v1/case-fields");
export const createField = (input: { key: string; label: string; type: CaseFieldType; options?: string[] }) =>
  requestJson<CaseField>("POST", "/api/v1/case-fields", input);
export const deleteField = (fieldId: string) => requestJson<void>("DELETE", `/api/v1/case-fields/${id(fieldId)}`);

export const fetchQuickReplies = () =>
  requestJson<Page<QuickReply>>("GET", withQuery("/api/v1/quick-replies", { limit: 200 }));
export type QuickReplyInput = { scope: ReplyScope; teamId?: string; shortcut: string; title: string; body: string };
export const createQuickReply = (input: QuickReplyInput) =>
  requestJson<QuickReply>("POST", "/api/v1/quick-replies", input);
export const updateQuickReply = (replyId: string, input: { shortcut?: string; title?: string; body?: string }) =>
  requestJson<QuickReply>("PATCH", `/api/v1/quick-replies/${id(replyId)}`, input);
export const deleteQuickReply = (replyId: string) =>
  requestJson<void>("DELETE", `/api/v1/quick-replies/${id(replyId)}`);

export const fetchMacros = () => requestJson<Page<Macro>>("GET", withQuery("/api/v1/macros", { limit: 200 }));
export type MacroInput = { name: string; description?: string | null; actions: MacroAction[] };
export const createMacro = (input: MacroInput) => requestJson<Macro>("POST", "/api/v1/macros", input);
export const updateMacro = (macroId: string, input: MacroInput) =>
  requestJson<Macro>("PATCH", `/api/v1/macros/${id(macroId)}`, input);
export const deleteMacro = (macroId: string) => requestJson<void>("DELETE", `/api/v1/macros/${id(macroId)}`);

export const fetchAuditLog = (filters: AuditFilters, cursor: string | undefined) =>
  requestJson<Page<AuditEntry>>("GET", withQuery("/api/v1/audit-log", { ...filters, cursor, limit: 50 }));

export const updateChannel = (channelId: string, input: { name?: string; config?: Record<string, unknown> }) =>
  requestJson<Channel>("PATCH", `/api/v1/channels/${id(channelId)}`, input);
