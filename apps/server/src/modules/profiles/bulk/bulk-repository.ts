// SQL of imports and exports. Bulk writes send a batch as one JSON parameter expanded server-side by
// jsonb_populate_recordset: one round trip per table per batch, on PostgreSQL and PGlite alike.
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { type ContactRow, type IdentityKey, type ImportRow, type ImportState, q } from "../repository.ts";

type ImportInsert = Omit<
  ImportRow,
  "rows_read" | "imported" | "updated" | "unchanged" | "failed" | "last_line" | "created_at" | "updated_at"
>;

export function insertImport(db: Executor, row: ImportInsert) {
  return q(db)
    .insertInto("contact_imports")
    .values({ ...row, options: JSON.stringify(row.options), error: JSON.stringify(row.error) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findImport(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("contact_imports")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function setImportState(
  db: Executor,
  workspaceId: string,
  id: string,
  change: {
    state: ImportState;
    error: { line: number; reason: string; message: string } | null;
    started?: boolean;
    finished?: boolean;
    byteSize?: number;
  },
) {
  const now = new Date();
  return q(db)
    .updateTable("contact_imports")
    .set((eb) => ({
      state: change.state,
      error: JSON.stringify(change.error),
      updated_at: now,
      ...(change.started ? { started_at: eb.fn.coalesce("started_at", sql<Date>`${now}::timestamptz`) } : {}),
      ...(change.finished ? { finished_at: now } : {}),
      ...(change.byteSize !== undefined ? { byte_size: change.byteSize } : {}),
    }))
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Adds a committed batch to an import's counters and moves its last committed line. */
export async function recordBatch(
  db: Executor,
  workspaceId: string,
  id: string,
  batch: { rowsRead: number; imported: number; updated: number; unchanged: number; failed: number; lastLine: number },
) {
  const row = await q(db)
    .updateTable("contact_imports")
    .set((eb) => ({
      rows_read: eb("rows_read", "+", batch.rowsRead),
      imported: eb("imported", "+", batch.imported),
      updated: eb("updated", "+", batch.updated),
      unchanged: eb("unchanged", "+", batch.unchanged),
      failed: eb("failed", "+", batch.failed),
      last_line: batch.lastLine,
      updated_at: new Date(),
    }))
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    rowsRead: row.rows_read,
    imported: row.imported,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    lastLine: row.last_line,
  };
}

export function insertImportChunk(db: Executor, workspaceId: string, importId: string, seq: number, data: Buffer) {
  return q(db)
    .insertInto("contact_import_chunks")
    .values({ workspace_id: workspaceId, import_id: importId, seq, data })
    .execute();
}

export function deleteImportChunks(db: Executor, workspaceId: string, importId: string) {
  return q(db)
    .deleteFrom("contact_import_chunks")
    .where("workspace_id", "=", workspaceId)
    .where("import_id", "=", importId)
    .execute();
}

/**
 * Erasure: deletes the uploaded files (all chunks) of failed imports that hold one of the identifiers as
 * bytes (as given, lower- or upper-case). A failed import never resumes, so its file is only a copy of people.
 */
export async function deleteFailedImportFilesHolding(db: Executor, workspaceId: string, identifiers: string[]) {
  const needles = [...new Set(identifiers.flatMap((i) => [i, i.toLowerCase(), i.toUpperCase()]))];
  if (needles.length === 0) return 0;
  const result = await sql`
    delete from contact_import_chunks
    where workspace_id = ${workspaceId} and import_id in (
      select i.id from contact_imports i
      where i.workspace_id = ${workspaceId} and i.state = 'failed'
        and exists (
          select 1 from contact_import_chunks k
          where k.workspace_id = ${workspaceId} and k.import_id = i.id
            and exists (select 1 from unnest(${needles}::text[]) as n(s) where position(convert_to(n.s, 'UTF8') in k.data) > 0)
        )
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export function deleteImport(db: Executor, workspaceId: string, importId: string) {
  return q(db)
    .deleteFrom("contact_imports")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", importId)
    .execute();
}

export async function insertImportErrors(
  db: Executor,
  workspaceId: string,
  importId: string,
  errors: { line: number; field: string | null; reason: string; message: string }[],
) {
  if (errors.length === 0) return;
  await q(db)
    .insertInto("contact_import_errors")
    .values(
      errors.map((e) => ({ workspace_id: workspaceId, import_id: importId, ...e, message: e.message.slice(0, 500) })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Row errors of an import by line, from a line on. */
export function listImportErrors(
  db: Executor,
  workspaceId: string,
  importId: string,
  afterLine: number,
  limit: number,
) {
  return q(db)
    .selectFrom("contact_import_errors")
    .select(["line", "field", "reason", "message"])
    .where("workspace_id", "=", workspaceId)
    .where("import_id", "=", importId)
    .where("line", ">", afterLine)
    .orderBy("line")
    .limit(limit)
    .execute();
}

// Lookups of a batch's keys go through LATERAL … LIMIT so each key is one probe of its unique index,
// whatever the planner's statistics say (during a big import they lag far behind the table's size).

/** Stored identities among the keys, with their contact's survivor id (merged contacts resolve to it). */
export async function lookupIdentities(db: Executor, workspaceId: string, keys: IdentityKey[]) {
  if (keys.length === 0) return [];
  const { rows } = await sql<{
    kind: IdentityKey["kind"];
    namespace: string;
    external_id: string;
    survivor_id: string;
  }>`
    select k.kind, k.namespace, k.external_id, x.survivor_id
    from unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.namespace)}::text[],
      ${keys.map((k) => k.externalId)}::text[]) as k(kind, namespace, external_id)
    cross join lateral (
      select coalesce(c.merged_into, c.id) as survivor_id
      from contact_identities i
      join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id
      where i.workspace_id = ${workspaceId} and i.kind = k.kind and i.namespace = k.namespace
        and i.external_id = k.external_id
      limit 1
    ) x`.execute(db);
  return rows;
}

/** Live contacts holding the given email/phone keys (`kind\0key`). */
export async function lookupKeys(db: Executor, workspaceId: string, keys: string[]) {
  if (keys.length === 0) return [];
  const kinds = keys.map((k) => k.slice(0, k.indexOf("\u0000")));
  const values = keys.map((k) => k.slice(k.indexOf("\u0000") + 1));
  const { rows } = await sql<{ kind: string; key: string; contact_id: string }>`
    select k.kind, k.key, x.contact_id
    from unnest(${kinds}::text[], ${values}::text[]) as k(kind, key)
    cross join lateral (
      select ck.contact_id from contact_keys ck
      where ck.workspace_id = ${workspaceId} and ck.kind = k.kind and ck.key = k.key
      limit 50
    ) x`.execute(db);
  return rows;
}

const contactJson = (rows: ContactRow[]) => JSON.stringify(rows);

/** A PostgreSQL array literal of texts (every element quoted), for a text[] column sent inside a text[]. */
const arrayLiteral = (values: readonly string[]) =>
  `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;

/**
 * Inserts new contacts of one workspace with one statement: each column travels as one array parameter and
 * `unnest` turns them back into rows server-side (no per-row JSON parsing, no per-row round trip).
 */
export async function insertContactsBulk(db: Executor, rows: ContactRow[]) {
  const first = rows[0];
  if (!first) return;
  const col = <T>(pick: (r: ContactRow) => T) => rows.map(pick);
  const json = (pick: (r: ContactRow) => unknown) => rows.map((r) => JSON.stringify(pick(r)));
  await sql`
    insert into contacts (workspace_id, id, given_name, family_name, display_name, emails, phones, language,
      timezone, gender, birthday, avatar_url, company, tags, lifecycle_stage, owner_user_id, source, attributes,
      quality_flags, name_key, name_latin_key, company_key, search_text, created_at, updated_at, name_sort)
    select ${first.workspace_id}::uuid, id, given_name, family_name, display_name, emails::jsonb, phones::jsonb,
      language, timezone, gender, birthday, avatar_url, company, tags::text[], lifecycle_stage, owner_user_id,
      source, attributes::jsonb, quality_flags::jsonb, name_key, name_latin_key, company_key, search_text, created_at,
      updated_at, name_sort
    from unnest(${col((r) => r.id)}::uuid[], ${col((r) => r.given_name)}::text[], ${col((r) => r.family_name)}::text[],
      ${col((r) => r.display_name)}::text[], ${json((r) => r.emails)}::text[], ${json((r) => r.phones)}::text[],
      ${col((r) => r.language)}::text[], ${col((r) => r.timezone)}::text[], ${col((r) => r.gender)}::text[],
      ${col((r) => r.birthday)}::text[], ${col((r) => r.avatar_url)}::text[], ${col((r) => r.company)}::text[],
      ${col((r) => arrayLiteral(r.tags))}::text[], ${col((r) => r.lifecycle_stage)}::text[],
      ${col((r) => r.owner_user_id)}::uuid[], ${col((r) => r.source)}::text[], ${json((r) => r.attributes)}::text[],
      ${json((r) => r.quality_flags)}::text[], ${col((r) => r.name_key)}::text[],
      ${col((r) => r.name_latin_key)}::text[], ${col((r) => r.company_key)}::text[], ${col((r) => r.search_text)}::text[],
      ${col((r) => r.created_at.toISOString())}::timestamptz[], ${col((r) => r.updated_at.toISOString())}::timestamptz[],
      ${col((r) => r.name_sort)}::text[])
      as v(id, given_name, family_name, display_name, emails, phones, language, timezone, gender, birthday,
        avatar_url, company, tags, lifecycle_stage, owner_user_id, source, attributes, quality_flags, name_key,
        name_latin_key, company_key, search_text, created_at, updated_at, name_sort)`.execute(db);
}

/** Overwrites the fields of existing contacts (the columns an import may change). */
export async function updateContactsBulk(db: Executor, rows: ContactRow[]) {
  if (rows.length === 0) return;
  await sql`
    update contacts c set
      given_name = v.given_name, family_name = v.family_name, display_name = v.display_name,
      emails = v.emails, phones = v.phones, language = v.language, timezone = v.timezone, gender = v.gender,
      birthday = v.birthday, avatar_url = v.avatar_url, company = v.company, tags = v.tags,
      lifecycle_stage = v.lifecycle_stage, owner_user_id = v.owner_user_id, source = v.source,
      attributes = v.attributes, quality_flags = v.quality_flags, name_key = v.name_key,
      name_latin_key = v.name_latin_key, company_key = v.company_key, search_text = v.search_text,
      updated_at = v.updated_at, name_sort = v.name_sort
    from jsonb_populate_recordset(null::contacts, ${contactJson(rows)}::jsonb) v
    where c.workspace_id = v.workspace_id and c.id = v.id`.execute(db);
}

export async function insertIdentitiesBulk(
  db: Executor,
  workspaceId: string,
  identities: (IdentityKey & { verified: boolean; contactId: string })[],
  now: Date,
) {
  if (identities.length === 0) return;
  const col = <T>(pick: (i: (typeof identities)[number]) => T) => identities.map(pick);
  await sql`
    insert into contact_identities
      (workspace_id, id, contact_id, kind, namespace, external_id, verified, first_seen_at, last_seen_at)
    select ${workspaceId}::uuid, v.id, v.contact_id, v.kind, v.namespace, v.external_id, v.verified,
      ${now}::timestamptz, ${now}::timestamptz
    from unnest(${col(() => uuidv7())}::uuid[], ${col((i) => i.contactId)}::uuid[], ${col((i) => i.kind)}::text[],
      ${col((i) => i.namespace)}::text[], ${col((i) => i.externalId)}::text[], ${col((i) => i.verified)}::boolean[])
      as v(id, contact_id, kind, namespace, external_id, verified)
    on conflict (workspace_id, kind, namespace, external_id) do nothing`.execute(db);
}

export async function insertKeysBulk(
  db: Executor,
  workspaceId: string,
  keys: { kind: "email" | "phone"; key: string; contactId: string }[],
) {
  if (keys.length === 0) return;
  await sql`
    insert into contact_keys (workspace_id, kind, key, contact_id)
    select ${workspaceId}::uuid, v.kind, v.key, v.contact_id
    from unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.key)}::text[],
      ${keys.map((k) => k.contactId)}::uuid[]) as v(kind, key, contact_id)
    on conflict do nothing`.execute(db);
}

/** Contacts by id, each one probe of the primary key (see the lookups above). */
export async function findContactsBulk(db: Executor, workspaceId: string, ids: string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<ContactRow>`
    select x.* from unnest(${ids}::uuid[]) as k(id)
    cross join lateral (
      select * from contacts c where c.workspace_id = ${workspaceId} and c.id = k.id limit 1
    ) x`.execute(db);
  return rows;
}

/** Refreshes the planner's statistics of the tables an import filled (best effort). */
export async function analyzeContactTables(db: Executor) {
  await sql`analyze contacts, contact_keys, contact_identities`.execute(db);
}

// ——— follower syncs

export function findFollowerSyncRow(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("follower_syncs")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** The sync of a channel's followers under one identity kind and namespace, created queued when there is none. */
export async function upsertFollowerSync(
  db: Executor,
  workspaceId: string,
  key: { channelId: string; identityKind: IdentityKey["kind"]; namespace: string },
) {
  await q(db)
    .insertInto("follower_syncs")
    .values({
      workspace_id: workspaceId,
      id: uuidv7(),
      channel_id: key.channelId,
      identity_kind: key.identityKind,
      namespace: key.namespace,
      state: "queued",
      page_cursor: null,
      page_done: 0,
      pages: 0,
      imported: 0,
      failed: 0,
      total: null,
      error: JSON.stringify(null),
      started_at: null,
      finished_at: null,
    })
    .onConflict((oc) => oc.columns(["workspace_id", "channel_id", "identity_kind", "namespace"]).doNothing())
    .execute();
  return q(db)
    .selectFrom("follower_syncs")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("channel_id", "=", key.channelId)
    .where("identity_kind", "=", key.identityKind)
    .where("namespace", "=", key.namespace)
    .executeTakeFirstOrThrow();
}

/** Moves a follower sync: state, error, position and counters (increments), in the caller's transaction. */
export function updateFollowerSync(
  db: Executor,
  workspaceId: string,
  id: string,
  change: {
    state?: "queued" | "running" | "completed" | "failed";
    error?: { reason: string; message: string } | null;
    /** A new position: the cursor of the page being processed (null: the first page) and the ids done in it. */
    position?: { cursor: string | null; done: number };
    addPages?: number;
    addImported?: number;
    addFailed?: number;
    total?: number | null;
    /** Back to the start: position and counters zeroed (a new run over a completed sync). */
    reset?: boolean;
    started?: boolean;
    finished?: boolean;
  },
) {
  const now = new Date();
  return q(db)
    .updateTable("follower_syncs")
    .set((eb) => ({
      updated_at: now,
      ...(change.state ? { state: change.state } : {}),
      ...(change.error !== undefined ? { error: JSON.stringify(change.error) } : {}),
      ...(change.position ? { page_cursor: change.position.cursor, page_done: change.position.done } : {}),
      ...(change.reset
        ? { page_cursor: null, page_done: 0, pages: 0, imported: 0, failed: 0, total: null, finished_at: null }
        : {}),
      ...(change.addPages ? { pages: eb("pages", "+", change.addPages) } : {}),
      ...(change.addImported ? { imported: eb("imported", "+", change.addImported) } : {}),
      ...(change.addFailed ? { failed: eb("failed", "+", change.addFailed) } : {}),
      ...(change.total !== undefined ? { total: change.total } : {}),
      ...(change.started ? { started_at: now } : {}),
      ...(change.finished ? { finished_at: now } : {}),
    }))
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The follower syncs of a workspace, newest first, a page at a time (keyset on id). */
export function listFollowerSyncRows(
  db: Executor,
  workspaceId: string,
  filter: { channelId?: string | undefined; before?: string | undefined; limit: number },
) {
  let query = q(db).selectFrom("follower_syncs").selectAll().where("workspace_id", "=", workspaceId);
  if (filter.channelId) query = query.where("channel_id", "=", filter.channelId);
  if (filter.before) query = query.where("id", "<", filter.before);
  return query.orderBy("id", "desc").limit(filter.limit).execute();
}
