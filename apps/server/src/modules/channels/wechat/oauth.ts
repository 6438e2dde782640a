/**
 * OAuth2 web authorization (网页授权, CHANNELS.md §2.14), the helpers the member portal will use: the
 * authorize URL (`snsapi_base` silent, openid only; `snsapi_userinfo` with a consent page), the code
 * exchange, the 30-day refresh, the user info with the UnionID, and joining the visitor to their profile
 * (the UnionID joins the brand's apps). The web access_token is not the account's base token: it is returned
 * to the caller and never stored or logged here.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { resolveContact } from "../../profiles/index.ts";
import { callWechatSns, WechatApiError } from "./api.ts";
import type { WechatAccount } from "./config.ts";

export const AUTHORIZE_ENDPOINT = "https://open.weixin.qq.com/connect/oauth2/authorize";
export type OAuthScope = "snsapi_base" | "snsapi_userinfo";

/** The URL to send a WeChat user to; `state` (≤ 128 letters, digits, `_` or `-`) comes back with the code. */
export function buildAuthorizeUrl(input: { appId: string; redirectUri: string; scope: OAuthScope; state: string }) {
  if (!/^[A-Za-z0-9_-]{0,128}$/.test(input.state)) {
    throw new AppError("invalid", "oauth_state_invalid", "state is at most 128 letters, digits, _ or -.", {
      field: "state",
    });
  }
  if (!/^https?:\/\//.test(input.redirectUri)) {
    throw new AppError(
      "invalid",
      "oauth_redirect_invalid",
      "redirectUri must be an http(s) URL on the account's authorised domain.",
      {
        field: "redirectUri",
      },
    );
  }
  // The parameter order is the documented one, and #wechat_redirect is mandatory.
  const query = [
    `appid=${encodeURIComponent(input.appId)}`,
    `redirect_uri=${encodeURIComponent(input.redirectUri)}`,
    "response_type=code",
    `scope=${input.scope}`,
    `state=${input.state}`,
  ].join("&");
  return `${AUTHORIZE_ENDPOINT}?${query}#wechat_redirect`;
}

const TokenAnswer = z.looseObject({
  access_token: z.string(),
  expires_in: z.number(),
  refresh_token: z.string(),
  openid: z.string(),
  scope: z.string(),
  unionid: z.string().optional(),
  is_snapshotuser: z.number().optional(),
});

/** A web authorization grant (for one user). */
export type WebGrant = {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  openId: string;
  scopes: string[];
  unionId?: string | undefined;
  /** WeChat's "snapshot" visitor (a page opened from the Moments preview): not a real authorization. */
  isSnapshotUser: boolean;
};

/** Codes meaning the user has to authorize again (expired or reused code, expired refresh token). */
const RESTART_CODES = new Set([40029, 40163, 42002, 42003, 40030]);

function oauthError(err: unknown): unknown {
  if (!(err instanceof WechatApiError)) return err;
  if (RESTART_CODES.has(err.code)) {
    return new AppError(
      "unauthenticated",
      "wechat_oauth_restart",
      `WeChat refused the authorization (${err.code}); send the user through the authorize URL again.`,
      {
        code: err.code,
      },
    );
  }
  return new AppError("unavailable", "wechat_oauth_failed", err.message, { code: err.code });
}

function grantOf(json: Record<string, unknown>): WebGrant {
  const t = TokenAnswer.parse(json);
  return {
    accessToken: t.access_token,
    expiresAt: new Date(Date.now() + t.expires_in * 1000),
    refreshToken: t.refresh_token,
    openId: t.openid,
    scopes: t.scope.split(",").filter(Boolean),
    unionId: t.unionid,
    isSnapshotUser: t.is_snapshotuser === 1,
  };
}

/** Exchanges the single-use `code` (5 minutes) for a web grant. */
export async function exchangeCode(account: WechatAccount, code: string): Promise<WebGrant> {
  try {
    return grantOf(
      await callWechatSns(account, "/sns/oauth2/access_token", {
        appid: account.config.appId,
        secret: account.secrets.appSecret,
        code,
        grant_type: "authorization_code",
      }),
    );
  } catch (err) {
    throw oauthError(err);
  }
}

/** Renews a web grant with its refresh token (valid 30 days). */
export async function refreshGrant(account: WechatAccount, refreshToken: string): Promise<WebGrant> {
  try {
    return grantOf(
      await callWechatSns(account, "/sns/oauth2/refresh_token", {
        appid: account.config.appId,
        grant_type: "refresh_token",
        refresh_token: refreshToken,
      }),
    );
  } catch (err) {
    throw oauthError(err);
  }
}

const UserInfoAnswer = z.looseObject({
  openid: z.string(),
  nickname: z.string().optional(),
  headimgurl: z.string().optional(),
  unionid: z.string().optional(),
  privilege: z.array(z.string()).optional(),
});

/** The user's WeChat profile (`snsapi_userinfo` grants only), with the UnionID when the account has one. */
export async function fetchWebUserInfo(grant: Pick<WebGrant, "accessToken" | "openId">, account: WechatAccount) {
  try {
    const u = UserInfoAnswer.parse(
      await callWechatSns(account, "/sns/userinfo", {
        access_token: grant.accessToken,
        openid: grant.openId,
        lang: "zh_CN",
      }),
    );
    return {
      openId: u.openid,
      unionId: u.unionid,
      nickname: u.nickname || undefined,
      avatarUrl: u.headimgurl || undefined,
      privilege: u.privilege ?? [],
    };
  } catch (err) {
    throw oauthError(err);
  }
}

/** The contact of an authorized web visitor: the OpenID of this app, joined by UnionID to the brand's other apps. */
export async function resolveWebVisitor(
  ctx: AppContext,
  account: WechatAccount,
  visitor: {
    openId: string;
    unionId?: string | undefined;
    nickname?: string | undefined;
    avatarUrl?: string | undefined;
  },
) {
  return resolveContact(
    ctx.database.db,
    { workspaceId: account.channel.workspace_id },
    { kind: "wechat_openid", externalId: visitor.openId, namespace: account.config.appId, verified: true },
    {
      unionId: visitor.unionId,
      displayName: visitor.nickname,
      avatarUrl: visitor.avatarUrl,
      source: `channel:${account.channel.id}:oauth`,
    },
  );
}
