import { type ColumnType, type Generated, type Selectable, sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { type Executor, prepared } from "../../platform/db.ts";
import type { AttributeType, AttributeValue } from "./attributes.ts";
import { type ContactPosition, type ContactSort, compareContacts, nameSortKeyOf } from "./contact-sort.ts";
import { type EmailValue, type IdentityKind, latinNameKeyOf, type PhoneValue } from "./normalize.ts";
import type { QualityFlag } from "./quality.ts";

type Timestamp = Date;
/** A jsonb column: read as T, written as its JSON text. */
type Json<T> = ColumnType<T, string, string>;

export type ConsentPurpose = "service" | "marketing" | "profiling" | "identity_linking";
export type ConsentStatus = "granted" | "withdrawn";
export type LinkBasis = "consent" | "agent_decision" | "wechat_unionid" | "undo";

/** The tables this module owns. */
export type ProfilesTables = {
  profile_settings: { workspace_id: string; default_region: string | null; updated_at: Generated<Timestamp> };
  contact_attribute_definitions: {
    workspace_id: string;
    key: string;
    label: string;
    type: AttributeType;
    options: Json<string[]>;
    created_at: Generated<Timestamp>;
  };
  contacts: {
    workspace_id: string;
    id: string;
    given_name: string | null;
    family_name: string | null;
    display_name: string | null;
    emails: Json<EmailValue[]>;
    phones: Json<PhoneValue[]>;
    language: string | null;
    timezone: string | null;
    gender: string | null;
    birthday: string | null;
    avatar_url: string | null;
    company: string | null;
    tags: string[];
    lifecycle_stage: string | null;
    owner_user_id: string | null;
    source: string | null;
    attributes: Json<Record<string, AttributeValue>>;
    quality_flags: Json<QualityFlag[]>;
    name_key: string;
    name_latin_key: string;
    company_key: string;
    search_text: string;
    /** Folded display name in the "C" collation, for the name sort (see contact-sort.ts). */
    name_sort: string;
    merged_into: string | null;
    erased_at: Timestamp | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  contact_keys: { workspace_id: string; kind: "email" | "phone"; key: string; contact_id: string };
  contact_identities: {
    workspace_id: string;
    id: string;
    contact_id: string;
    kind: IdentityKind;
    namespace: string;
    external_id: string;
    verified: boolean;
    first_seen_at: Generated<Timestamp>;
    last_seen_at: Generated<Timestamp>;
  };
  consent_records: {
    workspace_id: string;
    id: string;
    contact_id: string;
    purpose: ConsentPurpose;
    channel: string | null;
    status: ConsentStatus;
    source: string;
    evidence: Json<Record<string, unknown>>;
    recorded_at: Timestamp;
    actor_type: string;
    actor_id: string | null;
    created_at: Generated<Timestamp>;
  };
  timeline_events: {
    workspace_id: string;
    id: string;
    contact_id: string;
    type: string;
    occurred_at: Timestamp;
    source: string | null;
    channel: string | null;
    client_event_id: string | null;
    properties: Json<Record<string, unknown>>;
    created_at: Generated<Timestamp>;
  };
  contact_link_decisions: {
    workspace_id: string;
    id: string;
    kind: "merge" | "unmerge";
    target_contact_id: string;
    source_contact_id: string;
    basis: LinkBasis;
    undoes_id: string | null;
    actor_type: string;
    actor_id: string | null;
    reason: string | null;
    evidence: Json<Record<string, unknown> | null>;
    snapshot: Json<MergeSnapshot | null>;
    created_at: Generated<Timestamp>;
  };
  duplicate_dismissals: {
    workspace_id: string;
    contact_a: string;
    contact_b: string;
    actor_id: string | null;
    reason: string | null;
    created_at: Generated<Timestamp>;
  };
  contact_erasures: {
    workspace_id: string;
    id: string;
    contact_ids: string[];
    actor_type: string;
    actor_id: string | null;
    counts: Json<Record<string, number>>;
    erased_at: Generated<Timestamp>;
  };
  contact_imports: {
    workspace_id: string;
    id: string;
    origin: "api" | "cli";
    format: "csv" | "jsonl";
    file_name: string | null;
    byte_size: number;
    options: Json<ImportOptionsJson>;
    state: ImportState;
    rows_read: Generated<number>;
    imported: Generated<number>;
    updated: Generated<number>;
    unchanged: Generated<number>;
    failed: Generated<number>;
    last_line: Generated<number>;
    error: Json<{ line: number; reason: string; message: string } | null>;
    actor_type: string;
    actor_id: string | null;
    created_at: Generated<Timestamp>;
    started_at: Timestamp | null;
    finished_at: Timestamp | null;
    updated_at: Generated<Timestamp>;
  };
  contact_import_chunks: { workspace_id: string; import_id: string; seq: number; data: Buffer };
  contact_import_errors: {
    workspace_id: string;
    import_id: string;
    line: number;
    field: string | null;
    reason: string;
    message: string;
  };
  orders: {
    workspace_id: string;
    id: string;
    contact_id: string;
    source: string;
    external_id: string;
    status: OrderStatus;
    currency: string;
    total: string;
    placed_at: Timestamp;
    properties: Json<Record<string, unknown>>;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
  };
  order_lines: {
    workspace_id: string;
    order_id: string;
    line_no: number;
    sku: string | null;
    name: string;
    quantity: string;
    unit_price: string;
    total: string;
  };
  order_status_history: {
    workspace_id: string;
    id: string;
    order_id: string;
    status: OrderStatus;
    changed_at: Timestamp;
  };
  contact_locations: {
    workspace_id: string;
    id: string;
    contact_id: string;
    occurred_at: Timestamp;
    latitude: number;
    longitude: number;
    accuracy_m: number | null;
    label: string | null;
    channel: string | null;
    event_id: string | null;
  };
  contact_lifecycle_pending: {
    workspace_id: string;
    contact_id: string;
    since: Generated<Timestamp>;
  };
  contact_lifecycle: {
    workspace_id: string;
    contact_id: string;
    stage: string;
    facts: Json<Record<string, unknown>>;
    computed_at: Timestamp;
  };
  follower_syncs: {
    workspace_id: string;
    id: string;
    channel_id: string;
    identity_kind: IdentityKind;
    namespace: string;
    state: FollowerSyncState;
    page_cursor: string | null;
    page_done: number;
    pages: number;
    imported: number;
    failed: number;
    total: number | null;
    error: Json<{ reason: string; message: string } | null>;
    created_at: Generated<Timestamp>;
    started_at: Timestamp | null;
    finished_at: Timestamp | null;
    updated_at: Generated<Timestamp>;
  };
};

export type FollowerSyncState = "queued" | "running" | "completed" | "failed";

export type ImportState = "receiving" | "queued" | "running" | "completed" | "failed";
export type ImportOptionsJson = { delimiter?: string; map?: Record<string, string> };
export type OrderStatus = "pending" | "paid" | "fulfilled" | "cancelled" | "refunded";
export type ImportRow = Selectable<ProfilesTables["contact_imports"]>;
export type FollowerSyncRow = Selectable<ProfilesTables["follower_syncs"]>;
export type OrderRow = Selectable<ProfilesTables["orders"]>;
export type LocationRow = Selectable<ProfilesTables["contact_locations"]>;

export type ContactRow = Selectable<ProfilesTables["contacts"]>;
export type IdentityRow = Selectable<ProfilesTables["contact_identities"]>;
export type ConsentRow = Selectable<ProfilesTables["consent_records"]>;
export type EventRow = Selectable<ProfilesTables["timeline_events"]>;
export type DecisionRow = Selectable<ProfilesTables["contact_link_decisions"]>;

/**
 * A contact row as JSON (dates as ISO strings), as kept in a merge decision to restore it exactly. Snapshots
 * taken before migrations 20261207T0101 and 20261207T0201 have no name_latin_key and no name_sort.
 */
export type ContactSnapshot = Omit<
  ContactRow,
  "name_latin_key" | "name_sort" | "erased_at" | "created_at" | "updated_at"
> & {
  name_latin_key?: string;
  name_sort?: string;
  erased_at: string | null;
  created_at: string;
  updated_at: string;
};
export type MergeSnapshot = { target: ContactSnapshot; source: ContactSnapshot; repointed: string[] };

/** The executor typed with this module's tables (every profiles query starts here). */
export const q = (db: Executor) => db.withTables<ProfilesTables>();

/** Serialises a contact row for the database (jsonb columns as JSON text). */
function contactValues(row: ContactRow) {
  return {
    ...row,
    emails: JSON.stringify(row.emails),
    phones: JSON.stringify(row.phones),
    attributes: JSON.stringify(row.attributes),
    quality_flags: JSON.stringify(row.quality_flags),
  };
}

export function toSnapshot(row: ContactRow): ContactSnapshot {
  return {
    ...row,
    erased_at: row.erased_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function fromSnapshot(s: ContactSnapshot): ContactRow {
  return {
    ...s,
    name_latin_key: s.name_latin_key ?? latinNameKeyOf(s.given_name, s.family_name, s.display_name),
    // Snapshots taken before the name sort existed have no key.
    name_sort: s.name_sort ?? nameSortKeyOf(s.display_name),
    erased_at: s.erased_at ? new Date(s.erased_at) : null,
    created_at: new Date(s.created_at),
    updated_at: new Date(s.updated_at),
  };
}

// ——— settings and attribute definitions

export async function findDefaultRegion(db: Executor, workspaceId: string): Promise<string | null> {
  const row = await q(db)
    .selectFrom("profile_settings")
    .select("default_region")
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  return row?.default_region ?? null;
}

export function upsertDefaultRegion(db: Executor, workspaceId: string, region: string | null) {
  return q(db)
    .insertInto("profile_settings")
    .values({ workspace_id: workspaceId, default_region: region })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ default_region: region, updated_at: new Date() }))
    .execute();
}

export function listAttributeDefinitions(db: Executor, workspaceId: string) {
  return q(db)
    .selectFrom("contact_attribute_definitions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("key")
    .execute();
}

export function insertAttributeDefinition(
  db: Executor,
  row: { workspace_id: string; key: string; label: string; type: AttributeType; options: string[] },
) {
  return q(db)
    .insertInto("contact_attribute_definitions")
    .values({ ...row, options: JSON.stringify(row.options) })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

// ——— contacts

export function insertContact(db: Executor, row: ContactRow) {
  return q(db).insertInto("contacts").values(contactValues(row)).returningAll().executeTakeFirstOrThrow();
}

/** Overwrites every column of a contact with the given row (same workspace and id). */
export function replaceContact(db: Executor, row: ContactRow) {
  const { workspace_id, id, ...rest } = contactValues(row);
  return q(db)
    .updateTable("contacts")
    .set(rest)
    .where("workspace_id", "=", workspace_id)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findContact(db: Executor, workspaceId: string, id: string, options: { lock?: boolean } = {}) {
  let query = q(db).selectFrom("contacts").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Deletes a contact just created (a lost identity race); its keys and identities cascade. */
export function deleteContact(db: Executor, workspaceId: string, id: string) {
  return q(db).deleteFrom("contacts").where("workspace_id", "=", workspaceId).where("id", "=", id).execute();
}

/** The survivor's id and the ids of the contacts merged into it (one level: merges flatten chains). */
export async function familyOf(db: Executor, workspaceId: string, survivorId: string): Promise<string[]> {
  const rows = await q(db)
    .selectFrom("contacts")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("merged_into", "=", survivorId)
    .execute();
  return [survivorId, ...rows.map((r) => r.id)];
}

/** The live contacts (not merged, not erased) among the ids, with their tags, and each one's merged family. */
export async function liveContactsWithFamilies(db: Executor, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await q(db)
    .selectFrom("contacts")
    .select(["id", "tags", "merged_into"])
    .where("workspace_id", "=", workspaceId)
    .where((eb) =>
      eb.or([
        eb.and([eb("id", "in", ids), eb("merged_into", "is", null), eb("erased_at", "is", null)]),
        eb("merged_into", "in", ids),
      ]),
    )
    .execute();
  const live = new Map<string, { id: string; tags: string[]; family: string[] }>();
  for (const r of rows) if (!r.merged_into) live.set(r.id, { id: r.id, tags: r.tags, family: [r.id] });
  for (const r of rows) if (r.merged_into) live.get(r.merged_into)?.family.push(r.id);
  return [...live.values()];
}

export function listMergedInto(db: Executor, workspaceId: string, survivorId: string) {
  return q(db)
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("merged_into", "=", survivorId)
    .execute();
}

export function setMergedInto(db: Executor, workspaceId: string, ids: string[], survivorId: string | null) {
  if (ids.length === 0) return Promise.resolve();
  return q(db)
    .updateTable("contacts")
    .set({ merged_into: survivorId })
    .where("workspace_id", "=", workspaceId)
    .where("id", "in", ids)
    .execute()
    .then(() => undefined);
}

/** Escapes LIKE wildcards so user text matches literally. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The CJK characters the contacts_search_cjk index covers (the same class as in migration 20261203T0102). */
const CJK_CLASS = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]";
const CJK_RUNS = new RegExp(`${CJK_CLASS}+`, "gu");

/** The index grams a CJK query needs: each run's characters alone when it is one character, else its pairs. */
function cjkGramsOf(text: string): string[] {
  const grams = new Set<string>();
  for (const [run] of text.matchAll(CJK_RUNS)) {
    const chars = [...run];
    if (chars.length === 1) grams.add(run);
    for (let i = 0; i + 1 < chars.length; i++) grams.add(`${chars[i]}${chars[i + 1]}`);
  }
  return [...grams];
}

/**
 * A CJK term as a condition: the contacts_search_cjk index's predicate and expression (its characters' pairs,
 * or the character alone), then strpos (which no index answers, so the planner keeps to that index).
 */
function cjkMatch(grams: string[], term: string) {
  return sql<boolean>`search_text ~ ${sql.lit(CJK_CLASS)} and profiles_cjk_grams(search_text) @> ${grams}::text[]
    and strpos(search_text, ${term}) > 0`;
}

/** Rows of the sort's order a CJK term walks first (see searchText). */
const CJK_WALK = 10_000;

/**
 * Contacts whose search text holds one of the (folded) terms as a substring, in the list's sort: a term with CJK
 * characters through contacts_search_cjk (its characters' pairs, or the character alone), checked with strpos
 * (which no index answers, so the planner keeps to that index), after a bounded walk of the sort's first rows
 * that answers common characters sooner; any other term as LIKE '%…%' (the trigram index on PostgreSQL, or the
 * sort's index walked when the term is common).
 */
async function searchText(
  db: Executor,
  terms: string[],
  base: () => ContactQuery,
  walk: () => ContactQuery,
  limit: number,
): Promise<ContactRow[]> {
  const found: ContactRow[] = [];
  for (const term of terms) {
    const grams = cjkGramsOf(term);
    if (grams.length) {
      // A common character (a frequent family name) matches thousands of contacts spread over the table: the
      // newest few are found sooner by walking the sort's first CJK_WALK rows than by reading every match
      // through the pair index. Enough matches there are the page; fewer, and the index answers.
      const walked = await q(db)
        .selectFrom(walk().as("s"))
        .selectAll()
        .where(sql<boolean>`strpos(search_text, ${term}) > 0`)
        .execute();
      found.push(...(walked.length > limit ? walked : await base().where(cjkMatch(grams, term)).execute()));
    } else {
      found.push(
        ...(await base()
          .where("search_text", "like", `%${likeEscape(term)}%`)
          .execute()),
      );
    }
  }
  return found;
}

export type ContactFilter = {
  sort: ContactSort;
  after?: ContactPosition | undefined;
  /** Folded search texts, each matched as a substring of the contact's search text. */
  queries?: string[] | undefined;
  /** Exact identity external ids to also match. */
  identityIds?: string[] | undefined;
  /** Exact normalised emails / E.164 phones to also match (through contact_keys). */
  keys?: { kind: "email" | "phone"; key: string }[] | undefined;
  tag?: string | undefined;
  stage?: string | undefined;
};

/** The live (not merged, not erased) contacts of a workspace, whole rows: a query to narrow down. */
export function selectLiveContacts(db: Executor, workspaceId: string) {
  return q(db)
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("merged_into", "is", null)
    .where("erased_at", "is", null);
}

/**
 * The first limit+1 live contacts in the filter's sort matching the list filters (tag, stage, cursor). Each
 * sort is a keyset on (sort value, id) walking an index: the primary key (newest, oldest), contacts_sort_name,
 * contacts_sort_updated.
 */
function contactListQuery(db: Executor, workspaceId: string, filter: ContactFilter, limit: number) {
  let query = selectLiveContacts(db, workspaceId);
  if (filter.tag) query = query.where(sql<boolean>`tags @> ${sql.val([filter.tag])}::text[]`);
  if (filter.stage) query = query.where("lifecycle_stage", "=", filter.stage);
  const after = filter.after;
  switch (filter.sort) {
    case "newest":
      if (after) query = query.where("id", "<", after.id);
      return query.orderBy("id", "desc").limit(limit + 1);
    case "oldest":
      if (after) query = query.where("id", ">", after.id);
      return query.orderBy("id", "asc").limit(limit + 1);
    case "updated":
      if (after?.at) query = query.where(sql<boolean>`(updated_at, id) < (${after.at}, ${after.id}::uuid)`);
      return query
        .orderBy("updated_at", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1);
    case "name":
      if (after?.name) query = query.where(sql<boolean>`(name_sort, id) > (${after.name}, ${after.id}::uuid)`);
      return query
        .orderBy("name_sort", "asc")
        .orderBy("id", "asc")
        .limit(limit + 1);
  }
}
type ContactQuery = ReturnType<typeof contactListQuery>;

/**
 * Live (not merged, not erased) contacts in the filter's sort. A search runs as up to three queries merged
 * here: the search-text match (the planner picks a trigram index where pg_trgm exists, or walks the sort's
 * index when the term is common), the exact identity match and the exact email/phone key match (each through
 * its own index).
 */
export async function listContacts(db: Executor, workspaceId: string, filter: ContactFilter, limit: number) {
  // The first limit+1 live contacts in the sort matching the filter; each search below adds its own condition,
  // so every arm orders and pages by the same key and the merge below sorts by it again.
  const base = () => contactListQuery(db, workspaceId, filter, limit);
  const ids = filter.identityIds ?? [];
  const keys = filter.keys ?? [];
  if (filter.queries === undefined && ids.length === 0 && keys.length === 0) {
    return base().execute();
  }
  const [byText, byIdentity, byKey] = await Promise.all([
    searchText(db, filter.queries ?? [], base, () => contactListQuery(db, workspaceId, filter, CJK_WALK - 1), limit),
    ids.length
      ? base()
          .where(
            "id",
            "in",
            sql<string>`(select coalesce(c.merged_into, c.id) from contact_identities i
              join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id
              where i.workspace_id = ${workspaceId} and i.external_id in (${sql.join(ids)}))`,
          )
          .execute()
      : Promise.resolve([]),
    keys.length
      ? base()
          .where(
            "id",
            "in",
            sql<string>`(select k.contact_id from contact_keys k where k.workspace_id = ${workspaceId}
              and (${sql.join(
                keys.map((k) => sql`(k.kind = ${k.kind} and k.key = ${k.key})`),
                sql` or `,
              )}))`,
          )
          .execute()
      : Promise.resolve([]),
  ]);
  const merged = new Map([...byText, ...byIdentity, ...byKey].map((r) => [r.id, r]));
  return [...merged.values()].sort(compareContacts(filter.sort)).slice(0, limit + 1);
}

/** The `contact_keys` of a contact row and identities, as `kind\0key` strings: normalised emails, E.164 phones. */
export function contactKeysOf(
  row: Pick<ContactRow, "emails" | "phones">,
  identities: readonly { kind: IdentityKind; externalId: string }[],
): string[] {
  const keys = new Set<string>();
  for (const e of row.emails) if (e.normalized) keys.add(`email\u0000${e.normalized}`);
  for (const p of row.phones) if (p.e164) keys.add(`phone\u0000${p.e164}`);
  for (const i of identities) {
    if (i.kind === "email") keys.add(`email\u0000${i.externalId}`);
    else if (i.kind === "phone" && i.externalId.startsWith("+")) keys.add(`phone\u0000${i.externalId}`);
    else if (i.kind === "whatsapp_id" && /^\d{6,}$/.test(i.externalId)) keys.add(`phone\u0000+${i.externalId}`);
  }
  return [...keys];
}

/** A `kind\0key` string of contactKeysOf as its columns. */
export function splitContactKey(k: string): { kind: "email" | "phone"; key: string } {
  const [kind, key] = k.split("\u0000") as ["email" | "phone", string];
  return { kind, key };
}

/** Recomputes the email/phone keys of a contact (and its merged family's identities); none when merged or erased. */
export async function syncContactKeys(db: Executor, workspaceId: string, contactId: string) {
  await q(db)
    .deleteFrom("contact_keys")
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "=", contactId)
    .execute();
  const row = await findContact(db, workspaceId, contactId);
  if (!row || row.merged_into || row.erased_at) return;
  const identities = await listIdentitiesOf(db, workspaceId, await familyOf(db, workspaceId, contactId));
  const keys = contactKeysOf(
    row,
    identities.map((i) => ({ kind: i.kind, externalId: i.external_id })),
  );
  if (keys.length === 0) return;
  await q(db)
    .insertInto("contact_keys")
    .values(keys.map((k) => ({ workspace_id: workspaceId, ...splitContactKey(k), contact_id: contactId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function listKeysOf(db: Executor, workspaceId: string, contactId: string) {
  return q(db)
    .selectFrom("contact_keys")
    .select(["kind", "key"])
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "=", contactId)
    .execute();
}

/** Live contacts sharing a normalised email or phone with the given keys. */
export async function findContactsByKeys(
  db: Executor,
  workspaceId: string,
  keys: { kind: "email" | "phone"; key: string }[],
  excludeId: string,
) {
  if (keys.length === 0) return [];
  // One index probe per key (as findIdentitiesByKeys): an OR of (kind, key) pairs can scan every email.
  const { rows } = await sql<{ contact_id: string; kind: "email" | "phone"; key: string }>`
    select k.contact_id, k.kind, k.key
    from unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.key)}::text[]) as w(kind, key)
    cross join lateral (
      select * from contact_keys k
      where k.workspace_id = ${workspaceId} and k.kind = w.kind and k.key = w.key and k.contact_id <> ${excludeId}
      limit 200) k
    limit 200`.execute(db);
  return rows;
}

/** What scoring a fuzzy candidate needs (the full row is read only for the suggestions kept). */
export type FuzzyCandidateRow = Pick<ContactRow, "id" | "display_name" | "company" | "name_latin_key">;

/**
 * Live contacts that can score as probable duplicates without a shared key: those of the same company (a
 * same or similar name then counts), those with exactly the same name key (a same distinctive name alone
 * counts) and those with the same name in Latin letters (王芳 and "Fang Wang"). Each is one probe of its own
 * index, capped, newest first.
 */
export async function findFuzzyCandidates(
  db: Executor,
  workspaceId: string,
  contact: ContactRow,
): Promise<FuzzyCandidateRow[]> {
  const by = (column: "company_key" | "name_key" | "name_latin_key", value: string, limit: number) =>
    q(db)
      .selectFrom("contacts")
      .select(["id", "display_name", "company", "name_latin_key"])
      .where("workspace_id", "=", workspaceId)
      .where(column, "=", value)
      .where("id", "!=", contact.id)
      .where("merged_into", "is", null)
      .where("erased_at", "is", null)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  const [byCompany, byName, byLatinName] = await Promise.all([
    contact.company_key ? by("company_key", contact.company_key, 500) : [],
    contact.name_key ? by("name_key", contact.name_key, 100) : [],
    contact.name_latin_key ? by("name_latin_key", contact.name_latin_key, 100) : [],
  ]);
  return [...new Map([...byCompany, ...byName, ...byLatinName].map((r) => [r.id, r])).values()];
}

export function findContactsByIds(db: Executor, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return q(db)
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "in", ids)
    .execute();
}

// ——— identities

export type IdentityKey = { kind: IdentityKind; namespace: string; externalId: string };

/** An identity found by key, with its contact's survivor id (the contact itself unless it was merged). */
export type IdentityHit = Pick<
  Selectable<ProfilesTables["contact_identities"]>,
  "id" | "kind" | "namespace" | "external_id" | "contact_id" | "last_seen_at" | "verified"
> & { survivor_id: string; erased_at: Date | null };

/**
 * Identities by key with their contact's survivor id. One index probe per key whatever the table's size or
 * statistics: the keys drive a lateral lookup (`offset 0` keeps it a per-key probe), where an OR of
 * (kind, namespace, external id) triples lets the planner scan every identity of a kind. Prepared: planning it
 * cost more than running it.
 */
export async function findIdentitiesByKeys(db: Executor, workspaceId: string, keys: IdentityKey[]) {
  const unique = [...new Map(keys.map((k) => [`${k.kind}\u0000${k.namespace}\u0000${k.externalId}`, k])).values()];
  if (unique.length === 0) return [];
  const { rows } = await sql<IdentityHit>`${prepared}
    select i.id, i.kind, i.namespace, i.external_id, i.contact_id, i.last_seen_at, i.verified,
      coalesce(c.merged_into, c.id) as survivor_id, c.erased_at
    from unnest(${unique.map((k) => k.kind)}::text[], ${unique.map((k) => k.namespace)}::text[],
      ${unique.map((k) => k.externalId)}::text[]) as k(kind, namespace, external_id)
    cross join lateral (
      select * from contact_identities i
      where i.workspace_id = ${workspaceId} and i.kind = k.kind and i.namespace = k.namespace
        and i.external_id = k.external_id
      offset 0) i
    join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id`.execute(db);
  return rows;
}

/** Inserts an identity unless one with the same key exists; returns the row when it was inserted. */
export function insertIdentity(
  db: Executor,
  row: {
    workspace_id: string;
    contact_id: string;
    kind: IdentityKind;
    namespace: string;
    external_id: string;
    verified: boolean;
  },
) {
  return q(db)
    .insertInto("contact_identities")
    .values({ id: uuidv7(), ...row })
    .onConflict((oc) => oc.columns(["workspace_id", "kind", "namespace", "external_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Inserts new contacts, each with its one identity, in a few statements whatever their number: the contacts,
 * their identities (ON CONFLICT DO NOTHING) and their email/phone keys. A contact whose identity another
 * request inserted meanwhile is deleted again; its id is in the returned set (resolve it afresh).
 */
export async function insertContactsWithIdentities(
  db: Executor,
  items: readonly { row: ContactRow; key: IdentityKey; verified: boolean }[],
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  await q(db)
    .insertInto("contacts")
    .values(items.map((i) => contactValues(i.row)))
    .execute();
  const inserted = await q(db)
    .insertInto("contact_identities")
    .values(
      items.map(({ row, key, verified }) => ({
        id: uuidv7(),
        workspace_id: row.workspace_id,
        contact_id: row.id,
        kind: key.kind,
        namespace: key.namespace,
        external_id: key.externalId,
        verified,
      })),
    )
    .onConflict((oc) => oc.columns(["workspace_id", "kind", "namespace", "external_id"]).doNothing())
    .returning("contact_id")
    .execute();
  const kept = new Set(inserted.map((r) => r.contact_id));
  const lost = items.filter((i) => !kept.has(i.row.id));
  if (lost.length) {
    await q(db)
      .deleteFrom("contacts")
      .where("workspace_id", "=", lost[0]?.row.workspace_id ?? "")
      .where(
        "id",
        "in",
        lost.map((i) => i.row.id),
      )
      .execute();
  }
  const keys = items
    .filter((i) => kept.has(i.row.id))
    .flatMap(({ row, key }) =>
      contactKeysOf(row, [key]).map((k) => ({
        workspace_id: row.workspace_id,
        ...splitContactKey(k),
        contact_id: row.id,
      })),
    );
  if (keys.length)
    await q(db)
      .insertInto("contact_keys")
      .values(keys)
      .onConflict((oc) => oc.doNothing())
      .execute();
  return new Set(lost.map((i) => i.row.id));
}

export function touchIdentities(db: Executor, workspaceId: string, ids: string[], verified: boolean) {
  return q(db)
    .updateTable("contact_identities")
    .set((eb) => ({ last_seen_at: new Date(), verified: verified ? true : eb.ref("verified") }))
    .where("workspace_id", "=", workspaceId)
    .where("id", "in", ids)
    .execute();
}

export function listIdentitiesOf(db: Executor, workspaceId: string, contactIds: string[]) {
  return q(db)
    .selectFrom("contact_identities")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", contactIds)
    .orderBy("id")
    .execute();
}

// ——— consent

export function insertConsent(db: Executor, row: Omit<ConsentRow, "id" | "created_at">) {
  return q(db)
    .insertInto("consent_records")
    .values({ id: uuidv7(), ...row, evidence: JSON.stringify(row.evidence) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listConsentOf(db: Executor, workspaceId: string, contactIds: string[]) {
  return q(db)
    .selectFrom("consent_records")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", contactIds)
    .orderBy("recorded_at")
    .orderBy("id")
    .execute();
}

// ——— timeline

export type EventInsert = Omit<EventRow, "created_at">;

/** Inserts events, skipping those whose client event id is already stored; returns the inserted ones. */
export function insertEvents(db: Executor, rows: EventInsert[]) {
  if (rows.length === 0) return Promise.resolve([]);
  return q(db)
    .insertInto("timeline_events")
    .values(rows.map((r) => ({ ...r, properties: JSON.stringify(r.properties) })))
    .onConflict((oc) => oc.columns(["workspace_id", "client_event_id"]).doNothing())
    .returning(["id", "client_event_id", "contact_id"])
    .execute();
}

export function findEventsByClientIds(db: Executor, workspaceId: string, clientIds: string[]) {
  if (clientIds.length === 0) return Promise.resolve([]);
  return q(db)
    .selectFrom("timeline_events")
    .select(["id", "client_event_id", "contact_id"])
    .where("workspace_id", "=", workspaceId)
    .where("client_event_id", "in", clientIds)
    .execute();
}

/** The position of a row in a list ordered newest first by (time, id). */
export type TimeKey = { at: Date; id: string };

/** The keyset condition of a list ordered by (column, id) descending: rows after the given key. */
export const beforeTimeKey = (column: "occurred_at" | "placed_at", after: TimeKey) =>
  sql<boolean>`(${sql.ref(column)}, id) < (${after.at}, ${after.id}::uuid)`;

export type TimelineFilter = {
  types?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  after?: TimeKey | undefined;
};

/** Events of the given contacts, newest first, keyed by (occurred_at, id). */
export function listTimeline(
  db: Executor,
  workspaceId: string,
  contactIds: string[],
  filter: TimelineFilter,
  limit: number,
) {
  let query = q(db)
    .selectFrom("timeline_events")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", contactIds);
  if (filter.types?.length) {
    // `order.*` stands for every type starting with `order.` (a kind); other entries match exactly.
    const exact = filter.types.filter((t) => !t.endsWith(".*"));
    const prefixes = filter.types.filter((t) => t.endsWith(".*")).map((t) => `${likeEscape(t.slice(0, -1))}%`);
    query = query.where((eb) =>
      eb.or([...(exact.length ? [eb("type", "in", exact)] : []), ...prefixes.map((p) => eb("type", "like", p))]),
    );
  }
  if (filter.from) query = query.where("occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("occurred_at", "<", filter.to);
  if (filter.after) query = query.where(beforeTimeKey("occurred_at", filter.after));
  return query
    .orderBy("occurred_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

// ——— link decisions

export function insertDecision(db: Executor, row: Omit<DecisionRow, "id" | "created_at">) {
  return q(db)
    .insertInto("contact_link_decisions")
    .values({
      id: uuidv7(),
      ...row,
      evidence: JSON.stringify(row.evidence),
      snapshot: JSON.stringify(row.snapshot),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findDecision(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("contact_link_decisions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findUndoOf(db: Executor, workspaceId: string, decisionId: string) {
  return q(db)
    .selectFrom("contact_link_decisions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("undoes_id", "=", decisionId)
    .executeTakeFirst();
}

/** Merges after the given one that touch one of the contacts and are not undone. */
export function findLaterActiveMerges(db: Executor, workspaceId: string, decisionId: string, contactIds: string[]) {
  return q(db)
    .selectFrom("contact_link_decisions as d")
    .select(["d.id"])
    .where("d.workspace_id", "=", workspaceId)
    .where("d.kind", "=", "merge")
    .where("d.id", ">", decisionId)
    .where((eb) => eb.or([eb("d.target_contact_id", "in", contactIds), eb("d.source_contact_id", "in", contactIds)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("contact_link_decisions as u")
            .select("u.id")
            .whereRef("u.workspace_id", "=", "d.workspace_id")
            .whereRef("u.undoes_id", "=", "d.id"),
        ),
      ),
    )
    .execute();
}

export function listDecisionsOf(db: Executor, workspaceId: string, contactIds: string[]) {
  return q(db)
    .selectFrom("contact_link_decisions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where((eb) => eb.or([eb("target_contact_id", "in", contactIds), eb("source_contact_id", "in", contactIds)]))
    .orderBy("id")
    .execute();
}

// ——— duplicate dismissals

export function insertDismissal(
  db: Executor,
  workspaceId: string,
  a: string,
  b: string,
  actorId: string | null,
  reason: string | null,
) {
  const [contact_a, contact_b] = a < b ? [a, b] : [b, a];
  return q(db)
    .insertInto("duplicate_dismissals")
    .values({ workspace_id: workspaceId, contact_a, contact_b, actor_id: actorId, reason })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function listDismissedWith(db: Executor, workspaceId: string, contactId: string) {
  const rows = await q(db)
    .selectFrom("duplicate_dismissals")
    .select(["contact_a", "contact_b"])
    .where("workspace_id", "=", workspaceId)
    .where((eb) => eb.or([eb("contact_a", "=", contactId), eb("contact_b", "=", contactId)]))
    .execute();
  return new Set(rows.map((r) => (r.contact_a === contactId ? r.contact_b : r.contact_a)));
}

// ——— erasure

/** Allows this transaction to rewrite append-only profile tables (erasure only). */
export async function allowErasure(db: Executor) {
  await sql`select set_config('rapport.erasure', 'on', true)`.execute(db);
}

/** Deletes or scrubs everything personal about the given contacts; returns per-table counts. */
export async function eraseContactData(db: Executor, workspaceId: string, ids: string[]) {
  const d = q(db);
  const count = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint }) =>
    Number(r.numDeletedRows ?? r.numUpdatedRows ?? 0);
  const identities = await d
    .deleteFrom("contact_identities")
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", ids)
    .executeTakeFirst();
  const events = await d
    .deleteFrom("timeline_events")
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", ids)
    .executeTakeFirst();
  const consents = await d
    .deleteFrom("consent_records")
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", ids)
    .executeTakeFirst();
  await d.deleteFrom("contact_keys").where("workspace_id", "=", workspaceId).where("contact_id", "in", ids).execute();
  const decisions = await d
    .updateTable("contact_link_decisions")
    .set({ reason: null, evidence: JSON.stringify(null), snapshot: JSON.stringify(null) })
    .where("workspace_id", "=", workspaceId)
    .where((eb) => eb.or([eb("target_contact_id", "in", ids), eb("source_contact_id", "in", ids)]))
    .executeTakeFirst();
  const dismissals = await d
    .deleteFrom("duplicate_dismissals")
    .where("workspace_id", "=", workspaceId)
    .where((eb) => eb.or([eb("contact_a", "in", ids), eb("contact_b", "in", ids)]))
    .executeTakeFirst();
  const orders = await d
    .deleteFrom("orders")
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", ids)
    .executeTakeFirst();
  const locations = await d
    .deleteFrom("contact_locations")
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", ids)
    .executeTakeFirst();
  for (const table of ["contact_lifecycle", "contact_lifecycle_pending"] as const) {
    await d.deleteFrom(table).where("workspace_id", "=", workspaceId).where("contact_id", "in", ids).execute();
  }
  const now = new Date();
  const contacts = await d
    .updateTable("contacts")
    .set({
      given_name: null,
      family_name: null,
      display_name: null,
      emails: "[]",
      phones: "[]",
      language: null,
      timezone: null,
      gender: null,
      birthday: null,
      avatar_url: null,
      company: null,
      tags: [],
      lifecycle_stage: null,
      owner_user_id: null,
      source: null,
      attributes: "{}",
      quality_flags: "[]",
      name_key: "",
      name_latin_key: "",
      company_key: "",
      search_text: "",
      name_sort: nameSortKeyOf(null),
      erased_at: now,
      updated_at: now,
    })
    .where("workspace_id", "=", workspaceId)
    .where("id", "in", ids)
    .executeTakeFirst();
  return {
    contacts: count(contacts),
    identities: count(identities),
    timelineEvents: count(events),
    consentRecords: count(consents),
    linkDecisionsScrubbed: count(decisions),
    duplicateDismissals: count(dismissals),
    orders: count(orders),
    locations: count(locations),
  };
}

export function insertErasure(
  db: Executor,
  row: {
    workspace_id: string;
    contact_ids: string[];
    actor_type: string;
    actor_id: string | null;
    counts: Record<string, number>;
  },
) {
  return q(db)
    .insertInto("contact_erasures")
    .values({ id: uuidv7(), ...row, counts: JSON.stringify(row.counts) })
    .returningAll()
    .executeTakeFirstOrThrow();
}
