import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { membersAmong, recordAudit } from "../../tenancy/index.ts";
import { type AttributeDefinition, validateAttributes } from "../attributes.ts";
import { applyContactFields, blankContact, type ContactFieldsInput } from "../contact-fields.ts";
import {
  type ContactRow,
  contactKeysOf,
  findDefaultRegion,
  type IdentityKey,
  type ImportOptionsJson,
  type ImportRow,
  listAttributeDefinitions,
  splitContactKey,
} from "../repository.ts";
import { identityKeyOf } from "../use-cases/resolve-contact.ts";
import type { Caller } from "../use-cases/types.ts";
import {
  analyzeContactTables,
  deleteImportChunks,
  findContactsBulk,
  findImport,
  insertContactsBulk,
  insertIdentitiesBulk,
  insertImport,
  insertImportErrors,
  insertKeysBulk,
  lookupIdentities,
  lookupKeys,
  recordBatch,
  setImportState,
  updateContactsBulk,
} from "./bulk-repository.ts";
import { CsvRecordParser, EncodingError, isCsvProblem, readLines } from "./csv.ts";
import {
  type ColumnTarget,
  type ContactDraft,
  coerceCsvAttributes,
  contactFromCsv,
  contactFromJson,
  ImportFileError,
  planColumns,
  type RowError,
  validateRow,
} from "./import-mapping.ts";

/** Rows per transaction: a batch is imported whole or not at all. */
export const IMPORT_BATCH_SIZE = 5000;
/** Contact ids per `contacts.tags-changed` event (a batch whose rows changed more tags emits several). */
export const TAGS_EVENT_MAX_CONTACTS = 1000;

export type ImportFormat = "csv" | "jsonl";
export type ImportCounts = {
  rowsRead: number;
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  lastLine: number;
};

/**
 * Where an import's time went, in milliseconds summed over its batches (the benchmark prints it): reading,
 * parsing and checking rows; validating and normalising them; the transactions of the batches (which run
 * while the next batch is read), of which the matching done in JavaScript; and how long reading waited.
 */
export type ImportTimings = {
  readMs: number;
  prepareMs: number;
  commitMs: number;
  /** Part of commitMs: matching the rows to the contacts found and merging them, in JavaScript. */
  matchMs: number;
  waitMs: number;
  batches: number;
};

/** One record of a batch: its line(s), and either its validated draft or why it was refused. */
export type Item = { line: number; endLine: number; csv: boolean; draft?: ContactDraft; error?: RowError };

/** Opens an import (state `receiving` for an upload still arriving, `queued` otherwise). */
export function createImport(
  db: Executor,
  caller: Caller,
  input: {
    origin: "api" | "cli";
    format: ImportFormat;
    fileName: string | null;
    byteSize?: number;
    options: ImportOptionsJson;
    state: "receiving" | "queued";
  },
) {
  return insertImport(db, {
    workspace_id: caller.workspaceId,
    id: uuidv7(),
    origin: input.origin,
    format: input.format,
    file_name: input.fileName,
    byte_size: input.byteSize ?? 0,
    options: input.options,
    state: input.state,
    error: null,
    actor_type: caller.type,
    actor_id: "id" in caller ? caller.id : null,
    started_at: null,
    finished_at: null,
  });
}

export const countsOf = (r: ImportRow): ImportCounts => ({
  rowsRead: r.rows_read,
  imported: r.imported,
  updated: r.updated,
  unchanged: r.unchanged,
  failed: r.failed,
  lastLine: r.last_line,
});

/**
 * Runs (or resumes) an import over the bytes of its file: records are read as a stream, validated, and
 * written in batches of IMPORT_BATCH_SIZE, each in one transaction together with its row errors, the counters
 * and the last line committed — so a crash loses at most the batch in flight, and a resumed run skips every
 * line already committed. Rows are matched to existing contacts by identity, normalised email and phone
 * (and to earlier rows of the file), and update them instead of creating duplicates. A problem with the
 * whole file (encoding, delimiter, header) fails the import on line 1 before any row is written.
 */
