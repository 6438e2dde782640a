import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvent } from "../../../platform/outbox.ts";
import { membersAmong, recordAudit } from "../../tenancy/index.ts";
import { type AttributeValue, attributeFromAnswer, validateAttributes } from "../attributes.ts";
import { applyContactFields, blankContact, type ContactFieldsInput } from "../contact-fields.ts";
import {
  type ContactRow,
  familyOf,
  findContact,
  findDefaultRegion,
  type IdentityRow,
  insertContact,
  insertIdentity,
  listAttributeDefinitions,
  listConsentOf,
  listIdentitiesOf,
  liveContactsWithFamilies,
  replaceContact,
  syncContactKeys,
} from "../repository.ts";
import { findDuplicates } from "./find-duplicates.ts";
import { type IdentityInput, identityKeyOf } from "./resolve-contact.ts";
import { emitContactTagsChanged } from "./tag-events.ts";
import type { Caller } from "./types.ts";

export type CreateContactInput = ContactFieldsInput & {
  attributes?: Record<string, unknown> | undefined;
  identities?: IdentityInput[] | undefined;
};
export type UpdateContactInput = ContactFieldsInput & { attributes?: Record<string, unknown> | undefined };

/** The live contact for an id: a merged contact resolves to its survivor; unknown or erased ids are 404. */
export async function requireContact(db: Executor, workspaceId: string, id: string, field = "id"): Promise<ContactRow> {
  let row = await findContact(db, workspaceId, id);
  if (row?.merged_into) row = await findContact(db, workspaceId, row.merged_into);
  if (!row || row.erased_at) {
    throw new AppError("not_found", "contact_not_found", "No contact with this id in your workspace.", { field });
  }
  return row;
}

async function validatedAttributes(db: Executor, workspaceId: string, values: Record<string, unknown> | undefined) {
  if (!values) return undefined;
  return validateAttributes(values, await listAttributeDefinitions(db, workspaceId));
}

/** Refuses an owner who is not a member of the workspace (an unknown user, or a member of another workspace). */
async function checkOwner(db: Executor, workspaceId: string, ownerUserId: string | null | undefined) {
  if (!ownerUserId) return;
  if (!(await membersAmong(db, workspaceId, [ownerUserId])).has(ownerUserId)) {
    throw new AppError("invalid", "owner_not_member", "The owner must be a member of this workspace.", {
      field: "ownerUserId",
    });
  }
}

/** Creates a contact with its identities; flags bad data, and lists likely duplicates of it. */
export async function createContact(ctx: AppContext, caller: Caller, input: CreateContactInput) {
  const ws = caller.workspaceId;
  const contact = await ctx.database.db.transaction().execute(async (tx) => {
    await checkOwner(tx, ws, input.ownerUserId);
    const region = await findDefaultRegion(tx, ws);
    const attributes = await validatedAttributes(tx, ws, input.attributes);
    const keys = (input.identities ?? []).map((i, n) => identityKeyOf(i, region, `identities[${n}]`));
    const now = new Date();
    const row = await insertContact(
      tx,
      applyContactFields(blankContact(ws, uuidv7(), now), input, region, attributes, now),
    );
    for (const [n, key] of keys.entries()) {
      const inserted = await insertIdentity(tx, {
        workspace_id: ws,
        contact_id: row.id,
        kind: key.kind,
        namespace: key.namespace,
        external_id: key.externalId,
        verified: input.identities?.[n]?.verified === true,
      });
      if (!inserted) {
        throw new AppError("conflict", "identity_taken", "Another contact already holds this identity.", {
          field: `identities[${n}]`,
        });
      }
    }
    await syncContactKeys(tx, ws, row.id);
    await recordAudit(tx, caller, { action: "contact.created", objectType: "contact", objectId: row.id });
    return row;
  });
  const duplicates = await findDuplicates(ctx.database.db, ws, contact.id);
  return { contact, duplicates };
}

