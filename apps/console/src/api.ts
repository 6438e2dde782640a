// Thin fetch client for the Rapport HTTP API. Errors arrive as
// {"error":{"kind","reason","message","details","requestId"}} and are thrown as ApiError.

export type Session = {
  user: { id: string; email: string; name: string };
  workspace: { id: string; slug: string; name: string };
  role: string;
};

export type ApiErrorBody = {
  kind: string;
  reason: string;
  message: string;
  details?: unknown;
  requestId?: string;
};

export type Page<T> = { data: T[]; nextCursor: string | null };

export const caseStatuses = ["open", "pending", "on-hold", "solved", "closed"] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export const casePriorities = ["urgent", "high", "normal", "low"] as const;
export type CasePriority = (typeof casePriorities)[number];

export type Case = {
  id: string;
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  contactId: string;
  contact: { id: string; displayName: string | null } | null;
  slaState?: "ok" | "warning" | "breached" | null;
  slaDueAt?: string | null;
  assigneeId: string | null;
  teamId: string | null;
  tags: string[];
  channelIds: string[];
  replyWindowClosesAt: string | null;
  lastMessageAt: string;
  createdAt: string;
  updatedAt: string;
  solvedAt: string | null;
};

export type MessageStatus = "received" | "queued" | "sent" | "delivered" | "read" | "failed";

export type Message = {
  id: string;
  caseId: string;
  direction: "inbound" | "outbound";
  type: string;
  text: string;
  content: unknown;
  private: boolean;
  status: MessageStatus;
  error: string | null;
  channelId: string | null;
  authorType: string;
  authorId: string | null;
  createdAt: string;
};

export type CaseEvent = {
  id: string;
  action: string;
  actorType: string;
  actorId: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
};

export type Member = { id: string; email: string; name: string; role: string };

export type Team = { id: string; name: string; memberIds: string[] };

export type ContactSummary = {
  id: string;
  displayName: string | null;
  emails: string[];
  phones: string[];
  company: string | null;
};

export type ConsentState = "granted" | "withdrawn" | "unknown";

export type Identity = {
  id: string;
  kind: string;
  namespace: string | null;
  externalId: string;
  verified: boolean;
  lastSeenAt: string;
  consent: Partial<Record<string, ConsentState>>;
};

export type ContactProfile = {
  id: string;
  displayName: string | null;
  emails: string[];
  phones: string[];
  language: string | null;
  company: string | null;
  tags: string[];
  lifecycleStage: string | null;
  avatarUrl: string | null;
  attributes?: Record<string, unknown>;
  createdAt: string;
  identities: Identity[];
};

/** Filters of `GET /api/v1/cases`; `assigneeId` takes a user id, `me` or `none`. */
export type CaseFilters = {
  /** One status or several, comma-separated. */
  status?: string | undefined;
  /** One priority or several, comma-separated. */
  priority?: string | undefined;
  assigneeId?: string | undefined;
  /** A team id, or `mine`: the caller's teams. */
  teamId?: string | undefined;
  tag?: string | undefined;
  channelId?: string | undefined;
  contactId?: string | undefined;
  q?: string | undefined;
  /** `me`: cases whose internal notes @mention the signed-in member. */
  mentioned?: "me" | undefined;
  /** SLA states, comma-separated. */
  slaState?: string | undefined;
  /** Reply window still open and closing within this many minutes. */
  windowClosingWithin?: number | undefined;
  sort?: CaseSort | undefined;
};

/** The orders of the case list (server-side, each with exact keyset pages). */
export const caseSorts = ["recent", "newest", "oldest", "priority", "slaDue", "replyWindow"] as const;
export type CaseSort = (typeof caseSorts)[number];

export type CasePatch = {
  status?: CaseStatus;
  priority?: CasePriority;
  assigneeId?: string | null;
  teamId?: string | null;
  tags?: string[];
};

/** TanStack Query key of the current session (GET /api/v1/me). */
export const meQueryKey = ["me"] as const;

/** TanStack Query keys of the case data; invalidating a prefix refetches everything below it. */
export const caseKeys = {
  all: ["cases"] as const,
  lists: () => ["cases", "list"] as const,
  list: (filters: CaseFilters) => ["cases", "list", filters] as const,
  detail: (id: string) => ["cases", "detail", id] as const,
  messages: (id: string) => ["cases", "messages", id] as const,
  events: (id: string) => ["cases", "events", id] as const,
};

