import { type Kysely, sql } from "kysely";
import { latinNameKeyOf } from "../src/modules/profiles/normalize.ts";

// Duplicate suggestions also match a name written in another script or word order (王芳, "Wang Fang", "Fang
// Wang"): name_latin_key is the name in Latin letters with its words sorted, probed like name_key through an
// index ending with the id. The key comes from the application's transliteration (no SQL equivalent), so
// existing contacts are keyed here, a page of ids at a time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table contacts add column name_latin_key text not null default ''`.execute(db);
  let after = { ws: "00000000-0000-0000-0000-000000000000", id: "00000000-0000-0000-0000-000000000000" };
  for (;;) {
    const { rows } = await sql<{
      workspace_id: string;
      id: string;
      given_name: string | null;
      family_name: string | null;
      display_name: string | null;
    }>`
      select workspace_id, id, given_name, family_name, display_name from contacts
      where (workspace_id, id) > (${after.ws}::uuid, ${after.id}::uuid)
      order by workspace_id, id limit 1000
    `.execute(db);
    const last = rows.at(-1);
    if (!last) break;
    after = { ws: last.workspace_id, id: last.id };
    const keyed = rows
      .map((r) => ({ ...r, key: latinNameKeyOf(r.given_name, r.family_name, r.display_name) }))
      .filter((r) => r.key !== "");
    if (keyed.length === 0) continue;
    await sql`
      update contacts c set name_latin_key = v.key
      from unnest(${keyed.map((r) => r.workspace_id)}::uuid[], ${keyed.map((r) => r.id)}::uuid[],
        ${keyed.map((r) => r.key)}::text[]) as v(workspace_id, id, key)
      where c.workspace_id = v.workspace_id and c.id = v.id
    `.execute(db);
  }
  await sql`
    create index contacts_name_latin_key on contacts (workspace_id, name_latin_key, id) where name_latin_key <> ''
  `.execute(db);
}
