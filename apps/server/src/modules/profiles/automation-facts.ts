import { sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { q } from "./repository.ts";

/** What automation rules may read about a contact. */
export type ContactFacts = {
  tags: string[];
  lifecycleStage: string | null;
  language: string | null;
  attributes: Record<string, unknown>;
  /** The latest consent status per purpose. */
  consent: Record<string, string>;
};

/** Rule facts of several contacts in one query: tags, lifecycle stage, language, attributes, latest consent per purpose. */
export async function contactFactsOf(db: Executor, ws: string, ids: readonly string[]) {
  const out = new Map<string, ContactFacts>();
  if (ids.length === 0) return out;
  const rows = await q(db)
    .selectFrom("contacts as c")
    .select(["c.id", "c.tags", "c.lifecycle_stage", "c.language", "c.attributes"])
    .select(
      sql<Record<string, string> | null>`(select jsonb_object_agg(x.purpose, x.status) from (
        select distinct on (r.purpose) r.purpose, r.status from consent_records r
        where r.workspace_id = c.workspace_id and r.contact_id = c.id
        order by r.purpose, r.recorded_at desc, r.id desc) x)`.as("consent"),
    )
    .where("c.workspace_id", "=", ws)
    .where(sql<boolean>`c.id = any(${[...ids]}::uuid[])`)
    .execute();
  for (const r of rows) {
    out.set(r.id, {
      tags: r.tags,
      lifecycleStage: r.lifecycle_stage,
      language: r.language,
      attributes: (r.attributes ?? {}) as Record<string, unknown>,
      consent: r.consent ?? {},
    });
  }
  return out;
}
