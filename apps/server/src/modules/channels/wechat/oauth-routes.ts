/**
 * The web authorization routes (网页授权, CHANNELS.md §2.14) built on the oauth.ts helpers, for pages a WeChat
 * user opens inside WeChat (the member portal, a campaign page):
 *
 * - `GET /oauth/wechat/{channelId}/authorize?scope=snsapi_base|snsapi_userinfo&returnTo=/path` redirects to
 *   WeChat's authorize URL. Its `state` is bound to the workspace and channel (an HMAC with the server key over
 *   workspace, channel, scope, nonce and issue time) and its nonce is also set in an HttpOnly cookie: the
 *   callback accepts only the state it issued, to the browser it issued it to (login CSRF), within 10 minutes.
 * - `GET /oauth/wechat/{channelId}/callback?code&state` checks both, exchanges the code, and resolves the
 *   visitor's contact (the OpenID of this app, joined by UnionID to the brand's other apps). Consent-aware:
 *   the nickname and avatar are read and kept only when the user granted `snsapi_userinfo`; a silent
 *   `snsapi_base` grant keeps the OpenID and nothing else. Answers `{contactId, openId, unionId, scope}`, or
 *   302 to `returnTo` when one was given.
 *
 * No bearer auth (a WeChat user has no Rapport session); the web access token is never stored or returned.
 */
import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { cookieValue, setCookieHeader } from "../../../platform/cookies.ts";
import { safeEqual } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { findChannelById } from "../repository.ts";
import { wechatAccountOf } from "./config.ts";
import { buildAuthorizeUrl, exchangeCode, fetchWebUserInfo, type OAuthScope, resolveWebVisitor } from "./oauth.ts";

export const OAUTH_COOKIE = "rapport_wechat_oauth";
const STATE_TTL_SECONDS = 600;
const Scope = z.enum(["snsapi_base", "snsapi_userinfo"]);
/** A same-site path to land on after the callback (never another origin). */
const ReturnTo = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s]*$/, "returnTo is a path on this site, starting with a single /");

const AuthorizeQuery = z.strictObject({ scope: Scope.default("snsapi_base"), returnTo: ReturnTo.optional() });
const CallbackQuery = z.looseObject({ code: z.string().min(1).max(512).optional(), state: z.string().max(128) });

async function wechatChannel(ctx: AppContext, channelId: string) {
  const channel = z.uuid().safeParse(channelId).success ? await findChannelById(ctx.database.db, channelId) : undefined;
  if (channel?.type !== "wechat") {
    throw new AppError("not_found", "channel_not_found", "No such WeChat channel.");
  }
  return wechatAccountOf(ctx, channel);
}

function mac(ctx: AppContext, parts: string[]): string {
  return createHmac("sha256", ctx.secretKey)
    .update(`wechat-oauth\n${parts.join("\n")}`)
    .digest("hex")
    .slice(0, 40);
}

/** `<scope 0|1>_<issued at, base 36>_<nonce>_<mac>`: ≤ 128 letters, digits and `_`, as WeChat allows. */
export function issueState(ctx: AppContext, scope: { workspaceId: string; channelId: string }, oauthScope: OAuthScope) {
  const nonce = randomBytes(12).toString("hex");
  const flag = oauthScope === "snsapi_userinfo" ? "1" : "0";
  const issued = Math.floor(Date.now() / 1000).toString(36);
  const state = `${flag}_${issued}_${nonce}_${mac(ctx, [scope.workspaceId, scope.channelId, flag, issued, nonce])}`;
  return { state, nonce };
}

/** The nonce of a state this server issued for this workspace and channel, still fresh; 400 otherwise. */
export function checkState(ctx: AppContext, scope: { workspaceId: string; channelId: string }, state: string) {
  const [flag, issued, nonce, signature, extra] = state.split("_");
  const refuse = (message: string) =>
    new AppError("invalid", "wechat_oauth_state_invalid", `${message} Start again from the authorize link.`, {
      field: "state",
    });
  if (!flag || !issued || !nonce || !signature || extra !== undefined) throw refuse("The state is not one we issued.");
  if (!safeEqual(signature, mac(ctx, [scope.workspaceId, scope.channelId, flag, issued, nonce]))) {
    throw refuse("The state is not one we issued for this channel.");
  }
  const age = Date.now() / 1000 - Number.parseInt(issued, 36);
  if (!(age >= -60 && age <= STATE_TTL_SECONDS)) throw refuse("The authorization took longer than 10 minutes.");
  return { nonce, scope: (flag === "1" ? "snsapi_userinfo" : "snsapi_base") as OAuthScope };
}

