// What the agent is typing at the cursor: a `/shortcut` (quick replies) or an `@name` (mentions, in notes).
import type { Member } from "../api.ts";

export type Token = { kind: "slash" | "mention"; query: string; start: number; end: number };

const SLASH = /(?:^|\s)\/([\w-]{0,40})$/u;
const MENTION = /(?:^|\s)@([\p{L}\p{N}_.+-]{0,60})$/u;

/** The `/…` or `@…` token ending at the caret, or null. */
export function tokenAt(text: string, caret: number, allowMentions: boolean): Token | null {
  const before = text.slice(0, caret);
  const slash = SLASH.exec(before);
  if (slash) {
    const query = slash[1] ?? "";
    return { kind: "slash", query, start: caret - query.length - 1, end: caret };
  }
  const mention = allowMentions ? MENTION.exec(before) : null;
  if (mention) {
    const query = mention[1] ?? "";
    return { kind: "mention", query, start: caret - query.length - 1, end: caret };
  }
  return null;
}

/** The text with the token replaced, and where the caret goes after the insertion. */
export function replaceToken(text: string, token: Token, insert: string): { text: string; caret: number } {
  const next = text.slice(0, token.start) + insert + text.slice(token.end);
  return { text: next, caret: token.start + insert.length };
}

const compact = (name: string) => name.replace(/\s+/g, "");
const localPart = (email: string) => email.split("@")[0] ?? email;

/**
 * What to write after `@` for a member, as the server resolves it: the name without spaces when no other
 * member answers to it, else the email's local part when unique, else the whole email.
 */
export function mentionHandle(member: Member, members: Member[]): string {
  const keysOf = (m: Member) => [
    m.email.toLowerCase(),
    localPart(m.email).toLowerCase(),
    compact(m.name).toLowerCase(),
  ];
  const taken = (key: string) => members.filter((m) => m.id !== member.id && keysOf(m).includes(key)).length > 0;
  const name = compact(member.name);
  if (name && !taken(name.toLowerCase())) return name;
  const local = localPart(member.email);
  if (!taken(local.toLowerCase())) return local;
  return member.email;
}

/** Members whose name or email starts with (or contains) the query, best first, at most `limit`. */
export function matchMembers(members: Member[], query: string, limit = 6): Member[] {
  const q = query.toLowerCase();
  const score = (m: Member) => {
    const name = m.name.toLowerCase();
    const email = m.email.toLowerCase();
    if (!q) return 1;
    if (name.startsWith(q) || compact(name).startsWith(q) || email.startsWith(q)) return 2;
    if (name.includes(q) || email.includes(q)) return 1;
    return 0;
  };
  return members
    .map((m) => ({ m, s: score(m) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.m.name.localeCompare(b.m.name))
    .slice(0, limit)
    .map((x) => x.m);
}
