// Paged follower import: a channel's follower list (pages of up to 10,000 external ids, as WeChat's user list
// gives them) imported as contacts, profiles fetched 100 at a time, with a checkpoint after every batch so a
// crashed run resumes at the batch it was on. Channel-neutral: a channel module implements FollowerSource.
import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { decodeCursor, type Page, toPage } from "../../../platform/pagination.ts";
import { channelOfKind, IDENTITY_KINDS, type IdentityKind, NAMESPACED_KINDS } from "../normalize.ts";
import {
  type EventInsert,
  type FollowerSyncRow,
  findDefaultRegion,
  insertEvents,
  listAttributeDefinitions,
} from "../repository.ts";
import { resolveContact } from "../use-cases/resolve-contact.ts";
import {
  findFollowerSyncRow,
  listFollowerSyncRows,
  updateFollowerSync,
  upsertFollowerSync,
} from "./bulk-repository.ts";
import { applyBatch, type Item, prepareBatch } from "./import-contacts.ts";
import { type RawContact, validateRow } from "./import-mapping.ts";

/** What a channel tells about one follower. */
export type FollowerProfile = {
  externalId: string;
  /** The WeChat UnionID: joins the follower to the contact holding it (other apps of the same brand). */
  unionId?: string | undefined;
  name?: string | undefined;
  language?: string | undefined;
  avatarUrl?: string | undefined;
  followedAt?: Date | undefined;
  tags?: string[] | undefined;
  attributes?: Record<string, unknown> | undefined;
};

/** A channel's follower list: pages of external ids, and the profiles of up to 100 ids at a time. */
export type FollowerSource = {
  /** The kind of identity the external ids are, e.g. `wechat_openid`. */
  identityKind: IdentityKind;
  /** Its namespace, e.g. the WeChat app id ("" for kinds without one). */
  namespace: string;
  /** One page of at most 10,000 ids after `cursor` (null: the first page); `nextCursor` null after the last. */
  listPage(cursor: string | null): Promise<{ externalIds: string[]; nextCursor: string | null; total?: number }>;
  /** The profiles of these ids (called with at most 100); ids it leaves out are counted as failed. */
  fetchProfiles(externalIds: string[]): Promise<FollowerProfile[]>;
};

export type { FollowerSyncRow };
export type FollowerProgress = { pages: number; imported: number; total?: number };

/** Most ids a page may hold. */
export const FOLLOWER_PAGE_MAX = 10_000;
/** Ids per fetchProfiles call, and per transaction. */
export const FOLLOWER_FETCH_SIZE = 100;

type Ctx = Pick<AppContext, "database">;

const notFound = () =>
  new AppError("not_found", "follower_sync_not_found", "No follower sync with this id in your workspace.");

/**
 * Creates the follower sync of a channel (per identity kind and namespace) or returns the existing one: a
 * queued, running or failed sync is returned as it stands (running it resumes where it stopped); a completed
 * one is reset to the first page, counters zeroed, for a new run.
 */
export async function startFollowerSync(
  ctx: Ctx,
  workspaceId: string,
  input: { channelId: string; identityKind: IdentityKind; namespace: string },
): Promise<FollowerSyncRow> {
  if (!IDENTITY_KINDS.includes(input.identityKind)) {
    throw new AppError("invalid", "identity_kind_unknown", `Unknown identity kind "${input.identityKind}".`, {
      field: "identityKind",
    });
  }
  const namespace = input.namespace.trim();
  const namespaced = NAMESPACED_KINDS.includes(input.identityKind);
  if (namespaced !== (namespace !== "")) {
    throw new AppError(
      "invalid",
      namespaced ? "identity_namespace_missing" : "identity_namespace_unexpected",
      namespaced
        ? `A ${input.identityKind} follower sync needs its namespace (the WeChat app id or Messenger page id).`
        : `${input.identityKind} identities have no namespace; pass "".`,
      { field: "namespace" },
    );
  }
  const { db } = ctx.database;
  const row = await upsertFollowerSync(db, workspaceId, { ...input, namespace });
  if (row.state !== "completed") return row;
  return updateFollowerSync(db, workspaceId, row.id, { state: "queued", error: null, reset: true });
}

