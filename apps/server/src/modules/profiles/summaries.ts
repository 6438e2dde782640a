import type { Executor } from "../../platform/db.ts";
import { q } from "./repository.ts";

export type ContactSummary = { id: string; displayName: string };

/** Names to show for contacts in lists (cases, inbox), in one query; merged contacts show their survivor's name. */
export async function contactSummaries(
  db: Executor,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, ContactSummary>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, ContactSummary>();
  if (unique.length === 0) return out;
  const rows = await q(db)
    .selectFrom("contacts as c")
    .leftJoin("contacts as s", (j) =>
      j.onRef("s.workspace_id", "=", "c.workspace_id").onRef("s.id", "=", "c.merged_into"),
    )
    .select([
      "c.id",
      "c.display_name",
      "c.given_name",
      "c.family_name",
      "c.emails",
      "c.erased_at",
      "s.display_name as survivor_name",
    ])
    .where("c.workspace_id", "=", workspaceId)
    .where("c.id", "in", unique)
    .execute();
  for (const r of rows) {
    const name =
      r.survivor_name ??
      r.display_name ??
      ([r.given_name, r.family_name].filter(Boolean).join(" ") ||
        (Array.isArray(r.emails) ? (r.emails[0] as { value?: string } | undefined)?.value : undefined));
    out.set(r.id, { id: r.id, displayName: r.erased_at ? "(erased)" : name || "(no name)" });
  }
  return out;
}
