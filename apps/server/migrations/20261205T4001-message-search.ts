import { type Kysely, sql } from "kysely";
import { messageSearchVector } from "../src/modules/conversations/text.ts";

// Message search (module conversations): message_search holds the words of each message's text (Chinese as
// character n-grams), computed in the application like the knowledge base's so PGlite and PostgreSQL match
// identically. A table of its own keeps the vectors out of every `select *` of messages. Event messages
// (follows, menu clicks) have none. Existing messages are indexed here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table message_search (
      workspace_id uuid not null,
      message_id uuid not null,
      search tsvector not null,
      primary key (workspace_id, message_id)
    )
  `.execute(db);
  let after = { ws: "00000000-0000-0000-0000-000000000000", id: "00000000-0000-0000-0000-000000000000" };
  for (;;) {
    const { rows } = await sql<{ workspace_id: string; id: string; type: string; text: string }>`
      select workspace_id, id, type, text from messages
      where (workspace_id, id) > (${after.ws}::uuid, ${after.id}::uuid)
      order by workspace_id, id limit 2000
    `.execute(db);
    const last = rows.at(-1);
    if (!last) break;
    after = { ws: last.workspace_id, id: last.id };
    const values = rows.flatMap((r) => {
      const vector = messageSearchVector(r.type, r.text);
      return vector === null ? [] : [sql`(${r.workspace_id}::uuid, ${r.id}::uuid, ${vector}::tsvector)`];
    });
    if (values.length > 0) await sql`insert into message_search values ${sql.join(values)}`.execute(db);
  }
  await sql`
    do $$
    declare
      gin_schema text;
    begin
      select n.nspname into gin_schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'btree_gin';
      if gin_schema is not null then
        execute format(
          'create index message_search_words on message_search using gin (workspace_id %I.uuid_ops, search)', gin_schema);
      else
        create index message_search_words on message_search using gin (search);
      end if;
    end $$;
  `.execute(db);
}
