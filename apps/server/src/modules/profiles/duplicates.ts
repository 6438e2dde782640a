import { foldText, isCjk, nameKeyOf } from "./normalize.ts";

/** What the scorer needs to know about a contact. */
export type DuplicateCandidate = {
  id: string;
  displayName: string | null;
  company: string | null;
  /** The name in Latin letters, words in any order (`latinNameKeyOf`); "" when none. */
  latinKey: string;
  emailKeys: string[];
  phoneKeys: string[];
};

export type DuplicateReason =
  | { code: "same_email"; value: string }
  | { code: "same_phone"; value: string }
  | { code: "same_name"; value: string }
  | { code: "similar_name"; distance: number }
  | { code: "transliterated_name"; value: string }
  | { code: "same_company"; value: string };

export type DuplicateScore = { level: "certain" | "probable"; score: number; reasons: DuplicateReason[] };

/** Optimal-string-alignment (Damerau–Levenshtein) distance, stopping early above `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    const row = new Array<number>(t.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const at = (i: number, j: number) => rows[i]?.[j] ?? 0;
  for (let j = 0; j <= t.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= s.length; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
  }
  return at(s.length, t.length);
}

/** How many typos a name of this length may hold and still count as similar. */
function allowedTypos(length: number): number {
  if (length <= 3) return length >= 2 ? 1 : 0;
  if (length <= 8) return 1;
  return 2;
}

/** A name of at least two words, or a CJK name of family + given name (王芳). */
function isFullName(displayName: string, nameKey: string): boolean {
  return displayName.trim().split(/\s+/).length >= 2 || (isCjk(displayName) && [...nameKey].length >= 2);
}

/**
 * Scores a pair: a shared normalised email or phone is certain; the same or a similar name (within a typo
 * distance that grows with its length) together with the same company is probable; the same full name alone
 * (at least two words or three characters) is probable with a lower score. A name that differs more but reads
 * the same in Latin letters, words in any order (王芳 / "Fang Wang", "Petrov Ivan" / "Ivan Petrov"), counts
 * like a similar name with the same company and, when both are full names, a little lower alone. Two CJK
 * names are never paired that way: different characters of the same sound are different names. Anything else
 * is no duplicate.
 */
export function scoreDuplicate(a: DuplicateCandidate, b: DuplicateCandidate): DuplicateScore | null {
  const reasons: DuplicateReason[] = [];
  for (const e of a.emailKeys) if (b.emailKeys.includes(e)) reasons.push({ code: "same_email", value: e });
  for (const p of a.phoneKeys) if (b.phoneKeys.includes(p)) reasons.push({ code: "same_phone", value: p });
  if (reasons.length) return { level: "certain", score: 1, reasons };

  const nameA = nameKeyOf(a.displayName);
  const nameB = nameKeyOf(b.displayName);
  const companyA = a.company ? foldText(a.company) : "";
  const sameCompany = companyA !== "" && b.company !== null && companyA === foldText(b.company);
  if (!nameA || !nameB) return null;
  const distance = editDistance(nameA, nameB, 3);
  const typos = allowedTypos(Math.min([...nameA].length, [...nameB].length));
  const displayA = a.displayName ?? "";
  const displayB = b.displayName ?? "";
  const transliterated =
    distance > typos && a.latinKey !== "" && a.latinKey === b.latinKey && !(isCjk(displayA) && isCjk(displayB));
  if (distance === 0) reasons.push({ code: "same_name", value: displayA });
  else if (distance <= typos) reasons.push({ code: "similar_name", distance });
  else if (transliterated) reasons.push({ code: "transliterated_name", value: displayB });
  else return null;
  if (sameCompany && b.company) {
    reasons.push({ code: "same_company", value: b.company });
    return { level: "probable", score: distance === 0 ? 0.9 : 0.75, reasons };
  }
  const distinctive = (a.displayName?.trim().split(/\s+/).length ?? 0) >= 2 || [...nameA].length >= 3;
  if (distance === 0 && distinctive) return { level: "probable", score: 0.6, reasons };
  if (transliterated && isFullName(displayA, nameA) && isFullName(displayB, nameB)) {
    return { level: "probable", score: 0.55, reasons };
  }
  return null;
}
