import { describe, expect, it } from "vitest";
import { isOriginAllowed, WebchatConfig } from "./config.ts";
import { identityHash, isIdentityHashValid, peekTokenChannel, signVisitorToken, verifyVisitorToken } from "./token.ts";

const claims = {
  workspaceId: "0190a0b0-0000-7000-8000-000000000001",
  channelId: "0190a0b0-0000-7000-8000-000000000002",
  visitorId: "0190a0b0-0000-7000-8000-000000000003",
};

describe("visitor tokens", () => {
  it("verifies a token signed with the channel secret and names its channel", () => {
    const token = signVisitorToken("secret-a", claims);
    expect(peekTokenChannel(token)).toBe(claims.channelId);
    expect(verifyVisitorToken("secret-a", token)).toEqual(claims);
  });

  it("refuses a token signed with another secret, tampered, or expired", () => {
    const token = signVisitorToken("secret-a", claims);
    expect(verifyVisitorToken("secret-b", token)).toBeUndefined();
    const [v, body, mac] = token.split(".") as [string, string, string];
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), v: claims.channelId }),
    );
    expect(verifyVisitorToken("secret-a", `${v}.${other.toString("base64url")}.${mac}`)).toBeUndefined();
    expect(verifyVisitorToken("secret-a", `${token}.x`)).toBeUndefined();
    const old = signVisitorToken("secret-a", claims, Date.now() - 91 * 24 * 3600_000);
    expect(verifyVisitorToken("secret-a", old)).toBeUndefined();
  });

  it("never lets a token signature double as an identify hash", () => {
    const token = signVisitorToken("secret-a", claims);
    const [v, body, mac] = token.split(".") as [string, string, string];
    expect(isIdentityHashValid("secret-a", `${v}.${body}`, Buffer.from(mac, "base64url").toString("hex"))).toBe(false);
  });

  it("accepts the hex HMAC-SHA256 of the user id as identify hash, in either case", () => {
    // Published-style vector: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
    expect(identityHash("key", "The quick brown fox jumps over the lazy dog")).toBe(
      "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    );
    const hash = identityHash("s", "user-1");
    expect(isIdentityHashValid("s", "user-1", hash.toUpperCase())).toBe(true);
    expect(isIdentityHashValid("s", "user-2", hash)).toBe(false);
    expect(isIdentityHashValid("s", "user-1", "")).toBe(false);
  });
});

describe("origin allow-list", () => {
  const config = WebchatConfig.parse({ allowedOrigins: ["https://shop.example", "https://*.brand.example"] });
  const server = "http://rapport.local:3000";

  it("allows listed origins, wildcard subdomains and the server itself", () => {
    expect(isOriginAllowed(config, "https://shop.example", server)).toBe(true);
    expect(isOriginAllowed(config, "https://eu.brand.example", server)).toBe(true);
    expect(isOriginAllowed(config, "http://rapport.local:3000", server)).toBe(true);
    expect(isOriginAllowed(config, undefined, server)).toBe(true);
  });

  it("refuses look-alikes", () => {
    expect(isOriginAllowed(config, "http://shop.example", server)).toBe(false);
    expect(isOriginAllowed(config, "https://shop.example.evil.example", server)).toBe(false);
    expect(isOriginAllowed(config, "https://brand.example", server)).toBe(false);
    expect(isOriginAllowed(config, "https://evilbrand.example", server)).toBe(false);
    expect(isOriginAllowed(config, "null", server)).toBe(false);
  });
});
