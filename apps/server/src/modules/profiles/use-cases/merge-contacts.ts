import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { recordAudit } from "../../tenancy/index.ts";
import { mergeContactRows } from "../contact-fields.ts";
import {
  type ContactRow,
  type DecisionRow,
  familyOf,
  findContact,
  findDecision,
  findLaterActiveMerges,
  findUndoOf,
  fromSnapshot,
  insertDecision,
  type LinkBasis,
  listConsentOf,
  listMergedInto,
  replaceContact,
  setMergedInto,
  syncContactKeys,
  toSnapshot,
} from "../repository.ts";
import { emitContactTagsChanged } from "./tag-events.ts";
import type { Caller } from "./types.ts";

export type MergeInput = {
  targetId: string;
  sourceId: string;
  /** Why an agent decided to link (required without identity_linking consent). */
  reason?: string | undefined;
  evidence?: Record<string, unknown> | undefined;
};

const notFound = (field: string) =>
  new AppError("not_found", "contact_not_found", "No contact with this id in your workspace.", { field });

function assertMergeable(row: ContactRow | undefined, field: string): ContactRow {
  if (!row) throw notFound(field);
  if (row.erased_at) {
    throw new AppError("conflict", "contact_erased", "This contact was erased and cannot be merged.", { field });
  }
  if (row.merged_into) {
    throw new AppError("conflict", "contact_already_merged", "This contact is already merged into another one.", {
      field,
      survivorId: row.merged_into,
    });
  }
  return row;
}

/** True when the current identity_linking consent of any contact in the family is granted. */
async function hasLinkingConsent(db: Executor, workspaceId: string, contactIds: string[]) {
  const records = await listConsentOf(db, workspaceId, contactIds);
  const latest = new Map<string, string>();
  for (const r of records) if (r.purpose === "identity_linking") latest.set(r.channel ?? "*", r.status);
  return [...latest.values()].includes("granted");
}

/**
 * Merges source into target inside the caller's transaction: the target keeps its values and gains the
 * source's missing ones, the source (and whatever was merged into it) points at the target, and a merge
 * decision keeps a snapshot of both rows so it can be undone exactly.
 */
export async function mergeWithin(
  tx: Executor,
  caller: Caller,
  input: MergeInput & { basis?: LinkBasis },
): Promise<{ decision: DecisionRow; survivor: ContactRow }> {
  const ws = caller.workspaceId;
  if (input.targetId === input.sourceId) {
    throw new AppError("conflict", "merge_with_itself", "A contact cannot be merged with itself.", {
      field: "sourceId",
    });
  }
  // Lock in id order so two opposite merges cannot deadlock.
  const [first, second] = [input.targetId, input.sourceId].sort();
  const rows = new Map<string, ContactRow | undefined>();
  for (const id of [first, second] as string[]) rows.set(id, await findContact(tx, ws, id, { lock: true }));
  const target = assertMergeable(rows.get(input.targetId), "targetId");
  const source = assertMergeable(rows.get(input.sourceId), "sourceId");

  let basis = input.basis;
  if (!basis) {
    const family = [...(await familyOf(tx, ws, target.id)), ...(await familyOf(tx, ws, source.id))];
    if (await hasLinkingConsent(tx, ws, family)) basis = "consent";
    else if (input.reason?.trim()) basis = "agent_decision";
    else {
      throw new AppError(
        "conflict",
        "linking_consent_missing",
        "Neither contact has consented to identity linking: give a reason to merge them by an agent's decision.",
        { field: "reason" },
      );
    }
  }

  const children = await listMergedInto(tx, ws, source.id);
  const now = new Date();
  const survivor = await replaceContact(tx, mergeContactRows(target, source, now));
  await replaceContact(tx, { ...source, merged_into: target.id, updated_at: now });
  await setMergedInto(
    tx,
    ws,
    children.map((c) => c.id),
    target.id,
  );
  await syncContactKeys(tx, ws, source.id);
  await syncContactKeys(tx, ws, target.id);
  // The identities of both now carry the survivor's tags: those the two did not already share are pushed.
  const shared = target.tags.filter((tag) => source.tags.includes(tag));
  await emitContactTagsChanged(tx, ws, target.id, shared, survivor.tags);
  const decision = await insertDecision(tx, {
    workspace_id: ws,
    kind: "merge",
    target_contact_id: target.id,
    source_contact_id: source.id,
    basis,
    undoes_id: null,
    actor_type: caller.type,
    actor_id: "id" in caller ? caller.id : null,
    reason: input.reason?.trim() || null,
    evidence: input.evidence ?? null,
    snapshot: { target: toSnapshot(target), source: toSnapshot(source), repointed: children.map((c) => c.id) },
  });
  await recordAudit(tx, caller, {
    action: "contact.merged",
    objectType: "contact",
    objectId: target.id,
    details: { sourceId: source.id, decisionId: decision.id, basis },
  });
  return { decision, survivor };
}

