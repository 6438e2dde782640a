import { describe, expect, it } from "vitest";
import { type DuplicateCandidate, editDistance, scoreDuplicate } from "./duplicates.ts";

const c = (over: Partial<DuplicateCandidate>): DuplicateCandidate => ({
  id: "x",
  displayName: null,
  company: null,
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
});
