/**
 * Calls to the WeChat API with access_token management (CHANNELS.md §2.8): stable_token, cached per app id
 * in the database (encrypted), refreshed when ≤ 5 min remain, one refresher at a time (in-process
 * single-flight plus a database lease across workers), one forced refresh and retry on 40001/40014/42001.
 * The token travels only in the query string of the call; no error or log line carries it.
 */
import { sql } from "kysely";
import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret, encryptSecret } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import type { WechatAccount } from "./config.ts";
import { wq } from "./repository.ts";

/** An error answer of the WeChat API (`errcode` ≠ 0), or a transport failure (code -2, ours). */
/** Error codes worth retrying with backoff (§2.16): busy, quota, token; every other refusal is final. */
const TRANSIENT = new Set([-2, -1, 45011, 40001, 40014, 42001]);

/** Whether WeChat refused for good: its error code (raw or as an admin's `wechat_refused`) is not a transient one. */
export function isFinalWechatRefusal(err: unknown): boolean {
  const code =
    err instanceof WechatApiError
      ? err.code
      : err instanceof AppError && err.reason === "wechat_refused"
        ? (err.details as { code?: unknown } | undefined)?.code
        : undefined;
  return typeof code === "number" && !TRANSIENT.has(code);
}

export class WechatApiError extends Error {
  constructor(
    readonly code: number,
    readonly errmsg: string,
  ) {
    super(
      `WeChat API error ${code}${ERROR_MEANINGS[code] ? ` (${ERROR_MEANINGS[code]})` : ""}: ${errmsg.slice(0, 200)}`,
    );
    this.name = "WechatApiError";
  }
}

/** What the error codes of §2.16 mean, for messages shown to admins and agents. */
export const ERROR_MEANINGS: Record<number, string> = {
  [-2]: "network error reaching WeChat",
  [-1]: "WeChat is busy",
  40001: "invalid credential",
  40003: "invalid openid: the customer does not follow this account or belongs to another app",
  40013: "invalid AppID",
  40014: "invalid access_token",
  40125: "invalid AppSecret",
  40164: "this server's IP address is not on the account's IP whitelist",
  42001: "access_token expired",
  43004: "the customer does not follow the account",
  45009: "the API's daily quota is reached",
  45011: "the API's per-minute quota is reached",
  45015: "the customer-service window has closed",
  45047: "the customer-service message quota is used up",
  47003: "invalid template arguments",
  48001: "this account type is not authorised for the API",
};

/** Codes after which one forced token refresh and one retry are worth it (wechatpy retries exactly these). */
export const TOKEN_ERRORS: ReadonlySet<number> = new Set([40001, 40014, 42001]);
const REFRESH_MARGIN_MS = 5 * 60_000;
const LEASE_SECONDS = 20;
const CALL_TIMEOUT_MS = 10_000;

const inflight = new Map<string, Promise<string>>();

type Json = Record<string, unknown>;

/** A file sent as the multipart field `media` (media upload, kf avatars). */
export type UploadFile = { filename: string; contentType: string; data: Buffer };