export async function runImport(
  ctx: AppContext,
  workspaceId: string,
  importId: string,
  source: AsyncIterable<Uint8Array>,
  hooks: { onBatch?: (counts: ImportCounts) => void; batchSize?: number; timings?: ImportTimings } = {},
): Promise<ImportRow> {
  const { db } = ctx.database;
  const current = await findImport(db, workspaceId, importId);
  if (!current) throw new AppError("not_found", "import_not_found", "No import with this id in your workspace.");
  if (current.state === "completed") return current;
  await setImportState(db, workspaceId, importId, { state: "running", error: null, started: true });
  const region = await findDefaultRegion(db, workspaceId);
  const definitions: AttributeDefinition[] = await listAttributeDefinitions(db, workspaceId);
  const attributeTypes = new Map<string, string>(definitions.map((d) => [d.key, d.type]));
  const batchSize = hooks.batchSize ?? IMPORT_BATCH_SIZE;
  const resumeAfter = current.last_line;
  const delimiter = current.options.delimiter ?? ",";
  const map = current.options.map ?? {};
  const csv = current.format === "csv";
  const parser = new CsvRecordParser(delimiter);
  let plan: ColumnTarget[] | undefined;
  let invalidInRecord = false;
  let lastLine = 0;
  let batch: Item[] = [];
  let inflight: Promise<void> | undefined;

  // Validation and normalisation need no database: they run before the transaction (while the previous batch
  // is still committing), so a transaction only holds the lookups and the set-based writes.
  const timings = hooks.timings;
  const loopStart = performance.now();
  const prepare = (items: Item[]) => {
    const start = performance.now();
    const ready = prepareBatch(workspaceId, items, region, definitions, attributeTypes);
    if (timings) timings.prepareMs += performance.now() - start;
    return ready;
  };
  const commit = async (ready: PreparedBatch) => {
    const items = ready.items;
    const start = performance.now();
    const counts = await db.transaction().execute(async (tx) => {
      const result = await applyBatch(tx, workspaceId, ready, region, timings);
      await insertImportErrors(tx, workspaceId, importId, result.errors);
      await emitTagsChanged(tx, workspaceId, result.tagsChanged);
      return recordBatch(tx, workspaceId, importId, {
        rowsRead: items.length,
        imported: result.imported,
        updated: result.updated,
        unchanged: result.unchanged,
        failed: result.errors.length,
        lastLine: items.at(-1)?.endLine ?? 0,
      });
    });
    if (timings) {
      timings.commitMs += performance.now() - start;
      timings.batches++;
    }
    hooks.onBatch?.(counts);
  };

  try {
    for await (const line of readLines(source)) {
      lastLine = line.lineNo;
      let item: Item | undefined;
      if (!csv) {
        if (line.lineNo <= resumeAfter || line.text.trim() === "") continue;
        item = jsonItem(line.lineNo, line.text, line.invalidUtf8, map);
      } else {
        invalidInRecord ||= line.invalidUtf8;
        const record = parser.push(line.text, line.lineNo);
        if (record === null) continue;
        const invalid = invalidInRecord;
        invalidInRecord = false;
        if (!plan) {
          if (isCsvProblem(record)) {
            throw new ImportFileError("header_invalid", "Line 1: the header line has unbalanced quotes.");
          }
          plan = planColumns(record.fields, map, delimiter);
          continue;
        }
        if (record.endLine <= resumeAfter) continue;
        if (!isCsvProblem(record) && record.fields.length === 1 && record.fields[0]?.trim() === "") continue;
        item = csvItem(record, plan, invalid);
      }
      batch.push(item);
      if (batch.length >= batchSize) {
        // One batch commits while the next one is read and validated (the database and this process overlap).
        const ready = prepare(batch);
        const waitStart = performance.now();
        await inflight;
        if (timings) timings.waitMs += performance.now() - waitStart;
        inflight = commit(ready);
        inflight.catch(() => undefined);
        batch = [];
      }
    }
    // The tail (the batch in flight, then the last one) is waited for as a whole, its preparation excepted.
    const waiting = performance.now() + (timings?.prepareMs ?? 0);
    await inflight;
    const open = csv ? parser.end(lastLine) : null;
    if (open) {
      batch.push({ line: open.line, endLine: open.endLine, csv, error: csvProblemError(open.reason) });
    }
    if (csv && !plan)
      throw new ImportFileError("file_empty", "Line 1: the file is empty; a CSV import starts with a header line.");
    const last = batch.length ? prepare(batch) : undefined;
    if (last) await commit(last);
    if (timings) {
      timings.waitMs += performance.now() + timings.prepareMs - waiting;
      timings.readMs += performance.now() - loopStart - timings.prepareMs - timings.waitMs;
    }
  } catch (err) {
    await inflight?.catch(() => undefined);
    if (err instanceof ImportFileError || err instanceof EncodingError) {
      const line = err instanceof ImportFileError ? err.line : 1;
      return setImportState(db, workspaceId, importId, {
        state: "failed",
        error: { line, reason: err.reason, message: err.message },
        finished: true,
      });
    }
    throw err;
  }
  const finished = await ctx.database.db.transaction().execute(async (tx) => {
    await deleteImportChunks(tx, workspaceId, importId);
    const done = await setImportState(tx, workspaceId, importId, { state: "completed", error: null, finished: true });
    await recordAudit(
      tx,
      { type: "system", workspaceId },
      { action: "contacts.imported", objectType: "contact_import", objectId: importId, details: countsOf(done) },
    );
    return done;
  });
  if (finished.imported - current.imported >= 10_000) {
    // Searches and the next imports plan with fresh statistics rather than with those of a much smaller table.
    await analyzeContactTables(db).catch(() => undefined);
  }
  return finished;
}