/** A follower sync of the workspace; another workspace's id is not found (404). */
export async function findFollowerSync(ctx: Ctx, workspaceId: string, syncId: string): Promise<FollowerSyncRow> {
  const row = await findFollowerSyncRow(ctx.database.db, workspaceId, syncId);
  if (!row) throw notFound();
  return row;
}

/** The workspace's follower syncs (optionally of one channel), newest first, with the platform's page shape. */
export async function listFollowerSyncs(
  ctx: Ctx,
  workspaceId: string,
  query: { channelId?: string | undefined; cursor?: string | undefined; limit?: number | undefined } = {},
): Promise<Page<FollowerSyncRow>> {
  const limit = query.limit ?? 50;
  const rows = await listFollowerSyncRows(ctx.database.db, workspaceId, {
    channelId: query.channelId,
    before: decodeCursor(query.cursor),
    limit: limit + 1,
  });
  return toPage(
    rows,
    limit,
    (r) => r.id,
    (r) => r,
  );
}

/**
 * Runs (or resumes) a follower sync: pages of ids from `source.listPage`, profiles fetched 100 at a time, each
 * batch written in one transaction together with the sync's position (the page's cursor and the ids done in
 * it) and counters. Followers are matched like an import (identity, then UnionID: an OpenID whose UnionID is
 * known joins that contact; one found on two contacts merges them, as resolveContact does), so a re-run or a
 * resumed run creates no duplicate. A thrown error marks the sync failed (with the error) and is rethrown;
 * running it again resumes at the batch that failed.
 */
export async function runFollowerImport(
  ctx: Ctx,
  workspaceId: string,
  syncId: string,
  source: FollowerSource,
  onProgress?: (progress: FollowerProgress) => void,
): Promise<FollowerSyncRow> {
  const { db } = ctx.database;
  let sync = await findFollowerSync(ctx, workspaceId, syncId);
  if (sync.identity_kind !== source.identityKind || sync.namespace !== source.namespace) {
    throw new AppError(
      "invalid",
      "follower_source_mismatch",
      `This sync imports ${sync.identity_kind} identities of "${sync.namespace}", not ${source.identityKind} of "${source.namespace}".`,
    );
  }
  if (sync.state === "completed") return sync;
  sync = await updateFollowerSync(db, workspaceId, syncId, {
    state: "running",
    error: null,
    started: sync.started_at === null,
  });
  const region = await findDefaultRegion(db, workspaceId);
  const definitions = await listAttributeDefinitions(db, workspaceId);
  const attributeTypes = new Map<string, string>(definitions.map((d) => [d.key, d.type]));
  const defined = new Set(definitions.map((d) => d.key));
  const report = () =>
    onProgress?.({ pages: sync.pages, imported: sync.imported, ...(sync.total !== null ? { total: sync.total } : {}) });

  try {
    for (;;) {
      const cursor = sync.page_cursor;
      const page = await source.listPage(cursor);
      if (page.externalIds.length > FOLLOWER_PAGE_MAX) {
        throw new AppError(
          "invalid",
          "follower_page_too_large",
          `The follower source returned ${page.externalIds.length} ids in one page; at most ${FOLLOWER_PAGE_MAX}.`,
        );
      }
      const ids = page.externalIds;
      for (let from = sync.page_done; from < ids.length; from += FOLLOWER_FETCH_SIZE) {
        const chunk = ids.slice(from, from + FOLLOWER_FETCH_SIZE);
        const profiles = await source.fetchProfiles(chunk);
        const batch = followerItems(source, chunk, profiles, defined, from);
        const ready = prepareBatch(workspaceId, batch.items, region, definitions, attributeTypes);
        sync = await db.transaction().execute(async (tx) => {
          const result = await applyBatch(tx, workspaceId, ready, region);
          const owners = result.owners;
          let failed = batch.missing;
          for (const error of result.errors) {
            const profile = batch.byLine.get(error.line);
            if (error.reason === "ambiguous_match" && profile) {
              // The OpenID and the UnionID belong to two contacts: the same person, joined as resolveContact does.
              const { contactId } = await resolveContact(
                tx,
                { workspaceId },
                { kind: source.identityKind, externalId: profile.externalId, namespace: source.namespace },
                { unionId: profile.unionId },
              );
              owners.set(error.line, contactId);
            } else failed++;
          }
          await insertEvents(tx, followEvents(workspaceId, source, batch.byLine, owners));
          return updateFollowerSync(tx, workspaceId, syncId, {
            position: { cursor, done: from + chunk.length },
            addImported: owners.size,
            addFailed: failed,
            ...(page.total !== undefined ? { total: page.total } : {}),
          });
        });
        report();
      }
      const last = page.nextCursor === null || page.nextCursor === cursor || ids.length === 0;
      sync = await updateFollowerSync(db, workspaceId, syncId, {
        position: { cursor: last ? cursor : page.nextCursor, done: last ? ids.length : 0 },
        addPages: ids.length > 0 ? 1 : 0,
        ...(last ? { state: "completed" as const, finished: true } : {}),
      });
      report();
      if (last) return sync;
    }
  } catch (err) {
    const reason = err instanceof AppError ? err.reason : "follower_source_failed";
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await updateFollowerSync(db, workspaceId, syncId, { state: "failed", error: { reason, message } });
    throw err;
  }
}