/** Updates a live contact; null clears a field or an attribute. */
export async function updateContact(ctx: AppContext, caller: Caller, id: string, input: UpdateContactInput) {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const current = await findContact(tx, ws, id, { lock: true });
    if (!current || current.erased_at) {
      throw new AppError("not_found", "contact_not_found", "No contact with this id in your workspace.", {
        field: "id",
      });
    }
    if (current.merged_into) {
      throw new AppError("conflict", "contact_merged", "This contact was merged; update the surviving contact.", {
        survivorId: current.merged_into,
      });
    }
    // Only a new owner is checked: a contact keeps an owner who has since left until someone changes it.
    if (input.ownerUserId !== current.owner_user_id) await checkOwner(tx, ws, input.ownerUserId);
    const region = await findDefaultRegion(tx, ws);
    const attributes = await validatedAttributes(tx, ws, input.attributes);
    const row = await replaceContact(tx, applyContactFields(current, input, region, attributes));
    await syncContactKeys(tx, ws, row.id);
    const before = (current.attributes ?? {}) as Record<string, unknown>;
    const after = (row.attributes ?? {}) as Record<string, unknown>;
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
    );
    // Rules on "contact attribute changed" listen to this.
    if (changed.length)
      await emitEvent(tx, {
        workspaceId: ws,
        type: "contact.updated",
        payload: { contactId: row.id, attributes: changed },
      });
    // Channels that mirror tags (WeChat user tags) follow a contact's tag changes through this event.
    await emitContactTagsChanged(tx, ws, row.id, current.tags, row.tags);
    await recordAudit(tx, caller, {
      action: "contact.updated",
      objectType: "contact",
      objectId: row.id,
      details: { fields: Object.keys(input) },
    });
    return row;
  });
}

/** A contact with the identities and consent records of its whole merged family. */
export async function loadProfile(db: Executor, workspaceId: string, id: string) {
  const contact = await requireContact(db, workspaceId, id);
  const family = await familyOf(db, workspaceId, contact.id);
  const [identities, consent] = await Promise.all([
    listIdentitiesOf(db, workspaceId, family),
    listConsentOf(db, workspaceId, family),
  ]);
  return { contact, family, identities, consent };
}

/** The identities of a contact's whole merged family (a channel looks up the contact's ids on it). */
export async function contactIdentities(db: Executor, workspaceId: string, contactId: string) {
  return listIdentitiesOf(db, workspaceId, await familyOf(db, workspaceId, contactId));
}

/**
 * The live contacts among the ids (merged and erased ones are skipped) with their current tags and the
 * identities of their whole merged family, in two queries (a channel mirroring tags pushes them in bulk).
 */
export async function contactsTagsAndIdentities(db: Executor, workspaceId: string, contactIds: string[]) {
  const live = await liveContactsWithFamilies(db, workspaceId, [...new Set(contactIds)]);
  const survivorOf = new Map(live.flatMap((c) => c.family.map((id) => [id, c.id] as const)));
  const identities = new Map(live.map((c) => [c.id, [] as IdentityRow[]]));
  const rows = survivorOf.size ? await listIdentitiesOf(db, workspaceId, [...survivorOf.keys()]) : [];
  for (const i of rows) identities.get(survivorOf.get(i.contact_id) ?? "")?.push(i);
  return live.map((c) => ({ contactId: c.id, tags: c.tags, identities: identities.get(c.id) ?? [] }));
}

/**
 * A form's answers (a web chat pre-chat form…) onto the contact's custom attributes whose keys they name,
 * each converted to its attribute's type (`attributeFromAnswer`). Answers naming no attribute, or not fitting
 * its type, are returned as `skipped` (the caller keeps them elsewhere, e.g. on the timeline).
 */
export async function storeAnswersAsAttributes(
  ctx: AppContext,
  caller: Caller,
  contactId: string,
  answers: Readonly<Record<string, string>>,
): Promise<{ stored: string[]; skipped: string[] }> {
  const definitions = new Map(
    (await listAttributeDefinitions(ctx.database.db, caller.workspaceId)).map((d) => [d.key, d]),
  );
  const attributes: Record<string, AttributeValue> = {};
  const skipped: string[] = [];
  for (const [key, answer] of Object.entries(answers)) {
    const def = definitions.get(key);
    const value = def ? attributeFromAnswer(def, answer) : undefined;
    if (value === undefined) skipped.push(key);
    else attributes[key] = value;
  }
  const stored = Object.keys(attributes);
  if (stored.length > 0) await updateContact(ctx, caller, contactId, { attributes });
  return { stored, skipped };
}
