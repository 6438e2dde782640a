import { createHmac } from "node:crypto";
import { z } from "zod";
import { safeEqual } from "../../../platform/crypto.ts";

/** How long a visitor token lives (the widget renews it on each session start). */
export const VISITOR_TOKEN_TTL_SECONDS = 90 * 24 * 3600;

const Claims = z.strictObject({
  w: z.uuid(),
  c: z.uuid(),
  v: z.uuid(),
  exp: z.number().int(),
});
export type VisitorClaims = { workspaceId: string; channelId: string; visitorId: string };

/**
 * The key visitor tokens are signed with: derived from the channel secret, so a token's signature can never
 * double as an identify hash (which is HMAC(userId, channel secret)).
 */
function tokenKey(channelSecret: string): Buffer {
  return createHmac("sha256", channelSecret).update("rapport-webchat-visitor-token-v1").digest();
}

/** A visitor token: `wv1.<claims base64url>.<HMAC-SHA256 base64url>`, scoped to one channel and one visitor. */
export function signVisitorToken(channelSecret: string, claims: VisitorClaims, now = Date.now()): string {
  const body = Buffer.from(
    JSON.stringify({
      w: claims.workspaceId,
      c: claims.channelId,
      v: claims.visitorId,
      exp: Math.floor(now / 1000) + VISITOR_TOKEN_TTL_SECONDS,
    }),
  ).toString("base64url");
  const mac = createHmac("sha256", tokenKey(channelSecret)).update(`wv1.${body}`).digest("base64url");
  return `wv1.${body}.${mac}`;
}

/** The channel id a token claims, before its signature is checked (to find the channel's secret). */
export function peekTokenChannel(token: string): string | undefined {
  const [version, body] = token.split(".");
  if (version !== "wv1" || !body) return undefined;
  try {
    const parsed = Claims.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    return parsed.success ? parsed.data.c : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of a token signed with this channel secret and not expired; undefined for anything else. */
export function verifyVisitorToken(channelSecret: string, token: string, now = Date.now()): VisitorClaims | undefined {
  const [version, body, mac, extra] = token.split(".");
  if (version !== "wv1" || !body || !mac || extra !== undefined) return undefined;
  const expected = createHmac("sha256", tokenKey(channelSecret)).update(`wv1.${body}`).digest("base64url");
  if (!safeEqual(mac, expected)) return undefined;
  try {
    const parsed = Claims.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    if (!parsed.success || parsed.data.exp * 1000 < now) return undefined;
    return { workspaceId: parsed.data.w, channelId: parsed.data.c, visitorId: parsed.data.v };
  } catch {
    return undefined;
  }
}

/** The identify hash the host site computes on its server: hex HMAC-SHA256 of the user id with the channel secret. */
export function identityHash(channelSecret: string, userId: string): string {
  return createHmac("sha256", channelSecret).update(userId).digest("hex");
}

/** Whether an identify hash is the right one (constant time; case-insensitive hex). */
export function isIdentityHashValid(channelSecret: string, userId: string, hash: string): boolean {
  return safeEqual(hash.toLowerCase(), identityHash(channelSecret, userId));
}
