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

/** TanStack Query key of the current session (GET /api/v1/me). */
export const meQueryKey = ["me"] as const;

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
  return typeof candidate.kind === "string" && typeof candidate.message === "string";
}

async function requestJson<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
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

export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
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
