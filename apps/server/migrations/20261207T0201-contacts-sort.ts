import { type Kysely, sql } from "kysely";
import { nameSortKeyOf } from "../src/modules/profiles/contact-sort.ts";

// Sorts of the contact list (issue 3): each one is a keyset on (sort value, id) walking a b-tree, so a page
// reads only its rows at any size. newest/oldest walk the primary key; name and updated get an index each, on
// live contacts only (the list never shows merged or erased ones). The name sort needs a stored key: the
// folded display name (case and accents removed in the application, as for name_key, but with its spaces),
// in the "C" collation so both databases order it by code point whatever their locale, and a nameless
// contact gets the highest code point so it sorts last. Existing contacts are keyed here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table contacts add column name_sort text collate "C" not null default chr(1114111)`.execute(db);
  let after = { ws: "00000000-0000-0000-0000-000000000000", id: "00000000-0000-0000-0000-000000000000" };
  for (;;) {
    const { rows } = await sql<{ workspace_id: string; id: string; display_name: string }>`
      select workspace_id, id, display_name from contacts
      where (workspace_id, id) > (${after.ws}::uuid, ${after.id}::uuid) and display_name is not null
      order by workspace_id, id limit 2000
    `.execute(db);
    const last = rows.at(-1);
    if (!last) break;
    after = { ws: last.workspace_id, id: last.id };
    const values = rows.map((r) => sql`(${r.workspace_id}::uuid, ${r.id}::uuid, ${nameSortKeyOf(r.display_name)})`);
    await sql`
      update contacts c set name_sort = v.name_sort
      from (values ${sql.join(values)}) as v(workspace_id, id, name_sort)
      where c.workspace_id = v.workspace_id and c.id = v.id
    `.execute(db);
  }
  await sql`
    create index contacts_sort_name on contacts (workspace_id, name_sort, id)
      where merged_into is null and erased_at is null;
    create index contacts_sort_updated on contacts (workspace_id, updated_at, id)
      where merged_into is null and erased_at is null;
  `.execute(db);
}