/**
 * Channels that mirror tags (WeChat user tags) follow an import through `contacts.tags-changed` {contactIds}:
 * one event per TAGS_EVENT_MAX_CONTACTS contacts whose tags a committed batch set or changed, in its transaction
 * (not one `contact.tags-changed` per row). An import only adds tags, so the contacts' current tags are pushed.
 */
async function emitTagsChanged(tx: Executor, workspaceId: string, contactIds: string[]) {
  const events = [];
  for (let i = 0; i < contactIds.length; i += TAGS_EVENT_MAX_CONTACTS) {
    events.push({
      workspaceId,
      type: "contacts.tags-changed",
      payload: { contactIds: contactIds.slice(i, i + TAGS_EVENT_MAX_CONTACTS) },
    });
  }
  await emitEvents(tx, events);
}

function csvProblemError(reason: "csv_quote_invalid" | "csv_quote_unclosed"): RowError {
  return {
    field: null,
    reason,
    message:
      reason === "csv_quote_unclosed"
        ? "a quoted field is never closed (the rest of the file was read into it)"
        : "characters after the closing quote of a field",
  };
}

function csvItem(
  record:
    | { line: number; endLine: number; fields: string[] }
    | { line: number; endLine: number; reason: "csv_quote_invalid" | "csv_quote_unclosed" },
  plan: ColumnTarget[],
  invalidUtf8: boolean,
): Item {
  const base = { line: record.line, endLine: record.endLine, csv: true };
  if (invalidUtf8) return { ...base, error: utf8Error };
  if ("reason" in record) return { ...base, error: csvProblemError(record.reason) };
  if (record.fields.length !== plan.length) {
    return {
      ...base,
      error: {
        field: null,
        reason: "column_count",
        message: `expected ${plan.length} fields (as in the header), found ${record.fields.length}`,
      },
    };
  }
  const checked = validateRow(contactFromCsv(record.fields, plan));
  return "error" in checked ? { ...base, error: checked.error } : { ...base, draft: checked.draft };
}

