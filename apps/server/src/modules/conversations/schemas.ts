import { z } from "zod";
import { CASE_STATUSES, PRIORITIES } from "./repository.ts";

/** A shortcut as typed after "/" in the reply box: lowercase letters, digits, - and _. */
export const ShortcutSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Use 1–40 letters, digits, - or _, starting with a letter or digit.");
/** A typed message content (`{ type, … }`), as a reply takes it. */
export const TypedContentSchema = z.looseObject({
  type: z
    .string()
    .regex(/^[a-z][a-z-]*$/)
    .max(30),
});

const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(z.enum(values)));

/**
 * The filters of a case list, as the query string of `GET /api/v1/cases` takes them (lists comma-separated);
 * saved views store them in this shape and the counts take them too.
 */
export const caseFilterShape = {
  status: listOf(CASE_STATUSES).optional(),
  priority: listOf(PRIORITIES).optional(),
  assigneeId: z.union([z.uuid(), z.literal("me"), z.literal("none")]).optional(),
  /** A team id, or `mine`: the teams the caller belongs to. */
  teamId: z.union([z.uuid(), z.literal("mine")]).optional(),
  tag: z.string().max(100).optional(),
  channelId: z.uuid().optional(),
  contactId: z.uuid().optional(),
  q: z.string().max(200).optional(),
  slaState: listOf(["ok", "warning", "breached"] as const).optional(),
  customStatusId: z.uuid().optional(),
  /** `me`: cases whose internal notes @mention the caller (an API token has none: matches no case). */
  mentioned: z.literal("me").optional(),
  /** Reply window still open and closing within this many minutes (at most a week). */
  windowClosingWithin: z.coerce.number().int().min(1).max(10_080).optional(),
};
export const CaseFilterSchema = z.strictObject(caseFilterShape);
export type ParsedCaseFilter = z.output<typeof CaseFilterSchema>;

/** A parsed filter back in its query-string shape (lists comma-separated), as saved views store it. */
export function toFilterQuery(filter: ParsedCaseFilter): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}
