import { describe, expect, it } from "vitest";
import {
  composeDisplayName,
  foldText,
  isPlaceholder,
  latinNameKeyOf,
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

describe("latin name keys", () => {
  const cases: [string, [string | null, string | null, string | null], string][] = [
    ["a Han name from its parts", ["芳", "王", "王芳"], "fangwang"],
    ["a Latin name", [null, null, "Wang Fang"], "fangwang"],
    ["the same Latin name reordered", [null, null, "Fang Wang"], "fangwang"],
    ["a two-character Han given name as one word", ["小明", "王", "王小明"], "wangxiaoming"],
    ["its pinyin with the given name first", ["Xiaoming", "Wang", "Xiaoming Wang"], "wangxiaoming"],
    ["a Han display name alone, split after the family name", [null, null, "王小明"], "wangxiaoming"],
    ["a compound family name", [null, null, "司马光"], "guangsima"],
    ["its pinyin", [null, null, "Guang Sima"], "guangsima"],
    ["a Han name with a space kept as written", [null, null, "王 小明"], "wangxiaoming"],
    ["parts without a display name", ["小明", "王", null], "wangxiaoming"],
    ["a Cyrillic name", ["Иван", "Петров", "Иван Петров"], "ivanpetrov"],
    ["the Latin name", [null, null, "Ivan Petrov"], "ivanpetrov"],
    ["the Latin name family first", [null, null, "Petrov Ivan"], "ivanpetrov"],
    ["a Greek name", [null, null, "Ελένη"], "eleni"],
    ["accents, case and punctuation", [null, null, "  Jean-Luc  PICARD "], "jeanlucpicard"],
    ["punctuation and case, reordered", [null, null, "picard, jean luc"], "jeanlucpicard"],
    ["no name", [null, null, null], ""],
    ["blank parts", [" ", "", " "], ""],
    ["a placeholder", [null, null, "N/A"], ""],
    ["a placeholder in Chinese", [null, null, "未知"], ""],
    ["an email in the name", [null, null, "ada@example.com"], ""],
    ["a phone number in the name", [null, null, "+86 138 0013 8000"], ""],
    ["symbols only", [null, null, "★★ ☆"], ""],
    ["digits kept", [null, null, "Agent 007"], "007agent"],
  ];
  it.each(cases)("keys %s", (_, [given, family, display], key) => {
    expect(latinNameKeyOf(given, family, display)).toBe(key);
  });

  it("keys a name the same whatever the order of its words", () => {
    expect(latinNameKeyOf(null, null, "Ada King Lovelace")).toBe(latinNameKeyOf(null, null, "Lovelace Ada King"));
  });
});
