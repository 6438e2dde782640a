// The admin API used by the settings pages (loaded with them, not with the inbox).
import { ApiError, type Member, type Page, requestJson, type Team, withQuery } from "../api.ts";

export const roles = ["owner", "admin", "supervisor", "agent", "analyst"] as const;
export type Role = (typeof roles)[number];

export type Workspace = { id: string; slug: string; name: string; defaultLocale: string; timezone: string };

export type ApiToken = {
  id: string;
  name: string;
  role: Role;
  prefix?: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export const slaPriorities = ["urgent", "high", "normal", "low"] as const;
export const slaTargets = ["firstResponse", "nextResponse", "periodicUpdate", "resolution"] as const;
export type SlaTarget = (typeof slaTargets)[number];
export type SlaPolicy = {
  name: string;
  targets: Partial<Record<(typeof slaPriorities)[number], Partial<Record<SlaTarget, number>>>>;
  calendar?: unknown;
  warningThreshold?: number;
};

export const channelTypes = ["api", "webchat", "email", "wechat"] as const;
export type ChannelType = (typeof channelTypes)[number];
export type Channel = {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
  webhookUrl?: string;
  createdAt: string;
  disabledAt: string | null;
};
export type CreatedChannel = { channel: Channel; webhookUrl?: string } & Record<string, unknown>;

export type DeadLetter = { id: string; queue: string; data: unknown; error: unknown; failedAt: string };

export type AutomationRule = {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  trigger: string;
  keywords: string[];
  conditions: unknown;
  actions: unknown;
  updatedAt: string;
};

/** TanStack Query keys of the settings data. */
export const settingsKeys = {
  workspace: ["workspace"] as const,
  members: ["members"] as const,
  teams: ["teams"] as const,
  sla: ["sla-policy"] as const,
  tokens: ["tokens"] as const,
  channels: ["channels"] as const,
  deadLetters: ["dead-letters"] as const,
  rules: ["automation-rules"] as const,
};

const id = encodeURIComponent;

export const fetchWorkspace = () => requestJson<Workspace>("GET", "/api/v1/workspace");
export const updateWorkspace = (patch: Partial<Pick<Workspace, "name" | "defaultLocale" | "timezone">>) =>
  requestJson<Workspace>("PATCH", "/api/v1/workspace", patch);

export const addMember = (input: { email: string; name?: string; role: Role; password?: string }) =>
  requestJson<Member & { initialPassword?: string }>("POST", "/api/v1/users", input);
export const changeRole = (userId: string, role: Role) =>
  requestJson<Member>("PATCH", `/api/v1/users/${id(userId)}`, { role });

export const createTeam = (name: string) => requestJson<Team>("POST", "/api/v1/teams", { name });
export const setTeamMember = (teamId: string, userId: string, member: boolean) =>
  requestJson<void>(member ? "PUT" : "DELETE", `/api/v1/teams/${id(teamId)}/members/${id(userId)}`);

/** The workspace's SLA policy, or null when none is set yet. */
export async function fetchSlaPolicy(): Promise<SlaPolicy | null> {
  try {
    return await requestJson<SlaPolicy>("GET", "/api/v1/sla/policy");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
export const putSlaPolicy = (policy: SlaPolicy) => requestJson<SlaPolicy>("PUT", "/api/v1/sla/policy", policy);

export const fetchTokens = () => requestJson<Page<ApiToken>>("GET", withQuery("/api/v1/tokens", { limit: 200 }));
export const createToken = (input: { name: string; role: Role }) =>
  requestJson<ApiToken & { token: string }>("POST", "/api/v1/tokens", input);
export const revokeToken = (tokenId: string) => requestJson<ApiToken>("DELETE", `/api/v1/tokens/${id(tokenId)}`);

export const fetchChannels = () => requestJson<Page<Channel>>("GET", withQuery("/api/v1/channels", { limit: 200 }));
export const createChannel = (input: { type: ChannelType; name: string; config: Record<string, unknown> }) =>
  requestJson<CreatedChannel>("POST", "/api/v1/channels", input);
export const testChannel = (channelId: string) =>
  requestJson<{ ok: boolean; detail?: string }>("POST", `/api/v1/channels/${id(channelId)}/test`);

export const fetchDeadLetters = (cursor: string | undefined) =>
  requestJson<Page<DeadLetter>>("GET", withQuery("/api/v1/jobs/dead-letters", { cursor, limit: 50 }));
export const retryDeadLetter = (letterId: string) =>
  requestJson<{ retried: boolean }>("POST", `/api/v1/jobs/dead-letters/${id(letterId)}/retry`);

export const fetchRules = () => requestJson<Page<AutomationRule>>("GET", "/api/v1/automation/rules");
/** Turns a rule on or off (the API takes the whole rule back). */
export const setRuleEnabled = (rule: AutomationRule, enabled: boolean) =>
  requestJson<AutomationRule>("PUT", `/api/v1/automation/rules/${id(rule.id)}`, {
    name: rule.name,
    enabled,
    trigger: rule.trigger,
    ...(rule.keywords.length ? { keywords: rule.keywords } : {}),
    ...(rule.conditions ? { conditions: rule.conditions } : {}),
    actions: rule.actions,
  });
