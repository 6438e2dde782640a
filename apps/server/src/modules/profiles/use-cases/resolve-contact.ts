import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { applyContactFields, blankContact } from "../contact-fields.ts";
import { type IdentityKind, NAMESPACED_KINDS, normalizeExternalId } from "../normalize.ts";
import {
  deleteContact,
  findDefaultRegion,
  findIdentitiesByKeys,
  type IdentityKey,
  insertContact,
  insertContactsWithIdentities,
  insertIdentity,
  syncContactKeys,
  touchIdentities,
} from "../repository.ts";
import { mergeWithin } from "./merge-contacts.ts";

/** An identity as a channel knows it: kind, external id and, for namespaced kinds, the app or page id. */
export type IdentityInput = {
  kind: IdentityKind;
  externalId: string;
  /** The WeChat app id of an OpenID, the Messenger page id of a PSID. */
  namespace?: string | undefined;
  verified?: boolean | undefined;
};

/** What the channel knows besides the identity: used to fill a new contact, and the WeChat UnionID to join apps. */
export type ResolveHints = {
  unionId?: string | undefined;
  displayName?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  language?: string | undefined;
  avatarUrl?: string | undefined;
  source?: string | undefined;
};

export type Resolution = { contactId: string; created: boolean };

const TOUCH_AFTER_MS = 60_000;
const MAX_ATTEMPTS = 4;

/** Checks an identity's shape and returns its storage key (external id normalised for its kind). */
export function identityKeyOf(identity: IdentityInput, region: string | null, field = "identity"): IdentityKey {
  const externalId = identity.externalId.trim();
  if (!externalId || externalId.length > 256) {
    throw new AppError("invalid", "identity_invalid", "An identity's external id is 1–256 characters.", {
      field: `${field}.externalId`,
    });
  }
  const namespace = identity.namespace?.trim() ?? "";
  if (NAMESPACED_KINDS.includes(identity.kind) && !namespace) {
    throw new AppError(
      "invalid",
      "identity_namespace_missing",
      `A ${identity.kind} identity needs its namespace (the WeChat app id or Messenger page id).`,
      { field: `${field}.namespace` },
    );
  }
  return {
    kind: identity.kind,
    namespace: NAMESPACED_KINDS.includes(identity.kind) ? namespace : "",
    externalId: normalizeExternalId(identity.kind, externalId, region),
  };
}

const same = (a: IdentityKey, b: { kind: string; namespace: string; external_id: string }) =>
  a.kind === b.kind && a.namespace === b.namespace && a.externalId === b.external_id;

/**
 * Returns the contact of an identity, creating the contact (and identity) when unknown. A WeChat OpenID
 * with a UnionID hint joins the contact holding that UnionID, so the apps of one brand share one person;
 * two contacts found to share a UnionID are merged (an undoable decision). Race-safe: identity inserts use
 * ON CONFLICT and the loser retries. An existing identity costs one statement (plus a throttled touch).
 */
export async function resolveContact(
  db: Executor,
  scope: { workspaceId: string },
  identity: IdentityInput,
  hints: ResolveHints = {},
): Promise<Resolution> {
  const ws = scope.workspaceId;
  const needsRegion = identity.kind === "phone" && !identity.externalId.trim().startsWith("+");
  const region = needsRegion || hints.phone ? await findDefaultRegion(db, ws) : null;
  const primary = identityKeyOf(identity, region);
  const union =
    identity.kind === "wechat_openid" && hints.unionId?.trim()
      ? identityKeyOf({ kind: "wechat_unionid", externalId: hints.unionId }, null, "hints.unionId")
      : undefined;
  const keys = union ? [primary, union] : [primary];

  const found = await findIdentitiesByKeys(db, ws, keys);
  const hit = found.find((r) => same(primary, r));
  const unionHit = union ? found.find((r) => same(union, r)) : undefined;
  if (hit && !hit.erased_at && (!union || unionHit?.survivor_id === hit.survivor_id)) {
    const stale = found.filter(
      (r) => Date.now() - r.last_seen_at.getTime() > TOUCH_AFTER_MS || (identity.verified && !r.verified),
    );
    if (stale.length)
      await touchIdentities(
        db,
        ws,
        stale.map((r) => r.id),
        identity.verified === true,
      );
    return { contactId: hit.survivor_id, created: false };
  }
  return inTransaction(db, (tx) => resolveSlow(tx, ws, primary, union, identity.verified === true, hints, region));
}

/**
 * `resolveContact` for many identities at once (an inbound batch): the known ones in one statement (and
 * one throttled touch), the unknown ones created together in one transaction of a few statements (one
 * contact per distinct identity), phones and WeChat OpenIDs with a UnionID one by one through
 * `resolveContact`. Results follow the input order.
 */
