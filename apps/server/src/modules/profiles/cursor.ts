import { decodeKeysetCursor } from "../../platform/pagination.ts";
import type { TimeKey } from "./repository.ts";

/** The cursor key of a row of a list ordered newest first by (time, id). */
export const timeCursorKey = (at: Date, id: string) => `${at.toISOString()}|${id}`;

/** Decodes the cursor of a list ordered by (time, id), or fails with the same 400 as decodeCursor. */
export function decodeTimeCursor(cursor: string | undefined): TimeKey | undefined {
  return decodeKeysetCursor(cursor, (key) => {
    const [time, id] = key.split("|");
    const at = new Date(time ?? "");
    return id && !Number.isNaN(at.getTime()) ? { at, id } : undefined;
  });
}
