/**
 * Search text, computed in JS so PGlite and PostgreSQL index and match identically: folding (NFKC, accents
 * removed, lower case), tokens (words for alphabetic scripts, character unigrams and bigrams for Chinese and
 * other CJK scripts), `tsvector`/`tsquery` literals that bypass the database's parser and locale, and
 * highlights. Shared by the knowledge base, message search and AI triage.
 */

const MARKS = /\p{M}+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const RUN = /[\p{L}\p{N}]+/gu;
const MAX_WORD = 64;

/** Folds text for matching: compatibility forms (full-width `Ａ` is `a`), no accents, lower case. */
export function fold(text: string): string {
  return text.normalize("NFKC").normalize("NFKD").replace(MARKS, "").toLowerCase();
}

/** A run of letters split into alphabetic words and CJK stretches. */
function* pieces(folded: string): Generator<{ text: string; cjk: boolean }> {
  for (const [run] of folded.matchAll(RUN)) {
    let cur = "";
    let curCjk = false;
    for (const ch of run) {
      const isCjk = CJK.test(ch);
      if (cur && isCjk !== curCjk) {
        yield { text: cur, cjk: curCjk };
        cur = "";
      }
      cur += ch;
      curCjk = isCjk;
    }
    if (cur) yield { text: cur, cjk: curCjk };
  }
}

/** Tokens of a document, in order: words, and for CJK every character and every pair of adjacent characters. */
export function documentTokens(text: string): string[] {
  const out: string[] = [];
  for (const p of pieces(fold(text))) {
    if (!p.cjk) {
      out.push(p.text.slice(0, MAX_WORD));
      continue;
    }
    const chars = [...p.text];
    for (let i = 0; i < chars.length; i++) {
      out.push(chars[i] as string);
      if (i + 1 < chars.length) out.push(`${chars[i]}${chars[i + 1]}`);
    }
  }
  return out;
}

/** A query term: a word (matched as a prefix when `prefix`) or a CJK n-gram. */
export type QueryTerm = { text: string; prefix: boolean };

const STOP = new Set(
  (
    "a an and are as at be but by can de do does du el en es est et for from has have how i if in is it la las le les " +
    "los me my no not of on or our para por que qui se so the this to un una une was what when where why with you your " +
    "y o il elle je ne pas mon ma mes su sus lo al del des au aux ce cette votre nous vous"
  ).split(" "),
);

/**
 * Terms of a query: words (the last one, or all with `allPrefix`, matched as prefixes from 3 letters) and CJK
 * bigrams (a single CJK character stays a unigram). `dropStopWords` removes frequent words (for "any" queries).
 */
export function queryTerms(query: string, options: { dropStopWords?: boolean } = {}): QueryTerm[] {
  const terms = new Map<string, QueryTerm>();
  for (const p of pieces(fold(query))) {
    if (!p.cjk) {
      const word = p.text.slice(0, MAX_WORD);
      if (options.dropStopWords && STOP.has(word)) continue;
      terms.set(word, { text: word, prefix: word.length >= 3 });
      continue;
    }
    const chars = [...p.text];
    if (chars.length === 1) terms.set(p.text, { text: p.text, prefix: false });
    for (let i = 0; i + 1 < chars.length; i++) {
      const gram = `${chars[i]}${chars[i + 1]}`;
      terms.set(gram, { text: gram, prefix: false });
    }
  }
  return [...terms.values()].slice(0, 32);
}

const quote = (lexeme: string) => `'${lexeme.replace(/['\\]/g, (c) => `\\${c}`)}'`;
const MAX_POSITIONS = 64;

/**
 * A `tsvector` literal of weighted fields (A: title, B: tags, C: body): cast with `::tsvector`, it is read the
 * same by every PostgreSQL build (no parser, dictionary or locale involved).
 */
export function tsvectorLiteral(fields: { text: string; weight: "A" | "B" | "C" | "D" }[]): string {
  const positions = new Map<string, string[]>();
  let pos = 1;
  for (const field of fields) {
    for (const token of documentTokens(field.text)) {
      const list = positions.get(token) ?? [];
      if (list.length < MAX_POSITIONS) list.push(`${Math.min(pos, 16383)}${field.weight}`);
      positions.set(token, list);
      pos++;
    }
    pos += 10;
  }
  return [...positions].map(([token, list]) => `${quote(token)}:${list.join(",")}`).join(" ");
}

/** A `tsquery` literal joining the terms with `&` (all) or `|` (any); undefined when there is no term. */
export function tsqueryLiteral(terms: QueryTerm[], mode: "all" | "any"): string | undefined {
  if (terms.length === 0) return undefined;
  return terms.map((t) => `${quote(t.text)}${t.prefix ? ":*" : ""}`).join(mode === "all" ? " & " : " | ");
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * HTML-escaped text with the query's terms wrapped in `<mark>`; with `window`, cut to about that many
 * characters around the first match (… at the cuts).
 */
export function highlight(text: string, terms: QueryTerm[], window?: number): string {
  // Fold code point by code point, remembering where each folded character came from.
  const origin: number[] = [];
  let folded = "";
  let i = 0;
  for (const ch of text) {
    const f = fold(ch);
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  origin.push(text.length);
  const ranges: [number, number][] = [];
  for (const term of terms) {
    let from = 0;
    for (;;) {
      const at = folded.indexOf(term.text, from);
      if (at < 0) break;
      from = at + term.text.length;
      const before = folded[at - 1];
      // Words match at a word start (and whole unless a prefix); CJK n-grams anywhere.
      const isWord = !CJK.test(term.text);
      if (isWord && before !== undefined && /[\p{L}\p{N}]/u.test(before)) continue;
      let end = at + term.text.length;
      if (isWord && term.prefix) while (end < folded.length && /[\p{L}\p{N}]/u.test(folded[end] as string)) end++;
      else if (isWord && end < folded.length && /[\p{L}\p{N}]/u.test(folded[end] as string)) continue;
      ranges.push([origin[at] ?? 0, origin[end] ?? text.length]);
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  let start = 0;
  let end = text.length;
  if (window !== undefined && text.length > window) {
    const first = merged[0]?.[0] ?? 0;
    start = Math.max(0, first - Math.floor(window / 3));
    end = Math.min(text.length, start + window);
    start = Math.max(0, end - window);
  }
  let out = start > 0 ? "…" : "";
  let cursor = start;
  for (const [a, b] of merged) {
    if (b <= start || a >= end) continue;
    const s = Math.max(a, start);
    const e = Math.min(b, end);
    out += `${escapeHtml(text.slice(cursor, s))}<mark>${escapeHtml(text.slice(s, e))}</mark>`;
    cursor = e;
  }
  out += escapeHtml(text.slice(cursor, end));
  if (end < text.length) out += "…";
  return out;
}
