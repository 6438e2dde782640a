import { AppError } from "../../platform/errors.ts";
import { decodeCursor } from "../../platform/pagination.ts";
import { foldText } from "./normalize.ts";

/** The orders of the contact list: `newest` (the default) and `oldest` by id, `name` A→Z, `updated` latest first. */
export const CONTACT_SORTS = ["newest", "oldest", "name", "updated"] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

/**
 * The name sort key of a contact without a name: the highest code point, so that under the column's "C"
 * collation (byte order) they come after every named contact and the keyset stays one row comparison.
 */
export const NAMELESS_SORT_KEY = "\u{10FFFF}";

/** Long enough to order any real name; short enough to travel in a cursor and fit a b-tree entry. */
const NAME_SORT_LENGTH = 100;

/** The stored `name_sort` of a display name: folded (case and accents), spaces kept, cut to 100 characters. */
export function nameSortKeyOf(displayName: string | null | undefined): string {
  const folded = displayName ? foldText(displayName) : "";
  return folded ? [...folded].slice(0, NAME_SORT_LENGTH).join("") : NAMELESS_SORT_KEY;
}

/** The place of a row in a sorted contact list: the row after which the next page starts. */
export type ContactPosition = { id: string; at?: Date; name?: string };

/** What a sort reads from a row. */
export type SortableContact = { id: string; updated_at: Date; name_sort: string };

/**
 * The cursor key of a row under a sort. `newest` keeps the bare id of the cursors issued before sorts existed;
 * the others start with the sort's name, so a cursor of one sort is refused by another. The name comes last:
 * it may hold "|".
 */
export function contactCursorKey(sort: ContactSort, row: SortableContact): string {
  if (sort === "newest") return row.id;
  if (sort === "oldest") return `oldest|${row.id}`;
  if (sort === "updated") return `updated|${row.updated_at.toISOString()}|${row.id}`;
  return `name|${row.id}|${row.name_sort}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function parseKey(sort: ContactSort, key: string): ContactPosition | undefined {
  if (sort === "newest") return UUID.test(key) ? { id: key } : undefined;
  const [prefix, first = "", second = ""] = key.split("|");
  if (prefix !== sort) return undefined;
  if (sort === "oldest") return UUID.test(first) ? { id: first } : undefined;
  if (sort === "updated") {
    const at = new Date(first);
    return UUID.test(second) && !Number.isNaN(at.getTime()) ? { id: second, at } : undefined;
  }
  const name = key.slice(`name|${first}|`.length);
  return UUID.test(first) && name ? { id: first, name } : undefined;
}

/** Decodes the cursor of a contact list under a sort, or fails with a 400 naming `cursor`. */
export function decodeContactCursor(sort: ContactSort, cursor: string | undefined): ContactPosition | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const position = parseKey(sort, key);
  if (!position) {
    throw new AppError(
      "invalid",
      "cursor_invalid",
      `The cursor is not one this API returned for sort=${sort}; start again without it.`,
      { field: "cursor" },
    );
  }
  return position;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares two rows in a sort's order, as the database orders them: names by code point (the "C" collation
 * compares UTF-8 bytes, which order like code points; JavaScript's `<` compares UTF-16 units, which do not).
 */
export function compareContacts(sort: ContactSort): (a: SortableContact, b: SortableContact) => number {
  switch (sort) {
    case "newest":
      return (a, b) => byId(b.id, a.id);
    case "oldest":
      return (a, b) => byId(a.id, b.id);
    case "updated":
      return (a, b) => b.updated_at.getTime() - a.updated_at.getTime() || byId(b.id, a.id);
    case "name":
      return (a, b) => Buffer.compare(Buffer.from(a.name_sort), Buffer.from(b.name_sort)) || byId(a.id, b.id);
  }
}
