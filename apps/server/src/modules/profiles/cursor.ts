import { AppError } from "../../platform/errors.ts";
import { decodeCursor } from "../../platform/pagination.ts";
import type { TimeKey } from "./repository.ts";

/** The cursor key of a row of a list ordered newest first by (time, id). */
export const timeCursorKey = (at: Date, id: string) => `${at.toISOString()}|${id}`;

/** Decodes the cursor of a list ordered by (time, id), or fails with the same 400 as decodeCursor. */
export function decodeTimeCursor(cursor: string | undefined): TimeKey | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const [time, id] = key.split("|");
  const at = new Date(time ?? "");
  if (!id || Number.isNaN(at.getTime())) {
    throw new AppError(
      "invalid",
      "cursor_invalid",
      "The cursor is not one this API returned; start again without it.",
      {
        field: "cursor",
      },
    );
  }
  return { at, id };
}