/** Registers the two public web authorization routes. */
export function registerOAuthRoutes(app: HttpApp, ctx: AppContext): void {
  const cookiePath = (channelId: string) => `/oauth/wechat/${channelId}`;
  const tags = { tags: ["channels"] };

  app.get<{ Params: { channelId: string }; Querystring: unknown }>(
    "/oauth/wechat/:channelId/authorize",
    { schema: { ...tags, description: "Starts WeChat web authorization (redirects to WeChat)." } },
    async (request, reply) => {
      const account = await wechatChannel(ctx, request.params.channelId);
      const query = AuthorizeQuery.safeParse(request.query ?? {});
      if (!query.success) {
        const issue = query.error.issues[0];
        throw new AppError(
          "invalid",
          "wechat_oauth_query_invalid",
          `${issue?.path.join(".") || "query"}: ${issue?.message ?? "invalid"}. Give scope=snsapi_base or snsapi_userinfo and, optionally, returnTo=/a/path.`,
          { field: issue?.path.join(".") },
        );
      }
      const channelId = account.channel.id;
      const { state, nonce } = issueState(
        ctx,
        { workspaceId: account.channel.workspace_id, channelId },
        query.data.scope,
      );
      const redirectUri = `${request.protocol}://${request.host}/oauth/wechat/${channelId}/callback`;
      const cookie = JSON.stringify({ nonce, returnTo: query.data.returnTo ?? null });
      return reply
        .header(
          "set-cookie",
          setCookieHeader(OAUTH_COOKIE, cookie, {
            maxAgeSeconds: STATE_TTL_SECONDS,
            secure: request.protocol === "https",
            path: cookiePath(channelId),
          }),
        )
        .header("cache-control", "no-store")
        .redirect(buildAuthorizeUrl({ appId: account.config.appId, redirectUri, scope: query.data.scope, state }), 302);
    },
  );

  app.get<{ Params: { channelId: string }; Querystring: unknown }>(
    "/oauth/wechat/:channelId/callback",
    { schema: { ...tags, description: "WeChat's redirect after web authorization: resolves the visitor's contact." } },
    async (request, reply) => {
      const account = await wechatChannel(ctx, request.params.channelId);
      const channelId = account.channel.id;
      const scope = { workspaceId: account.channel.workspace_id, channelId };
      const query = CallbackQuery.safeParse(request.query ?? {});
      if (!query.success) {
        throw new AppError("invalid", "wechat_oauth_state_invalid", "The callback carries no valid state.", {
          field: "state",
        });
      }
      const checked = checkState(ctx, scope, query.data.state);
      const stored = z
        .object({ nonce: z.string(), returnTo: ReturnTo.nullable() })
        .safeParse(safeJson(cookieValue(request.headers, OAUTH_COOKIE)));
      if (!stored.success || !safeEqual(stored.data.nonce, checked.nonce)) {
        throw new AppError(
          "invalid",
          "wechat_oauth_csrf",
          "This authorization was not started in this browser (no matching cookie). Start again from the authorize link.",
          { field: "state" },
        );
      }
      // The cookie is spent either way: a state serves once.
      void reply.header(
        "set-cookie",
        setCookieHeader(OAUTH_COOKIE, "", {
          maxAgeSeconds: 0,
          secure: request.protocol === "https",
          path: cookiePath(channelId),
        }),
      );
      if (!query.data.code) {
        throw new AppError("forbidden", "wechat_oauth_denied", "The WeChat user did not authorize; nothing was kept.");
      }
      const grant = await exchangeCode(account, query.data.code);
      const consented = grant.scopes.includes("snsapi_userinfo") && checked.scope === "snsapi_userinfo";
      const info = consented ? await fetchWebUserInfo(grant, account) : undefined;
      const resolved = await resolveWebVisitor(ctx, account, {
        openId: grant.openId,
        unionId: info?.unionId ?? grant.unionId,
        nickname: info?.nickname,
        avatarUrl: info?.avatarUrl,
      });
      if (stored.data.returnTo) return reply.header("cache-control", "no-store").redirect(stored.data.returnTo, 302);
      return reply.header("cache-control", "no-store").send({
        contactId: resolved.contactId,
        created: resolved.created,
        openId: grant.openId,
        unionId: info?.unionId ?? grant.unionId ?? null,
        scope: consented ? "snsapi_userinfo" : "snsapi_base",
      });
    },
  );
}

function safeJson(value: string | undefined): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