/** Merges two contacts of the actor's workspace, with identity_linking consent or an agent's stated reason. */
export function mergeContacts(ctx: AppContext, caller: Caller, input: MergeInput) {
  return ctx.database.db.transaction().execute((tx) => mergeWithin(tx, caller, input));
}

/**
 * Undoes a merge: both contacts get back exactly the rows they had before it, and the contacts that had
 * been merged into the source point at it again. Identities, consent and timeline events never moved, so
 * they follow. Refused when the decision was already undone or a later merge still involves either contact,
 * and, given a contactId, when the decision is not one of that contact's.
 */
export function unmergeContacts(
  ctx: AppContext,
  caller: Caller,
  input: { decisionId: string; reason?: string | undefined; contactId?: string | undefined },
) {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const decision = await findDecision(tx, ws, input.decisionId);
    const { contactId } = input;
    if (
      !decision ||
      (contactId !== undefined && ![decision.target_contact_id, decision.source_contact_id].includes(contactId))
    ) {
      throw new AppError("not_found", "decision_not_found", "No merge decision of this contact with this id.", {
        field: "decisionId",
      });
    }
    if (decision.kind !== "merge") {
      throw new AppError("not_found", "decision_not_found", "No merge decision with this id in your workspace.", {
        field: "decisionId",
      });
    }
    const undo = await findUndoOf(tx, ws, decision.id);
    if (undo) {
      throw new AppError("conflict", "merge_already_undone", "This merge was already undone.", {
        field: "decisionId",
        undoneBy: undo.id,
      });
    }
    const snapshot = decision.snapshot;
    if (!snapshot) {
      throw new AppError(
        "conflict",
        "merge_not_restorable",
        "This merge involved an erased contact; it cannot be undone.",
      );
    }
    const ids = [decision.target_contact_id, decision.source_contact_id];
    const later = await findLaterActiveMerges(tx, ws, decision.id, ids);
    if (later.length) {
      throw new AppError(
        "conflict",
        "later_merge_active",
        "A later merge involves one of these contacts; undo it first.",
        { decisionIds: later.map((d) => d.id) },
      );
    }
    const merged = new Map<string, ContactRow>();
    for (const id of [...ids].sort()) {
      const row = await findContact(tx, ws, id, { lock: true });
      if (row) merged.set(id, row);
      if (!row || row.erased_at) {
        throw new AppError(
          "conflict",
          "contact_erased",
          "One of these contacts was erased; the merge cannot be undone.",
        );
      }
    }
    const target = await replaceContact(tx, fromSnapshot(snapshot.target));
    const source = await replaceContact(tx, fromSnapshot(snapshot.source));
    await setMergedInto(tx, ws, snapshot.repointed, source.id);
    await syncContactKeys(tx, ws, target.id);
    await syncContactKeys(tx, ws, source.id);
    // Until now the identities of both carried the survivor's tags; each side gets its own back.
    const carried = merged.get(target.id)?.tags ?? [];
    await emitContactTagsChanged(tx, ws, target.id, carried, target.tags);
    await emitContactTagsChanged(tx, ws, source.id, carried, source.tags);
    const record = await insertDecision(tx, {
      workspace_id: ws,
      kind: "unmerge",
      target_contact_id: target.id,
      source_contact_id: source.id,
      basis: "undo",
      undoes_id: decision.id,
      actor_type: caller.type,
      actor_id: "id" in caller ? caller.id : null,
      reason: input.reason?.trim() || null,
      evidence: null,
      snapshot: null,
    });
    await recordAudit(tx, caller, {
      action: "contact.unmerged",
      objectType: "contact",
      objectId: target.id,
      details: { sourceId: source.id, decisionId: record.id, undoes: decision.id },
    });
    return { decision: record, target, source };
  });
}
