import type { AppContext } from "../../../platform/context.ts";
import { recordAudit } from "../../tenancy/index.ts";
import {
  allowErasure,
  eraseContactData,
  familyOf,
  findContactsByIds,
  insertErasure,
  listConsentOf,
  listDecisionsOf,
  listIdentitiesOf,
  listTimeline,
} from "../repository.ts";
import { requireContact } from "./contacts.ts";
import type { Caller } from "./types.ts";

/** Everything stored about one person (the contact and every contact merged into it), for a right-of-access request. */
export async function exportContactData(ctx: AppContext, caller: Caller, contactId: string) {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const contact = await requireContact(tx, ws, contactId);
    const family = await familyOf(tx, ws, contact.id);
    const [contacts, identities, consent, decisions] = await Promise.all([
      findContactsByIds(tx, ws, family),
      listIdentitiesOf(tx, ws, family),
      listConsentOf(tx, ws, family),
      listDecisionsOf(tx, ws, family),
    ]);
    const timeline = await listTimeline(tx, ws, family, {}, 1_000_000);
    await recordAudit(tx, caller, { action: "contact.exported", objectType: "contact", objectId: contact.id });
    return { contact, contacts, identities, consent, timeline, decisions };
  });
}

/**
 * Erases a person: their contact and every contact merged into it keep only their ids (marked erased);
 * identities, timeline events, consent records, duplicate dismissals and search keys are deleted, and
 * link decisions lose their reasons, evidence and snapshots. An erasure record keeps ids and counts only.
 */
export async function eraseContact(ctx: AppContext, caller: Caller, contactId: string) {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const contact = await requireContact(tx, ws, contactId);
    const family = await familyOf(tx, ws, contact.id);
    await allowErasure(tx);
    const counts = await eraseContactData(tx, ws, family);
    const record = await insertErasure(tx, {
      workspace_id: ws,
      contact_ids: family,
      actor_type: caller.type,
      actor_id: "id" in caller ? caller.id : null,
      counts,
    });
    await recordAudit(tx, caller, {
      action: "contact.erased",
      objectType: "contact",
      objectId: contact.id,
      details: { erasureId: record.id, counts },
    });
    return record;
  });
}