const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * The fetched profiles of a batch as import rows (line = position in the page, 1-based): the identity, the
 * UnionID, the name, language (`zh_CN` read as `zh-CN`), avatar, tags and the attributes the workspace defines
 * (others are ignored: a channel may know more than the workspace keeps). Unusable optional values are left
 * out rather than failing the follower. Ids the source did not answer count as missing.
 */
function followerItems(
  source: FollowerSource,
  chunk: string[],
  profiles: FollowerProfile[],
  defined: ReadonlySet<string>,
  offset: number,
) {
  const asked = new Map(chunk.map((id, i) => [id, offset + i + 1]));
  const items: Item[] = [];
  const byLine = new Map<number, FollowerProfile>();
  for (const profile of profiles) {
    const line = asked.get(profile.externalId);
    if (line === undefined || byLine.has(line)) continue;
    byLine.set(line, profile);
    const identities: RawContact[] = [
      {
        kind: source.identityKind,
        externalId: profile.externalId,
        ...(source.namespace ? { namespace: source.namespace } : {}),
      },
    ];
    if (profile.unionId?.trim()) identities.push({ kind: "wechat_unionid", externalId: profile.unionId.trim() });
    const raw: RawContact = { identities };
    const name = profile.name?.trim();
    if (name) raw.displayName = name.slice(0, 400);
    const language = profile.language?.trim().replace(/_/g, "-");
    if (language && LANGUAGE_RE.test(language)) raw.language = language;
    if (profile.avatarUrl && /^https?:\/\/\S+$/.test(profile.avatarUrl) && profile.avatarUrl.length <= 2048) {
      raw.avatarUrl = profile.avatarUrl;
    }
    const tags = (profile.tags ?? []).map((t) => t.trim().slice(0, 64)).filter(Boolean);
    if (tags.length) raw.tags = tags.slice(0, 100);
    const attributes = Object.entries(profile.attributes ?? {}).filter(([k, v]) => defined.has(k) && v != null);
    if (attributes.length) raw.attributes = Object.fromEntries(attributes);
    const checked = validateRow(raw);
    items.push(
      "error" in checked
        ? { line, endLine: line, csv: false, error: checked.error }
        : { line, endLine: line, csv: false, draft: checked.draft },
    );
  }
  return { items, byLine, missing: chunk.length - byLine.size };
}

/** A `follow` timeline event per follower with a follow time, idempotent by (identity, time). */
function followEvents(
  workspaceId: string,
  source: FollowerSource,
  byLine: ReadonlyMap<number, FollowerProfile>,
  owners: ReadonlyMap<number, string>,
): EventInsert[] {
  const events: EventInsert[] = [];
  for (const [line, contactId] of owners) {
    const profile = byLine.get(line);
    const at = profile?.followedAt;
    if (!profile || !at || Number.isNaN(at.getTime())) continue;
    events.push({
      workspace_id: workspaceId,
      id: uuidv7(),
      contact_id: contactId,
      type: "follow",
      occurred_at: at,
      source: "follower_import",
      channel: channelOfKind(source.identityKind),
      client_event_id: `follow:${source.identityKind}:${source.namespace}:${profile.externalId}:${at.getTime()}`,
      properties: {},
    });
  }
  return events;
}