const utf8Error: RowError = {
  field: null,
  reason: "encoding_invalid",
  message: "the line is not valid UTF-8",
};

function jsonItem(lineNo: number, text: string, invalidUtf8: boolean, map: Record<string, string>): Item {
  const base = { line: lineNo, endLine: lineNo, csv: false };
  if (invalidUtf8) return { ...base, error: utf8Error };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ...base,
      error: { field: null, reason: "json_invalid", message: `not valid JSON: ${(err as Error).message}` },
    };
  }
  const raw = contactFromJson(value, map);
  if (!raw)
    return { ...base, error: { field: null, reason: "json_not_object", message: "each line holds one JSON object" } };
  const checked = validateRow(raw);
  return "error" in checked ? { ...base, error: checked.error } : { ...base, draft: checked.draft };
}

type Target = {
  row: ContactRow;
  isNew: boolean;
  /** comparable(row) as last computed, for an existing contact; dirty once a row of the batch changed it. */
  key: string;
  dirty: boolean;
  /** Identity keys already stored for this contact (or added by this batch). */
  held: Set<string>;
  /** The tags the contact had before this batch (none for a new one). */
  tagsBefore: readonly string[];
  newIdentities: (IdentityKey & { verified: boolean })[];
};

const identityKeyString = (k: IdentityKey) => `i\u0000${k.kind}\u0000${k.namespace}\u0000${k.externalId}`;
/**
 * A contact row as a string that ignores the update time and key order (jsonb reorders keys): the columns
 * an import may change, lists element by element, attributes through a key-sorted JSON.
 */
