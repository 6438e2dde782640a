import { describe, expect, it } from "vitest";
import {
  composeDisplayName,
  foldText,
  isPlaceholder,
  nameKeyOf,
  normalizeEmail,
  normalizeExternalId,
  normalizePhone,
} from "./normalize.ts";

describe("phone normalisation", () => {
  it("reads a national number in the workspace's region and gives E.164", () => {
    expect(normalizePhone("06 12 34 56 78", "FR")).toEqual({
      value: "06 12 34 56 78",
      e164: "+33612345678",
      valid: true,
    });
    expect(normalizePhone("138 0013 8000", "CN").e164).toBe("+8613800138000");
  });

  it("reads an international number whatever the region", () => {
    expect(normalizePhone("+44 20 7946 0958", "CN").e164).toBe("+442079460958");
    expect(normalizePhone("+1 (415) 555-2671", null).e164).toBe("+14155552671");
  });

  it("keeps an invalid or unreadable number as entered, flagged invalid", () => {
    expect(normalizePhone("12345", "FR")).toEqual({ value: "12345", e164: null, valid: false });
    expect(normalizePhone("call me", "FR")).toEqual({ value: "call me", e164: null, valid: false });
    expect(normalizePhone("06 12 34 56 78", null).valid).toBe(false);
  });
});

describe("email normalisation", () => {
  it("lower-cases and trims a valid email, keeping the value as entered", () => {
    expect(normalizeEmail(" Ada@Example.COM ")).toEqual({
      value: " Ada@Example.COM ",
      normalized: "ada@example.com",
      valid: true,
    });
  });

  it("flags an invalid email without fixing it", () => {
    expect(normalizeEmail("ada@example")).toEqual({ value: "ada@example", normalized: null, valid: false });
    expect(normalizeEmail("ada example.com").valid).toBe(false);
  });
});

describe("identity keys", () => {
  it("normalises external ids by kind", () => {
    expect(normalizeExternalId("email", " Ada@Example.com")).toBe("ada@example.com");
    expect(normalizeExternalId("phone", "06 12 34 56 78", "FR")).toBe("+33612345678");
    expect(normalizeExternalId("whatsapp_id", "+33 6 12 34 56 78")).toBe("33612345678");
    expect(normalizeExternalId("wechat_openid", " oABC-123 ")).toBe("oABC-123");
  });
});

describe("names and text", () => {
  it("composes display names in the order of the name's script", () => {
    expect(composeDisplayName("小明", "王")).toBe("王小明");
    expect(composeDisplayName("Ada", "Lovelace")).toBe("Ada Lovelace");
    expect(composeDisplayName(null, "Lovelace")).toBe("Lovelace");
    expect(composeDisplayName(" ", null)).toBeNull();
  });

  it("folds accents, width and case for search", () => {
    expect(foldText("  Zoë  ÉLODIE ")).toBe("zoe elodie");
    expect(foldText("ＡＢＣ１２３")).toBe("abc123");
    expect(nameKeyOf("Jean-Luc Picard")).toBe("jeanlucpicard");
  });

  it("recognises placeholder values", () => {
    for (const v of ["-", "n/a", "N/A", "test", "xxxx", "未知", " none "]) expect(isPlaceholder(v), v).toBe(true);
    for (const v of ["Ada", "Test Kitchen Ltd", "王小明"]) expect(isPlaceholder(v), v).toBe(false);
  });
});
