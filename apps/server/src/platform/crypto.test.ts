import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, hashToken, parseSecretKey, randomToken, safeEqual } from "./crypto.ts";

describe("secret encryption", () => {
  const key = randomBytes(32);

  it("round-trips and never contains the plaintext", () => {
    const sealed = encryptSecret(key, "wx-app-secret-12345");
    expect(sealed).not.toContain("wx-app-secret");
    expect(decryptSecret(key, sealed)).toBe("wx-app-secret-12345");
  });

  it("uses a fresh IV each time", () => {
    expect(encryptSecret(key, "same")).not.toBe(encryptSecret(key, "same"));
  });

  it("refuses a wrong key or a tampered value without revealing either", () => {
    const sealed = encryptSecret(key, "s3cret");
    expect(() => decryptSecret(randomBytes(32), sealed)).toThrow(/RAPPORT_SECRET_KEY/);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => decryptSecret(key, parts.join("."))).toThrow(/cannot be decrypted/);
    expect(() => decryptSecret(key, "garbage")).toThrow(/malformed/);
  });

  it("parses hex and base64 keys of 32 bytes only", () => {
    expect(parseSecretKey("ab".repeat(32))).toHaveLength(32);
    expect(parseSecretKey(randomBytes(32).toString("base64"))).toHaveLength(32);
    expect(() => parseSecretKey("abcd")).toThrow(/32 bytes/);
  });
});

describe("tokens", () => {
  it("are prefixed, random and stored as a stable hash", () => {
    const a = randomToken("rpt_");
    expect(a.startsWith("rpt_")).toBe(true);
    expect(a).not.toBe(randomToken("rpt_"));
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(safeEqual(a, a)).toBe(true);
    expect(safeEqual(a, `${a}x`)).toBe(false);
  });
});