export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody | null;

  constructor(status: number, body: ApiErrorBody | null) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.message === "string" && (typeof candidate.kind === "string" || "reason" in candidate);
}

/** One JSON request to the API; a non-2xx answer throws ApiError with the server's error body. */
export async function requestJson<T>(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers = { ...init.headers, "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed: unknown = null;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const error = (parsed as { error?: unknown } | null)?.error;
    throw new ApiError(response.status, isApiErrorBody(error) ? error : null);
  }
  return parsed as T;
}

/** The path with the defined, non-empty query parameters appended. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/** The reason string of an API error (`reply_window_closed`, …), or null. */
export function errorReason(error: unknown): string | null {
  return error instanceof ApiError ? (error.body?.reason ?? null) : null;
}

/** The current session, or null when nobody is signed in. */
export async function fetchMe(): Promise<Session | null> {
  try {
    return await requestJson<Session>("GET", "/api/v1/me");
  } catch (error) {
    if (isUnauthenticated(error)) return null;
    throw error;
  }
}

export function logIn(input: { email: string; password: string }): Promise<Session> {
  return requestJson<Session>("POST", "/api/v1/auth/login", input);
}

export async function logOut(): Promise<void> {
  await requestJson<unknown>("POST", "/api/v1/auth/logout");
}

export function fetchCases(filters: CaseFilters, cursor: string | undefined, limit = 50): Promise<Page<Case>> {
  return requestJson("GET", withQuery("/api/v1/cases", { ...filters, cursor, limit }));
}

export function fetchCase(id: string): Promise<Case> {
  return requestJson("GET", `/api/v1/cases/${encodeURIComponent(id)}`);
}

export function updateCase(id: string, patch: CasePatch): Promise<Case> {
  return requestJson("PATCH", `/api/v1/cases/${encodeURIComponent(id)}`, patch);
}

/** Every message of a case, oldest first (follows the cursor up to `maxPages` pages). */
export async function fetchAllMessages(caseId: string, maxPages = 20): Promise<Message[]> {
  const messages: Message[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await requestJson<Page<Message>>(
      "GET",
      withQuery(`/api/v1/cases/${encodeURIComponent(caseId)}/messages`, { cursor, limit: 200 }),
    );
    messages.push(...result.data);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return messages;
}

export function sendMessage(caseId: string, input: { text: string; private?: true }): Promise<Message> {
  return requestJson("POST", `/api/v1/cases/${encodeURIComponent(caseId)}/messages`, input);
}

export function fetchCaseEvents(caseId: string): Promise<Page<CaseEvent>> {
  return requestJson("GET", withQuery(`/api/v1/cases/${encodeURIComponent(caseId)}/events`, { limit: 200 }));
}

export function fetchMembers(): Promise<Page<Member>> {
  return requestJson("GET", withQuery("/api/v1/users", { limit: 200 }));
}

export function fetchTeams(): Promise<Page<Team>> {
  return requestJson("GET", withQuery("/api/v1/teams", { limit: 200 }));
}

export function fetchContact(id: string): Promise<ContactProfile> {
  return requestJson("GET", `/api/v1/contacts/${encodeURIComponent(id)}`);
}

/** A message found by search: its case, the case's contact, and a snippet (escaped HTML, terms in `<mark>`). */
export type MessageHit = {
  message: Message;
  case: { id: string; number: number; subject: string; status: CaseStatus };
  contact: { id: string; displayName: string | null } | null;
  snippet: string;
};

/** Messages (customer's, replies and notes) holding every word of the query, newest first (global search). */
export function searchMessages(query: string, limit = 8): Promise<Page<MessageHit>> {
  return requestJson("GET", withQuery("/api/v1/messages/search", { q: query, limit }));
}

/** Contacts whose name, email, phone or identity matches the query (global search). */
export function searchContacts(query: string, limit = 8): Promise<Page<ContactSummary>> {
  return requestJson("GET", withQuery("/api/v1/contacts", { query, limit }));
}
