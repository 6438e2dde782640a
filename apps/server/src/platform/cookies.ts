import type { IncomingHttpHeaders } from "node:http";

/** One cookie's value from a request's `Cookie` header (undefined when absent or not decodable). */
export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export type CookieOptions = { maxAgeSeconds: number; secure: boolean; httpOnly?: boolean; path?: string };

/**
 * A `Set-Cookie` value (SameSite=Lax, HttpOnly unless told otherwise). A session needs no more than this, so the
 * server does without a cookie plugin and its hooks on every request. `maxAgeSeconds: 0` deletes the cookie.
 */
export function setCookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Max-Age=${Math.floor(options.maxAgeSeconds)}`];
  if (options.maxAgeSeconds <= 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  parts.push(`Path=${options.path ?? "/"}`);
  if (options.httpOnly !== false) parts.push("HttpOnly");
  parts.push("SameSite=Lax");
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
