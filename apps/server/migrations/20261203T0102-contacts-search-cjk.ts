import { type Kysely, sql } from "kysely";

// Contact search for CJK names: a name of one or two characters (王, 小明) has no trigram, so the trigram index
// of 20261202T0402 cannot answer it and the search scanned the whole workspace. profiles_cjk_grams(text) lists
// the single characters and character pairs of the CJK runs of a text; contacts_search_cjk is a GIN index of
// them, partial over the contacts whose search text has CJK characters (others cost nothing to index). Built
// in (no extension), so PGlite has it too; with btree_gin (PostgreSQL) workspace_id leads it.
const CJK = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function profiles_cjk_grams(t text) returns text[] language sql immutable parallel safe as $fn$
      select coalesce(array_agg(distinct substr(r.run, i.pos, n.len)), '{}')
      from regexp_matches(t, ${sql.lit(`${CJK}+`)}, 'g') as m(parts)
      cross join lateral (select m.parts[1]) as r(run)
      cross join lateral generate_series(1, char_length(r.run)) as i(pos)
      cross join (values (1), (2)) as n(len)
      where i.pos + n.len - 1 <= char_length(r.run)
    $fn$
  `.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'btree_gin'`.execute(db);
  const gin = rows[0]?.schema;
  const lead = gin ? sql`workspace_id ${sql.id(gin)}.uuid_ops, ` : sql``;
  await sql`create index contacts_search_cjk on contacts
    using gin (${lead}profiles_cjk_grams(search_text)) where search_text ~ ${sql.lit(CJK)}`.execute(db);
}