function comparable(row: ContactRow): string {
  const parts: unknown[] = [
    row.given_name,
    row.family_name,
    row.display_name,
    row.language,
    row.timezone,
    row.gender,
    row.birthday,
    row.avatar_url,
    row.company,
    row.lifecycle_stage,
    row.owner_user_id,
    row.source,
    row.tags.join("\u0001"),
    row.emails.map((e) => `${e.value}\u0001${e.normalized}\u0001${e.valid}`).join("\u0002"),
    row.phones.map((p) => `${p.value}\u0001${p.e164}\u0001${p.valid}`).join("\u0002"),
    Object.keys(row.attributes).length ? stableJson(row.attributes) : "",
  ];
  return parts.join("\u0000");
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const sameTags = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((tag) => b.includes(tag));

/** The fields of a row applied onto an existing contact: given values replace, lists are united. */
function updateInput(draft: ContactDraft, current: ContactRow): ContactFieldsInput {
  const { emails, phones, tags, identities: _i, attributes: _a, ...scalars } = draft;
  const input: ContactFieldsInput = { ...scalars };
  if (emails?.length) input.emails = [...current.emails.map((e) => e.value), ...emails];
  if (phones?.length) input.phones = [...current.phones.map((p) => p.value), ...phones];
  if (tags?.length) input.tags = [...current.tags, ...tags];
  return input;
}

type Prepared = {
  item: Item;
  draft: ContactDraft;
  attributes: ReturnType<typeof validateAttributes> | undefined;
  identities: (IdentityKey & { verified: boolean })[];
  /** The row as a new contact: normalised, derived columns computed. */
  probe: ContactRow;
  /** Its email/phone keys (contactKeysOf the probe and its identities). */
  keys: string[];
};
export type RowReport = { line: number; field: string | null; reason: string; message: string };
export type PreparedBatch = { items: Item[]; prepared: Prepared[]; errors: RowReport[]; now: Date };

/** Validates and normalises the rows of a batch (no database): the rows ready to import and the row errors. */
export function prepareBatch(
  ws: string,
  items: Item[],
  region: string | null,
  definitions: AttributeDefinition[],
  attributeTypes: ReadonlyMap<string, string>,
): PreparedBatch {
  const errors: RowReport[] = [];
  const prepared: Prepared[] = [];
  const now = new Date();
  for (const item of items) {
    if (item.error || !item.draft) {
      errors.push({
        line: item.line,
        ...(item.error ?? { field: null, reason: "row_invalid", message: "invalid row" }),
      });
      continue;
    }
    const draft = item.draft;
    try {
      const values = draft.attributes;
      const attributes = values
        ? validateAttributes(item.csv ? coerceCsvAttributes(values, attributeTypes) : values, definitions)
        : undefined;
      const identities = (draft.identities ?? []).map((i, n) => ({
        ...identityKeyOf(i, region, `identities[${n}]`),
        verified: i.verified === true,
      }));
      // The row as a new contact: its normalised emails and phones also find the contact it may already be.
      const probe = applyContactFields(blankContact(ws, uuidv7(), now), draft, region, attributes, now);
      const keys = contactKeysOf(probe, identities);
      if (identities.length === 0 && keys.length === 0) {
        errors.push({
          line: item.line,
          field: null,
          reason: "row_without_key",
          message:
            "the row has no identity, valid email or valid phone to find the contact by, so a re-run would duplicate it",
        });
        continue;
      }
      prepared.push({ item, draft, attributes, identities, probe, keys });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const field = (err.details as { field?: string } | undefined)?.field ?? null;
      errors.push({ line: item.line, field, reason: err.reason, message: err.message });
    }
  }
  return { items, prepared, errors, now };
}

/**
 * Imports a prepared batch inside the caller's transaction: one lookup of the identities and one of the
 * email/phone keys for the whole batch, matching in memory, then one INSERT … SELECT FROM unnest per table
 * (and one UPDATE for the contacts that changed). Returns the counts, the row errors and the contact of each
 * imported row (by line).
 */
export async function applyBatch(
  tx: Executor,
  ws: string,
  batch: PreparedBatch,
  region: string | null,
  timings?: ImportTimings,
) {
  const { prepared, now } = batch;
  const errors = [...batch.errors];
  const identityOwners = new Map<string, string>();
  const allIdentities = prepared.flatMap((p) => p.identities);
  for (const r of await lookupIdentities(tx, ws, allIdentities)) {
    identityOwners.set(
      identityKeyString({ kind: r.kind, namespace: r.namespace, externalId: r.external_id }),
      r.survivor_id,
    );
  }
  const keyOwners = new Map<string, Set<string>>();
  const allKeys = [...new Set(prepared.flatMap((p) => p.keys))];
  for (const r of await lookupKeys(tx, ws, allKeys)) {
    const k = `${r.kind}\u0000${r.key}`;
    const set = keyOwners.get(k) ?? new Set<string>();
    set.add(r.contact_id);
    keyOwners.set(k, set);
  }
  // One lookup for the batch's owners: a row naming a user who is not a member of the workspace is a row error.
  const members = await membersAmong(
    tx,
    ws,
    prepared.flatMap((p) => (p.draft.ownerUserId ? [p.draft.ownerUserId] : [])),
  );
  const existingIds = new Set([...identityOwners.values(), ...[...keyOwners.values()].flatMap((s) => [...s])]);
  const targets = new Map<string, Target>();
  for (const row of await findContactsBulk(tx, ws, [...existingIds])) {
    if (row.merged_into || row.erased_at) continue;
    targets.set(row.id, {
      row,
      isNew: false,
      key: comparable(row),
      dirty: false,
      held: new Set(),
      tagsBefore: row.tags,
      newIdentities: [],
    });
  }
  for (const [k, id] of identityOwners) targets.get(id)?.held.add(k);

  const matchStart = performance.now();
  // Keys claimed by rows of this batch (so a later row of the same person updates the earlier one).
  const batchOwners = new Map<string, Target>();
  const touched = new Set<Target>();
  const owners = new Map<number, string>();
  let imported = 0;
  let updated = 0;
  let unchanged = 0;
  for (const p of prepared) {
    if (p.draft.ownerUserId && !members.has(p.draft.ownerUserId)) {
      errors.push({
        line: p.item.line,
        field: "ownerUserId",
        reason: "owner_not_member",
        message: "the owner must be a member of this workspace",
      });
      continue;
    }
    const found = new Set<Target>();
    const unknownOwner: string[] = [];
    const note = (id: string | undefined) => {
      if (!id) return;
      const t = targets.get(id);
      if (t) found.add(t);
      else unknownOwner.push(id);
    };
    for (const i of p.identities) {
      const k = identityKeyString(i);
      const mine = batchOwners.get(k);
      if (mine) found.add(mine);
      else note(identityOwners.get(k));
    }
    for (const k of p.keys) {
      const mine = batchOwners.get(k);
      if (mine) found.add(mine);
      for (const id of keyOwners.get(k) ?? []) note(id);
    }
    if (found.size > 1) {
      errors.push({
        line: p.item.line,
        field: null,
        reason: "ambiguous_match",
        message: `the row's identities, emails or phones belong to ${found.size} different contacts; merge them first or fix the row`,
      });
      continue;
    }
    if (unknownOwner.length && found.size === 0) {
      errors.push({
        line: p.item.line,
        field: null,
        reason: "identity_unavailable",
        message: "an identity of the row belongs to a merged or erased contact",
      });
      continue;
    }
    let target = [...found][0];
    if (!target) {
      target = {
        row: p.probe,
        isNew: true,
        key: "",
        dirty: false,
        held: new Set(),
        tagsBefore: [],
        newIdentities: [],
      };
      imported++;
    } else {
      if (target.isNew && !target.key) target.key = comparable(target.row);
      target.row = applyContactFields(target.row, updateInput(p.draft, target.row), region, p.attributes, now);
      const addsIdentity = p.identities.some((i) => !target?.held.has(identityKeyString(i)));
      const key = comparable(target.row);
      const changed = key !== target.key;
      target.key = key;
      target.dirty ||= changed;
      if (addsIdentity || changed) updated++;
      else unchanged++;
    }
    touched.add(target);
    owners.set(p.item.line, target.row.id);
    for (const i of p.identities) {
      const k = identityKeyString(i);
      if (!target.held.has(k)) {
        target.held.add(k);
        target.newIdentities.push(i);
      }
      batchOwners.set(k, target);
    }
    for (const k of contactKeysOf(target.row, p.identities)) batchOwners.set(k, target);
  }

  if (timings) timings.matchMs += performance.now() - matchStart;
  const all = [...touched];
  const created = all.filter((t) => t.isNew);
  const changed = all.filter((t) => !t.isNew && (t.newIdentities.length || t.dirty));
  await insertContactsBulk(
    tx,
    created.map((t) => t.row),
  );
  await updateContactsBulk(
    tx,
    changed.filter((t) => t.dirty).map((t) => t.row),
  );
  await insertIdentitiesBulk(
    tx,
    ws,
    all.flatMap((t) => t.newIdentities.map((i) => ({ ...i, contactId: t.row.id }))),
    now,
  );
  await insertKeysBulk(
    tx,
    ws,
    [...created, ...changed].flatMap((t) =>
      contactKeysOf(t.row, t.newIdentities).map((k) => ({ ...splitContactKey(k), contactId: t.row.id })),
    ),
  );
  errors.sort((a, b) => a.line - b.line);
  const tagsChanged = [...created, ...changed].filter((t) => !sameTags(t.tagsBefore, t.row.tags)).map((t) => t.row.id);
  return { imported, updated, unchanged, errors, owners, tagsChanged };
}

/** Streams the stored chunks of an uploaded file, one at a time (constant memory). */
export async function* readImportChunks(db: Executor, workspaceId: string, importId: string) {
  for (let seq = 0; ; seq++) {
    const { rows } = await sql<{ data: Uint8Array }>`
      select data from contact_import_chunks
      where workspace_id = ${workspaceId} and import_id = ${importId} and seq = ${seq}`.execute(db);
    const data = rows[0]?.data;
    if (!data) return;
    yield data;
  }
}
