import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js";
import { transliterate } from "transliteration";

/** The identity kinds a contact may hold; (workspace, kind, namespace, external id) is unique. */
export const IDENTITY_KINDS = [
  "wechat_openid",
  "wechat_unionid",
  "messenger_psid",
  "whatsapp_id",
  "telegram_id",
  "line_id",
  "email",
  "phone",
  "member_no",
  "crm_id",
  "ecommerce_id",
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** Kinds whose external id only means something inside a namespace: the WeChat app id, the Messenger page id. */
export const NAMESPACED_KINDS: readonly IdentityKind[] = ["wechat_openid", "messenger_psid"];

/** The channel a kind of identity belongs to (consent is recorded per channel); null when it has none. */
export function channelOfKind(kind: IdentityKind): string | null {
  switch (kind) {
    case "wechat_openid":
    case "wechat_unionid":
      return "wechat";
    case "messenger_psid":
      return "messenger";
    case "whatsapp_id":
      return "whatsapp";
    case "telegram_id":
      return "telegram";
    case "line_id":
      return "line";
    case "email":
      return "email";
    case "phone":
      return "sms";
    default:
      return null;
  }
}

export type EmailValue = { value: string; normalized: string | null; valid: boolean };
export type PhoneValue = { value: string; e164: string | null; valid: boolean };

const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/u;

/** An email as entered, with its normalised (trimmed, lower-case) form when it is valid. */
export function normalizeEmail(raw: string): EmailValue {
  const trimmed = raw.trim();
  const valid = EMAIL_RE.test(trimmed) && trimmed.length <= 320;
  return { value: raw, normalized: valid ? trimmed.toLowerCase() : null, valid };
}

/** True when the string looks like an email address. */
export function looksLikeEmail(raw: string): boolean {
  return EMAIL_RE.test(raw.trim());
}

/** True when the string is made of phone-number characters with at least 6 digits. */
export function looksLikePhone(raw: string): boolean {
  const t = raw.trim();
  return /^[+(]?[\d\s().\-/]{6,}$/.test(t) && t.replace(/\D/g, "").length >= 6;
}

/** A region code libphonenumber knows, or undefined. */
export function toRegion(region: string | null | undefined): CountryCode | undefined {
  const upper = region?.toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

/** A phone as entered, with its E.164 form when libphonenumber finds it valid (national numbers use the region). */
export function normalizePhone(raw: string, region?: string | null): PhoneValue {
  const trimmed = raw.trim();
  if (!looksLikePhone(trimmed)) return { value: raw, e164: null, valid: false };
  const parsed = parsePhoneNumberFromString(trimmed, toRegion(region) ?? undefined);
  if (parsed?.isValid()) return { value: raw, e164: parsed.number, valid: true };
  return { value: raw, e164: null, valid: false };
}

/** The key an external id is stored and matched under: emails lower-case, phones E.164, WhatsApp ids digits. */
export function normalizeExternalId(kind: IdentityKind, externalId: string, region?: string | null): string {
  const trimmed = externalId.trim();
  switch (kind) {
    case "email":
      return trimmed.toLowerCase();
    case "phone":
      return normalizePhone(trimmed, region).e164 ?? trimmed;
    case "whatsapp_id":
      return trimmed.replace(/\D/g, "") || trimmed;
    default:
      return trimmed;
  }
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Folds text for search and comparison: NFKC, lower-case, diacritics removed, spaces collapsed. */
export function foldText(s: string): string {
  // Printable ASCII has nothing to decompose or strip: the same result without the Unicode passes.
  if (PRINTABLE_ASCII.test(s)) return s.toLowerCase().replace(/ {2,}/g, " ").trim();
  return s.normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/** A name reduced for fuzzy comparison: folded, without spaces or punctuation. */
export function nameKeyOf(name: string | null | undefined): string {
  return name ? foldText(name).replace(/[\s\p{P}\p{S}]/gu, "") : "";
}

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** True when the text is written in a script whose names put the family name first, without a space. */
export function isCjk(s: string): boolean {
  return CJK_RE.test(s);
}

/** The display name from its parts, in the order of the name's script: 王小明 vs "Ada Lovelace". */
export function composeDisplayName(given: string | null | undefined, family: string | null | undefined): string | null {
  const g = given?.trim() ?? "";
  const f = family?.trim() ?? "";
  if (!g && !f) return null;
  if (isCjk(g + f)) return `${f}${g}`;
  return [g, f].filter(Boolean).join(" ");
}

const HAN_OR_HANGUL_NAME = /^[\p{Script=Han}\p{Script=Hangul}]{2,4}$/u;

/** Two-character family names, so 司马光 splits as 司马 + 光 and not 司 + 马光. */
const COMPOUND_FAMILY_NAMES = new Set([
  "欧阳",
  "司马",
  "上官",
  "诸葛",
  "东方",
  "皇甫",
  "令狐",
  "慕容",
  "司徒",
  "夏侯",
  "公孙",
  "长孙",
  "宇文",
  "端木",
  "南宫",
  "独孤",
]);

/** A Han or Hangul name written as one run, split into family + given name (the family name comes first). */
function splitCjkName(name: string): string[] {
  if (!HAN_OR_HANGUL_NAME.test(name)) return [name];
  const chars = [...name];
  const familyLength = chars.length > 2 && COMPOUND_FAMILY_NAMES.has(chars.slice(0, 2).join("")) ? 2 : 1;
  return [chars.slice(0, familyLength).join(""), chars.slice(familyLength).join("")];
}

/** One word of a name in folded Latin letters (digits kept): "小明" → "xiaoming", "Jean-Luc" → "jeanluc". */
function latinWordOf(word: string): string {
  return foldText(transliterate(word)).replace(/[^\p{L}\p{N}]/gu, "");
}

/** Latin keys are indexed: longer names than this compare on their beginning. */
const LATIN_KEY_MAX = 200;

/**
 * A name in Latin letters with its words in any order, to match the same person written in another script or
 * order: 王芳 / "Wang Fang" / "Fang Wang" → "fangwang", Иван Петров / "Petrov Ivan" → "ivanpetrov". A CJK given
 * name is one word ("Xiaoming Wang" matches 王小明), so a CJK name uses its given and family parts when it has
 * them and, written as one run, is split into family name + given name. Empty for no name or a placeholder, an
 * email or a phone number in the name fields.
 */
export function latinNameKeyOf(
  given: string | null | undefined,
  family: string | null | undefined,
  display: string | null | undefined,
): string {
  const g = given?.trim() ?? "";
  const f = family?.trim() ?? "";
  const name = display?.trim() || composeDisplayName(g, f) || "";
  if (!name || isPlaceholder(name) || looksLikeEmail(name) || looksLikePhone(name)) return "";
  let words: string[];
  if (!isCjk(name)) words = name.split(/\s+/);
  else if ((g || f) && isCjk(g + f)) words = [f, ...g.split(/\s+/)];
  else words = name.split(/\s+/).flatMap((w, _, all) => (all.length === 1 ? splitCjkName(w) : [w]));
  return words.map(latinWordOf).filter(Boolean).sort().join("").slice(0, LATIN_KEY_MAX);
}

const PLACEHOLDERS = new Set([
  "-",
  "--",
  "---",
  ".",
  "?",
  "n/a",
  "na",
  "n.a.",
  "none",
  "null",
  "nil",
  "undefined",
  "unknown",
  "test",
  "tbd",
  "xxx",
  "x",
  "asdf",
  "无",
  "未知",
  "test@test.com",
  "test@example.com",
  "noreply@example.com",
  "0000000000",
  "1234567890",
]);

/** True for values people type when they have nothing to type: "-", "n/a", "test", "xxx" … */
export function isPlaceholder(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  return v === "" || PLACEHOLDERS.has(v) || /^(.)\1{3,}$/.test(v);
}
