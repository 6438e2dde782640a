import type { AppContext } from "../../../platform/context.ts";
import { recordAudit } from "../../tenancy/index.ts";
import { type ConsentPurpose, type ConsentStatus, insertConsent } from "../repository.ts";
import { requireContact } from "./contacts.ts";
import type { Caller } from "./types.ts";

export type RecordConsentInput = {
  purpose: ConsentPurpose;
  /** The channel the consent covers; omitted: every channel. */
  channel?: string | null | undefined;
  status: ConsentStatus;
  /** Where it was given or withdrawn: "conversation", "form", "member_portal", "import", … */
  source: string;
  evidence?: Record<string, unknown> | undefined;
  recordedAt?: Date | undefined;
};

/** Appends a consent record to a contact's ledger (the surviving contact when it was merged). */
export async function recordConsent(ctx: AppContext, caller: Caller, contactId: string, input: RecordConsentInput) {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const contact = await requireContact(tx, ws, contactId);
    const row = await insertConsent(tx, {
      workspace_id: ws,
      contact_id: contact.id,
      purpose: input.purpose,
      channel: input.channel ?? null,
      status: input.status,
      source: input.source,
      evidence: input.evidence ?? {},
      recorded_at: input.recordedAt ?? new Date(),
      actor_type: caller.type,
      actor_id: "id" in caller ? caller.id : null,
    });
    await recordAudit(tx, caller, {
      action: `consent.${input.status}`,
      objectType: "contact",
      objectId: contact.id,
      details: { purpose: input.purpose, channel: input.channel ?? null },
    });
    return row;
  });
}