async function send(
  url: string,
  init: { method: "GET" | "POST"; body?: Json | undefined; file?: UploadFile | undefined },
): Promise<Response> {
  let body: string | FormData | undefined;
  if (init.file) {
    const form = new FormData();
    form.append("media", new Blob([init.file.data], { type: init.file.contentType }), init.file.filename);
    body = form;
  } else if (init.body) {
    // WeChat expects UTF-8 JSON with non-ASCII characters as is.
    body = JSON.stringify(init.body);
  }
  try {
    return await fetch(url, {
      method: init.method,
      redirect: "manual",
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      headers: init.body && !init.file ? { "content-type": "application/json" } : {},
      body,
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    throw new WechatApiError(-2, timedOut ? `no answer within ${CALL_TIMEOUT_MS / 1000} s` : "connection failed");
  }
}

function parseJson(text: string): Json {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // handled below
  }
  throw new WechatApiError(-2, "the answer is not a JSON object");
}

async function requestJson(
  url: string,
  init: { method: "GET" | "POST"; body?: Json | undefined; file?: UploadFile | undefined },
): Promise<Json> {
  const res = await send(url, init);
  const text = await res.text();
  if (!res.ok) throw new WechatApiError(-2, `HTTP ${res.status}`);
  return parseJson(text);
}

function errorOf(json: Json): WechatApiError | null {
  const code = typeof json.errcode === "number" ? json.errcode : 0;
  return code === 0 ? null : new WechatApiError(code, typeof json.errmsg === "string" ? json.errmsg : "");
}

async function fetchStableToken(account: WechatAccount, force: boolean): Promise<{ token: string; expiresIn: number }> {
  const json = await requestJson(`${account.config.apiBaseUrl}/cgi-bin/stable_token`, {
    method: "POST",
    body: {
      grant_type: "client_credential",
      appid: account.config.appId,
      secret: account.secrets.appSecret,
      force_refresh: force,
    },
  });
  const error = errorOf(json);
  if (error) throw error;
  if (typeof json.access_token !== "string" || !json.access_token || typeof json.expires_in !== "number") {
    throw new WechatApiError(-2, "stable_token answered without access_token/expires_in");
  }
  return { token: json.access_token, expiresIn: json.expires_in };
}

type TokenRow = { token: string | null; expiresAt: Date | null; refreshedAt: Date | null };

async function readToken(ctx: AppContext, account: WechatAccount): Promise<TokenRow> {
  const row = await wq(ctx.database.db)
    .selectFrom("wechat_access_tokens")
    .select(["token_encrypted", "expires_at", "refreshed_at"])
    .where("workspace_id", "=", account.channel.workspace_id)
    .where("app_id", "=", account.config.appId)
    .executeTakeFirst();
  return {
    token: row?.token_encrypted ? decryptSecret(ctx.secretKey, row.token_encrypted) : null,
    expiresAt: row?.expires_at ?? null,
    refreshedAt: row?.refreshed_at ?? null,
  };
}

const isFresh = (row: TokenRow, now = Date.now()) =>
  row.token !== null && row.expiresAt !== null && row.expiresAt.getTime() - now > REFRESH_MARGIN_MS;

/**
 * The app's access_token: the cached one while more than 5 minutes remain, otherwise a refreshed one.
 * `stale`: a token WeChat just refused; a different one is returned (someone else's refresh, or ours).
 */
export async function accessToken(ctx: AppContext, account: WechatAccount, stale?: string): Promise<string> {
  const cached = await readToken(ctx, account);
  if (isFresh(cached) && cached.token !== stale && cached.token) return cached.token;
  const key = `${account.channel.workspace_id}:${account.config.appId}`;
  let pending = inflight.get(key);
  if (!pending) {
    pending = refreshToken(ctx, account, stale).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

async function refreshToken(ctx: AppContext, account: WechatAccount, stale: string | undefined): Promise<string> {
  const { db } = ctx.database;
  const ws = account.channel.workspace_id;
  const appId = account.config.appId;
  const started = Date.now();
  const usable = (row: TokenRow) =>
    isFresh(row) && row.token !== stale && (stale === undefined || (row.refreshedAt?.getTime() ?? 0) >= started - 1000);
  await wq(db)
    .insertInto("wechat_access_tokens")
    .values({
      workspace_id: ws,
      app_id: appId,
      token_encrypted: null,
      expires_at: null,
      refreshed_at: null,
      lease_until: null,
    })
    .onConflict((oc) => oc.columns(["workspace_id", "app_id"]).doNothing())
    .execute();
  while (Date.now() - started < (LEASE_SECONDS + 5) * 1000) {
    const leased = await wq(db)
      .updateTable("wechat_access_tokens")
      .set({ lease_until: sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})` })
      .where("workspace_id", "=", ws)
      .where("app_id", "=", appId)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", sql<Date>`now()`)]))
      .returning("app_id")
      .executeTakeFirst();
    if (leased) {
      const release = { lease_until: null };
      const releaseLease = () =>
        wq(db)
          .updateTable("wechat_access_tokens")
          .set(release)
          .where("workspace_id", "=", ws)
          .where("app_id", "=", appId)
          .execute();
      try {
        const current = await readToken(ctx, account);
        if (current.token && usable(current)) {
          await releaseLease();
          return current.token;
        }
        let fetched = await fetchStableToken(account, false);
        // Normal mode hands back the same token while WeChat deems it valid: force only when it is the refused one.
        if (stale !== undefined && fetched.token === stale) fetched = await fetchStableToken(account, true);
        const now = Date.now();
        await wq(db)
          .updateTable("wechat_access_tokens")
          .set({
            token_encrypted: encryptSecret(ctx.secretKey, fetched.token),
            expires_at: new Date(now + fetched.expiresIn * 1000),
            refreshed_at: new Date(now),
            ...release,
          })
          .where("workspace_id", "=", ws)
          .where("app_id", "=", appId)
          .execute();
        return fetched.token;
      } catch (err) {
        await releaseLease();
        throw err;
      }
    }
    // Another worker refreshes: wait for its result.
    await new Promise((r) => setTimeout(r, 100));
    const current = await readToken(ctx, account);
    if (current.token && usable(current)) return current.token;
  }
  throw new WechatApiError(-2, "another worker's token refresh did not finish in time");
}

/**
 * Calls a WeChat API path with the app's token; on 40001/40014/42001 refreshes the token once and retries
 * once. Throws WechatApiError for an `errcode` ≠ 0 (45009, the daily quota, is never retried here).
 */
export async function callWechat(
  ctx: AppContext,
  account: WechatAccount,
  path: string,
  init: CallInit = {},
): Promise<Json> {
  const answer = await withToken(ctx, account, path, init, false);
  if (answer.kind !== "json") throw new WechatApiError(-2, `${path} answered with a file, not JSON`);
  return answer.json;
}

type CallInit = { method?: "GET" | "POST"; query?: Record<string, string>; body?: Json; file?: UploadFile };
type Answer = { kind: "json"; json: Json } | { kind: "file"; data: Buffer; contentType: string };

/** Largest file `downloadWechat` accepts (WeChat's own media limits are 10 MB). */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/**
 * Downloads a file from a WeChat API path (`media/get`): its bytes and content type, or, when WeChat answers
 * JSON (a video's `video_url`), that JSON. Token errors are handled as in callWechat.
 */
export function downloadWechat(
  ctx: AppContext,
  account: WechatAccount,
  path: string,
  query: Record<string, string>,
): Promise<Answer> {
  return withToken(ctx, account, path, { method: "GET", query }, true);
}

async function withToken(
  ctx: AppContext,
  account: WechatAccount,
  path: string,
  init: CallInit,
  binary: boolean,
): Promise<Answer> {
  let stale: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const token = await accessToken(ctx, account, stale);
    const query = new URLSearchParams({ ...init.query, access_token: token });
    const url = `${account.config.apiBaseUrl}${path}?${query}`;
    const request = {
      method: init.method ?? (init.body || init.file ? "POST" : "GET"),
      body: init.body,
      file: init.file,
    } as const;
    let json: Json;
    if (binary) {
      const res = await send(url, request);
      if (!res.ok) throw new WechatApiError(-2, `HTTP ${res.status}`);
      const contentType = res.headers.get("content-type") ?? "application/octet-stream";
      const data = Buffer.from(await res.arrayBuffer());
      if (data.length > MAX_DOWNLOAD_BYTES) throw new WechatApiError(-2, "the file is larger than 20 MB");
      if (!/json|text\/plain/.test(contentType)) return { kind: "file", data, contentType };
      json = parseJson(data.toString("utf8"));
    } else {
      json = await requestJson(url, request);
    }
    const error = errorOf(json);
    if (!error) return { kind: "json", json };
    if (attempt === 0 && TOKEN_ERRORS.has(error.code)) {
      stale = token;
      continue;
    }
    throw error;
  }
}

/**
 * Calls a `/sns/*` path (web authorization): no base access_token, the caller's query (it may carry the
 * AppSecret or a web token, so the URL is never logged). Throws WechatApiError for an `errcode` ≠ 0.
 */
export async function callWechatSns(
  account: WechatAccount,
  path: string,
  query: Record<string, string>,
): Promise<Json> {
  const json = await requestJson(`${account.config.apiBaseUrl}${path}?${new URLSearchParams(query)}`, {
    method: "GET",
  });
  const error = errorOf(json);
  if (error) throw error;
  return json;
}

/** WeChat's refusal of an admin action as the API error shown to the admin: 422 `wechat_refused` with the code. */
export function refusedByWechat(err: unknown): unknown {
  if (!(err instanceof WechatApiError)) return err;
  return new AppError("unprocessable", "wechat_refused", err.message, { code: err.code });
}

/** callWechat for admin actions: a refusal becomes a 422 `wechat_refused` naming WeChat's code and its meaning. */
export async function callWechatAsAdmin(
  ctx: AppContext,
  account: WechatAccount,
  path: string,
  init: CallInit = {},
): Promise<Json> {
  try {
    return await callWechat(ctx, account, path, init);
  } catch (err) {
    throw refusedByWechat(err);
  }
}

/** Checks the credentials by fetching a token: WeChat's refusal comes back with its code (40125, 40164, …). */
export async function testCredentials(account: WechatAccount): Promise<void> {
  await fetchStableToken(account, false);
}
