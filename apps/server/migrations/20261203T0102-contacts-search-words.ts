import { type Kysely, sql } from "kysely";

// Contact search without the slow trigram cases (terms made of common trigrams such as "company 123", CJK
// names of one or two characters, which have no trigram at all). Two more GIN indexes over
// contacts.search_text, both built in (no extension, so PGlite has them too):
// - contacts_search_words: the words of the search text (to_tsvector 'simple': no stemming, no stop words),
//   searched by word prefix: rare words have short lists, where trigrams of common words have a million
//   entries each;
// - contacts_search_cjk: the single characters and character pairs of the CJK runs of the search text
//   (profiles_cjk_grams), partial over the contacts that have CJK text, so 王 or 小明 is an index probe.
// With btree_gin (PostgreSQL, see 20261202T0402) workspace_id leads both indexes.
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
  await sql`create index contacts_search_words on contacts
    using gin (${lead}to_tsvector('simple', search_text))`.execute(db);
  await sql`create index contacts_search_cjk on contacts
    using gin (${lead}profiles_cjk_grams(search_text)) where search_text ~ ${sql.lit(CJK)}`.execute(db);
}
