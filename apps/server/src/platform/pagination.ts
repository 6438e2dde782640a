import { z } from "zod";
import { AppError } from "./errors.ts";

/** Query-string schema of every list endpoint: `?cursor=&limit=` (default 50, max 200). */
export const PageQuerySchema = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export type PageQuery = z.infer<typeof PageQuerySchema>;

export type Page<T> = { data: T[]; nextCursor: string | null };

/** Encodes the key of the last row of a page as an opaque cursor. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

const cursorInvalid = () =>
  new AppError("invalid", "cursor_invalid", "The cursor is not one this API returned; start again without it.", {
    field: "cursor",
  });

/** Decodes a cursor from the query string, or fails with a clear 400. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!key || encodeCursor(key) !== cursor) throw cursorInvalid();
  return key;
}

/** Decodes a cursor whose key has a structure (e.g. `<time>|<id>`): `parse` returns undefined when it is not one. */
export function decodeKeysetCursor<T>(
  cursor: string | undefined,
  parse: (key: string) => T | undefined,
): T | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const parsed = parse(key);
  if (parsed === undefined) throw cursorInvalid();
  return parsed;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Decodes a cursor whose key is a row id (a uuid), or fails with a clear 400. */
export function decodeIdCursor(cursor: string | undefined): string | undefined {
  return decodeKeysetCursor(cursor, (key) => (UUID.test(key) ? key : undefined));
}

/** Turns limit+1 fetched rows into a page with the next cursor. */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => string, present: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { data: pageRows.map(present), nextCursor: hasMore && last ? encodeCursor(keyOf(last)) : null };
}
