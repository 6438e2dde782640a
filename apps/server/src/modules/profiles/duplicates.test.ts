import { describe, expect, it } from "vitest";
import { type DuplicateCandidate, editDistance, scoreDuplicate } from "./duplicates.ts";
import { latinNameKeyOf } from "./normalize.ts";

/** A candidate whose Latin key is derived from its display name as a contact row's is (unless given). */
const c = (over: Partial<DuplicateCandidate>): DuplicateCandidate => ({
  id: "x",
  displayName: null,
  company: null,
  latinKey: latinNameKeyOf(null, null, over.displayName),
  emailKeys: [],
  phoneKeys: [],
  ...over,
});

describe("edit distance", () => {
  it("counts substitutions, insertions, deletions and transpositions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("jonathan", "jonahtan")).toBe(1);
    expect(editDistance("王小明", "王晓明")).toBe(1);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("a", "abcdef", 2)).toBe(3);
  });
});

describe("duplicate scoring", () => {
  it("is certain on a shared normalised email or phone, with the reason", () => {
    const s = scoreDuplicate(c({ emailKeys: ["ada@x.io"] }), c({ emailKeys: ["ada@x.io"], displayName: "Someone" }));
    expect(s).toEqual({ level: "certain", score: 1, reasons: [{ code: "same_email", value: "ada@x.io" }] });
    expect(scoreDuplicate(c({ phoneKeys: ["+33612345678"] }), c({ phoneKeys: ["+33612345678"] }))?.level).toBe(
      "certain",
    );
  });

  it("is probable on a name with a typo at the same company", () => {
    const s = scoreDuplicate(
      c({ displayName: "Jonathan Smith", company: "ACME" }),
      c({ displayName: "Jonahtan Smith", company: "Acme " }),
    );
    expect(s).toEqual({
      level: "probable",
      score: 0.75,
      reasons: [
        { code: "similar_name", distance: 1 },
        { code: "same_company", value: "Acme " },
      ],
    });
  });

  it("scores the same name at the same company higher than the same name alone", () => {
    const withCompany = scoreDuplicate(
      c({ displayName: "王小明", company: "腾讯" }),
      c({ displayName: "王小明", company: "腾讯" }),
    );
    const alone = scoreDuplicate(c({ displayName: "王小明" }), c({ displayName: "王小明" }));
    expect(withCompany?.score).toBe(0.9);
    expect(alone?.score).toBe(0.6);
  });

  it("does not pair a similar name without a company, nor different names", () => {
    expect(scoreDuplicate(c({ displayName: "Jonathan Smith" }), c({ displayName: "Jonahtan Smith" }))).toBeNull();
    expect(
      scoreDuplicate(
        c({ displayName: "Ada Lovelace", company: "X" }),
        c({ displayName: "Grace Hopper", company: "X" }),
      ),
    ).toBeNull();
    expect(scoreDuplicate(c({ displayName: "Al" }), c({ displayName: "Al" }))).toBeNull();
  });

  it("pairs the same name in another script or word order, with its own reason", () => {
    const pairs: [string, string][] = [
      ["王芳", "Fang Wang"],
      ["王芳", "Wang Fang"],
      ["王小明", "Xiaoming Wang"],
      ["Иван Петров", "Ivan Petrov"],
      ["Иван Петров", "Petrov Ivan"],
      ["Fang Wang", "Wang Fang"],
    ];
    for (const [x, y] of pairs) {
      expect(scoreDuplicate(c({ displayName: x }), c({ displayName: y })), `${x} / ${y}`).toEqual({
        level: "probable",
        score: 0.55,
        reasons: [{ code: "transliterated_name", value: y }],
      });
    }
  });

  it("scores a transliterated name at the same company like a similar one", () => {
    expect(
      scoreDuplicate(c({ displayName: "Ελένη", company: "Acme" }), c({ displayName: "Eleni", company: "ACME" })),
    ).toEqual({
      level: "probable",
      score: 0.75,
      reasons: [
        { code: "transliterated_name", value: "Eleni" },
        { code: "same_company", value: "ACME" },
      ],
    });
  });

  it("does not pair a transliterated first name alone, two CJK homophones, or different Latin keys", () => {
    expect(scoreDuplicate(c({ displayName: "Ελένη" }), c({ displayName: "Eleni" }))).toBeNull();
    // 王芳 and 汪放 both read "Wang Fang": different names, not one name in two scripts.
    expect(
      scoreDuplicate(c({ displayName: "王芳", company: "X" }), c({ displayName: "汪放", company: "X" })),
    ).toBeNull();
    expect(scoreDuplicate(c({ displayName: "王芳" }), c({ displayName: "Fang Li" }))).toBeNull();
  });

  it("keeps a typo within the allowance a similar name even when the Latin keys match", () => {
    expect(scoreDuplicate(c({ displayName: "王芳", company: "X" }), c({ displayName: "王方", company: "X" }))).toEqual({
      level: "probable",
      score: 0.75,
      reasons: [
        { code: "similar_name", distance: 1 },
        { code: "same_company", value: "X" },
      ],
    });
  });
});
