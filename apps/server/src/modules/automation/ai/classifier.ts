/**
 * A multinomial naive Bayes text classifier over binary features: folded words, word bigrams, character
 * trigrams of words (French/Spanish morphology without a stemmer), Chinese character unigrams and bigrams, and
 * a few shape features (a link, digits, `!`, `?`, shouting). Trained in milliseconds from the examples shipped
 * with the code; a workspace's corrections are extra counts over the shared model (no copy).
 */
import { documentTokens } from "../../../platform/search-text.ts";

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const URL = /https?:\/\/|www\.|\.(com|net|xyz|ru|cn|top)\b/i;

/** The features of a text (a set: each counts once). */
export function features(text: string): Set<string> {
  const out = new Set<string>();
  let prev: string | undefined;
  for (const token of documentTokens(text)) {
    if (CJK.test(token)) {
      out.add(`h:${token}`);
      prev = undefined;
      continue;
    }
    out.add(`w:${token}`);
    if (prev) out.add(`b:${prev}_${token}`);
    prev = token;
    if (token.length >= 4) {
      const padded = ` ${token} `;
      for (let i = 0; i + 3 <= padded.length; i++) out.add(`c:${padded.slice(i, i + 3)}`);
    }
  }
  if (URL.test(text)) out.add("s:url");
  if (/\d{3,}/.test(text)) out.add("s:num");
  if (/[!！]/.test(text)) out.add("s:!");
  if (/[!！]{2,}/.test(text)) out.add("s:!!");
  if (/[?？¿]/.test(text)) out.add("s:?");
  if (/\b[A-Z]{4,}\b/.test(text)) out.add("s:caps");
  if (/[€$¥£]|\b(usd|eur|rmb)\b/i.test(text)) out.add("s:money");
  if (/\p{Extended_Pictographic}/u.test(text)) out.add("s:emoji");
  const length = [...text].length;
  out.add(length < 12 ? "s:tiny" : length < 40 ? "s:short" : "s:long");
  return out;
}

/** Feature counts per class (how many training texts of each class have the feature). */
export type Counts = { labels: readonly string[]; features: Map<string, number[]>; docs: number[] };

/** Counts the examples' features; `weight` makes each example count several times (corrections). */
export function train(
  labels: readonly string[],
  examples: Iterable<{ text: string; label: string }>,
  weight = 1,
): Counts {
  const counts: Counts = { labels, features: new Map(), docs: labels.map(() => 0) };
  for (const ex of examples) {
    const c = labels.indexOf(ex.label);
    if (c < 0) continue;
    counts.docs[c] = (counts.docs[c] ?? 0) + weight;
    for (const f of features(ex.text)) {
      let row = counts.features.get(f);
      if (!row) {
        row = labels.map(() => 0);
        counts.features.set(f, row);
      }
      row[c] = (row[c] ?? 0) + weight;
    }
  }
  return counts;
}

const ALPHA = 0.5;

/** A trained model: the shared counts, and optionally a workspace's correction counts on top. */
export type Model = { base: Counts; extra?: Counts | undefined; totals: number[]; vocabulary: number };

/** Builds a model from counts (and a workspace's corrections). */
export function modelOf(base: Counts, extra?: Counts): Model {
  const totals = base.labels.map((_, c) => {
    let t = 0;
    for (const row of base.features.values()) t += row[c] ?? 0;
    if (extra) for (const row of extra.features.values()) t += row[c] ?? 0;
    return t;
  });
  let vocabulary = base.features.size;
  if (extra) for (const f of extra.features.keys()) if (!base.features.has(f)) vocabulary++;
  return { base, extra, totals, vocabulary };
}

/** The class probabilities of a text (or of its features, computed once for several models), highest first. */
export function classify(model: Model, text: string | Set<string>): { label: string; p: number }[] {
  const { labels } = model.base;
  const scores = labels.map(() => 0);
  for (const f of typeof text === "string" ? features(text) : text) {
    const row = model.base.features.get(f);
    const extra = model.extra?.features.get(f);
    if (!row && !extra) continue;
    for (let c = 0; c < labels.length; c++) {
      const n = (row?.[c] ?? 0) + (extra?.[c] ?? 0);
      scores[c] = (scores[c] ?? 0) + Math.log((n + ALPHA) / ((model.totals[c] ?? 0) + ALPHA * model.vocabulary));
    }
  }
  // Uniform priors: every class is as likely a priori (the training set is roughly balanced anyway).
  const max = Math.max(...scores);
  const exp = scores.map((s) => Math.exp(s - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return labels.map((label, c) => ({ label, p: (exp[c] ?? 0) / sum })).sort((a, b) => b.p - a.p);
}
