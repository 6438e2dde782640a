/** The visitor API client: session (token in localStorage), messages, catch-up, identify, page views. */
import type { Language } from "./i18n.ts";
import type { Trigger } from "./triggers.ts";

export type WidgetConfig = {
  primaryColour: string;
  textColour: string;
  position: "bottom-right" | "bottom-left";
  greeting: Partial<Record<Language, string>>;
  launcherText: Partial<Record<Language, string>>;
  languages: Language[];
  language: string;
  /** Whether someone can answer now (business hours, an agent online): proactive triggers need it. */
  available: boolean;
  triggers: Trigger[];
  /** What visitors may attach. */
  uploads: { enabled: boolean; maxBytes: number; types: string[] };
  /** Questions asked before the first message, or null. */
  preChatForm: { fields: PreChatField[] } | null;
  /** Whether the widget offers a message form when nobody can answer. */
  offlineForm: boolean;
  /** Whether "email me the transcript" is offered (the workspace has a mailbox). */
  transcript: boolean;
  /** The workspace's help center (it has published articles): the panel offers a search box. */
  helpCenter: { slug: string } | null;
};

/** A help-center article found by the widget's search box. */
export type HelpHit = { title: string; snippet: string; url: string };

/** Searches a help center (public and cross-origin: a plain GET, no credentials, no preflight). */
export async function searchHelp(base: string, slug: string, q: string, lang: string): Promise<HelpHit[]> {
  const query = `q=${encodeURIComponent(q)}&lang=${encodeURIComponent(lang)}&limit=5`;
  const res = await fetch(`${base}/help/${encodeURIComponent(slug)}/search?${query}`);
  if (!res.ok) throw new ApiError(res.status, "help_search_failed", res.statusText);
  return ((await res.json()) as { data: HelpHit[] }).data.map((h) => ({ ...h, url: new URL(h.url, base).href }));
}

export type PreChatField = {
  id: string;
  kind: "name" | "email" | "phone" | "custom";
  label: Partial<Record<Language, string>>;
  required: boolean;
};

/** The visitor's conversation so far, and what the widget should ask before it. */
export type Resumed = { data: ChatMessage[]; preChat: "needed" | "done"; email: string | null };
type ErrorBody = { error?: { reason?: string; message?: string; details?: { problems?: Problem[] } } };
export type Problem = { field: string; message: string };

export type Attachment = { id: string; name: string | null; contentType: string | null; size: number | null };

export type ChatMessage = {
  id: string;
  clientMessageId: string | null;
  direction: "inbound" | "outbound";
  author: "visitor" | "agent" | "bot";
  type: string;
  text: string;
  attachment: Attachment | null;
  createdAt: string;
};

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  /** Field problems of a refused form (`values.email`, `email`…). */
  readonly problems: Problem[];
  constructor(status: number, reason: string, message: string, problems: Problem[] = []) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.problems = problems;
  }
}

/** A Web Storage area, or undefined where the browser blocks it. */
export function storage(kind: "localStorage" | "sessionStorage" = "localStorage"): Storage | undefined {
  try {
    return window[kind];
  } catch {
    return undefined; // storage blocked (private mode, sandboxed iframe): the session lives as long as the page
  }
}

export function createClient(base: string, channelId: string) {
  const root = `${base}/widget/v1/channels/${encodeURIComponent(channelId)}`;
  const key = `rapport:webchat:${channelId}`;
  let token: string | undefined = storage()?.getItem(key) ?? undefined;

  async function request(method: "GET" | "POST", path: string, body?: BodyInit, type?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (type) headers["content-type"] = type;
    const res = await fetch(`${root}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    if (res.ok) return res;
    const json = (await res.json().catch(() => ({}))) as ErrorBody;
    const e = json.error;
    throw new ApiError(res.status, e?.reason ?? "error", e?.message ?? res.statusText, e?.details?.problems);
  }

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await request(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? undefined : "application/json",
    );
    return (await res.json()) as T;
  }

  async function startSession(language: Language): Promise<string> {
    const session = await call<{ token: string }>("POST", "/sessions", { language });
    token = session.token;
    storage()?.setItem(key, token);
    return token;
  }

  return {
    get token() {
      return token;
    },
    config: () => call<WidgetConfig>("GET", "/config"),
    /** The stored session if it is still valid, else a new one; returns the conversation so far. */
    async resume(language: Language, preChat: boolean): Promise<Resumed> {
      if (token) {
        try {
          return await call<Resumed>("GET", "/conversation");
        } catch (err) {
          if (!(err instanceof ApiError) || err.status !== 401) throw err;
        }
      }
      await startSession(language);
      return { data: [], preChat: preChat ? "needed" : "done", email: null };
    },
    preChat: (values: Record<string, string>) => call<{ preChat: string }>("POST", "/pre-chat", { values }),
    offline: (input: { name: string; email: string; message: string }) =>
      call<{ replyBy: "email" | "chat" }>("POST", "/offline-messages", input),
    transcript: (email: string | undefined) => call<{ email: string }>("POST", "/transcript", email ? { email } : {}),
    catchUp: async (after: string | undefined) =>
      (await call<{ data: ChatMessage[] }>("GET", `/conversation${after ? `?after=${encodeURIComponent(after)}` : ""}`))
        .data,
    send: async (clientMessageId: string, text: string) =>
      (await call<{ message: ChatMessage }>("POST", "/messages", { clientMessageId, text })).message,
    identify: (input: { userId: string; hash?: string; email?: string; name?: string }) =>
      call<{ identified: boolean }>("POST", "/identify", input),
    /** The solved case waiting for a rating, if any. */
    csatPrompt: async () => (await call<{ prompt: { caseId: string } | null }>("GET", "/csat")).prompt,
    rate: (caseId: string, rating: number, comment: string) =>
      call<{ rating: number }>("POST", "/csat", { caseId, rating, ...(comment.trim() ? { comment } : {}) }),
    /** Sends a file as a message (the raw body with its type). */
    upload: async (clientMessageId: string, file: File) => {
      const query = `clientMessageId=${clientMessageId}&fileName=${encodeURIComponent(file.name.slice(0, 255) || "file")}`;
      const res = await request("POST", `/attachments?${query}`, file, file.type || "application/octet-stream");
      return ((await res.json()) as { message: ChatMessage }).message;
    },
    /** A file of the conversation as a blob (the token goes in a header, so it is fetched, not linked). */
    file: async (id: string) => (await request("GET", `/attachments/${encodeURIComponent(id)}`)).blob(),
    pageView: (view: { url: string; title?: string; referrer?: string; context?: Record<string, unknown> }) =>
      call<{ recorded: boolean }>("POST", "/page-views", view),
  };
}
export type Client = ReturnType<typeof createClient>;