export async function resolveContacts(
  db: Executor,
  scope: { workspaceId: string },
  items: readonly { identity: IdentityInput; hints?: ResolveHints }[],
): Promise<Resolution[]> {
  const ws = scope.workspaceId;
  // Phones need the workspace's region and UnionIDs may join contacts: those take the full path.
  const keys = items.map(({ identity, hints }) =>
    identity.kind === "phone" || hints?.phone || (identity.kind === "wechat_openid" && hints?.unionId?.trim())
      ? undefined
      : identityKeyOf(identity, null),
  );
  const wanted = keys.filter((k): k is IdentityKey => k !== undefined);
  const found = wanted.length ? await findIdentitiesByKeys(db, ws, wanted) : [];
  const now = Date.now();
  const stale = new Map<string, boolean>();
  const results: Resolution[] = [];
  // Unknown identities, one new contact per distinct key (the first item's hints fill it).
  const fresh = new Map<string, { key: IdentityKey; item: (typeof items)[number]; at: number[]; verified: boolean }>();
  for (const [i, item] of items.entries()) {
    const key = keys[i];
    const hit = key && found.find((r) => same(key, r));
    if (hit && !hit.erased_at) {
      const verify = item.identity.verified === true && !hit.verified;
      if (verify || now - hit.last_seen_at.getTime() > TOUCH_AFTER_MS)
        stale.set(hit.id, verify || stale.get(hit.id) === true);
      results.push({ contactId: hit.survivor_id, created: false });
    } else if (key && !hit) {
      const id = `${key.kind}\u0000${key.namespace}\u0000${key.externalId}`;
      const group = fresh.get(id) ?? { key, item, at: [], verified: false };
      group.at.push(i);
      group.verified ||= item.identity.verified === true;
      fresh.set(id, group);
      results.push({ contactId: "", created: false });
    } else {
      results.push(await resolveContact(db, scope, item.identity, item.hints));
    }
  }
  if (fresh.size) {
    const at = new Date();
    const created = [...fresh.values()].map((g) => ({
      ...g,
      row: newContactRow(ws, g.item.hints ?? {}, null, at),
    }));
    const lost = await inTransaction(db, (tx) => insertContactsWithIdentities(tx, created));
    for (const g of created) {
      // Lost a race for this identity: it now exists, so the full path finds it.
      const first = lost.has(g.row.id)
        ? await resolveContact(db, scope, g.item.identity, g.item.hints)
        : { contactId: g.row.id, created: true };
      for (const [n, i] of g.at.entries())
        results[i] = n === 0 ? first : { contactId: first.contactId, created: false };
    }
  }
  const verified = [...stale].filter(([, v]) => v).map(([id]) => id);
  const touched = [...stale].filter(([, v]) => !v).map(([id]) => id);
  if (verified.length) await touchIdentities(db, ws, verified, true);
  if (touched.length) await touchIdentities(db, ws, touched, false);
  return results;
}

function inTransaction<T>(db: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

async function resolveSlow(
  tx: Executor,
  ws: string,
  primary: IdentityKey,
  union: IdentityKey | undefined,
  verified: boolean,
  hints: ResolveHints,
  region: string | null,
): Promise<Resolution> {
  const system = { type: "system" as const, workspaceId: ws };
  const addIdentity = (contactId: string, key: IdentityKey, isVerified: boolean) =>
    insertIdentity(tx, {
      workspace_id: ws,
      contact_id: contactId,
      kind: key.kind,
      namespace: key.namespace,
      external_id: key.externalId,
      verified: isVerified,
    });

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = await findIdentitiesByKeys(tx, ws, union ? [primary, union] : [primary]);
    const hit = found.find((r) => same(primary, r));
    const unionHit = union ? found.find((r) => same(union, r)) : undefined;

    if (hit && unionHit && hit.survivor_id !== unionHit.survivor_id) {
      // The same person reached us through two apps before we knew their UnionID: join them.
      const { survivor } = await mergeWithin(tx, system, {
        targetId: unionHit.survivor_id,
        sourceId: hit.survivor_id,
        basis: "wechat_unionid",
        reason: "Same WeChat UnionID",
        evidence: { unionId: union?.externalId },
      });
      return { contactId: survivor.id, created: false };
    }
    if (hit) {
      if (union && !unionHit && !(await addIdentity(hit.survivor_id, union, true))) continue;
      await syncIfKeyed(tx, ws, hit.survivor_id, union);
      return { contactId: hit.survivor_id, created: false };
    }
    if (unionHit) {
      if (!(await addIdentity(unionHit.survivor_id, primary, verified))) continue;
      await syncIfKeyed(tx, ws, unionHit.survivor_id, primary);
      return { contactId: unionHit.survivor_id, created: false };
    }

    const contact = await insertContact(tx, newContactRow(ws, hints, region, new Date()));
    if (!(await addIdentity(contact.id, primary, verified))) {
      // Another request created this identity meanwhile: drop ours and take theirs.
      await deleteContact(tx, ws, contact.id);
      continue;
    }
    if (union && !(await addIdentity(contact.id, union, true))) continue;
    await syncContactKeys(tx, ws, contact.id);
    return { contactId: contact.id, created: true };
  }
  throw new AppError("unavailable", "resolution_contended", "This identity is being resolved concurrently; retry.");
}

/** A new contact filled from what the channel knows of the person. */
function newContactRow(ws: string, hints: ResolveHints, region: string | null, now: Date) {
  return applyContactFields(
    blankContact(ws, uuidv7(), now),
    {
      displayName: hints.displayName,
      givenName: hints.givenName,
      familyName: hints.familyName,
      emails: hints.email ? [hints.email] : undefined,
      phones: hints.phone ? [hints.phone] : undefined,
      language: hints.language,
      avatarUrl: hints.avatarUrl,
      source: hints.source,
    },
    region,
    undefined,
    now,
  );
}

async function syncIfKeyed(tx: Executor, ws: string, contactId: string, key: IdentityKey | undefined) {
  if (key && (key.kind === "email" || key.kind === "phone" || key.kind === "whatsapp_id")) {
    await syncContactKeys(tx, ws, contactId);
  }
}
