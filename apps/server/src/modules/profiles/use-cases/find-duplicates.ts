import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { recordAudit } from "../../tenancy/index.ts";
import { type DuplicateCandidate, type DuplicateScore, scoreDuplicate } from "../duplicates.ts";
import {
  type ContactRow,
  findContact,
  findContactsByIds,
  findContactsByKeys,
  findFuzzyCandidates,
  insertDismissal,
  listDismissedWith,
  listKeysOf,
} from "../repository.ts";
import type { Caller } from "./types.ts";

export type DuplicateSuggestion = DuplicateScore & { contact: ContactRow };

function candidateOf(
  row: Pick<ContactRow, "id" | "display_name" | "company" | "name_latin_key">,
  keys: { kind: string; key: string }[],
): DuplicateCandidate {
  return {
    id: row.id,
    displayName: row.display_name,
    company: row.company,
    latinKey: row.name_latin_key,
    emailKeys: keys.filter((k) => k.kind === "email").map((k) => k.key),
    phoneKeys: keys.filter((k) => k.kind === "phone").map((k) => k.key),
  };
}

/**
 * Scores the live contacts that may be the same person as this one: sharing a normalised email or phone
 * (certain), or with the same or a similar name and company, or the same name in another script or word order
 * (probable). Dismissed pairs are left out.
 */
export async function findDuplicates(
  db: Executor,
  workspaceId: string,
  contactId: string,
): Promise<DuplicateSuggestion[]> {
  const [contact, keys] = await Promise.all([
    findContact(db, workspaceId, contactId),
    listKeysOf(db, workspaceId, contactId),
  ]);
  if (!contact || contact.merged_into || contact.erased_at) return [];
  const [byKey, fuzzy, dismissed] = await Promise.all([
    findContactsByKeys(db, workspaceId, keys, contact.id),
    findFuzzyCandidates(db, workspaceId, contact),
    listDismissedWith(db, workspaceId, contact.id),
  ]);
  const keyedIds = [...new Set(byKey.map((k) => k.contact_id))];
  const keyed = await findContactsByIds(db, workspaceId, keyedIds);
  const me = candidateOf(contact, keys);
  const out = new Map<string, DuplicateSuggestion>();
  const scored = new Map<string, DuplicateScore>();
  for (const row of keyed) {
    if (dismissed.has(row.id) || row.merged_into || row.erased_at) continue;
    const score = scoreDuplicate(
      me,
      candidateOf(
        row,
        byKey.filter((k) => k.contact_id === row.id),
      ),
    );
    if (score) out.set(row.id, { ...score, contact: row });
  }
  for (const row of fuzzy) {
    if (dismissed.has(row.id) || out.has(row.id)) continue;
    const score = scoreDuplicate(me, candidateOf(row, []));
    if (score) scored.set(row.id, score);
  }
  // Fuzzy candidates were read with the few columns scoring needs; the rows of the ones kept are read now.
  const byScore = (a: { score: number; id: string }, b: { score: number; id: string }) =>
    b.score - a.score || a.id.localeCompare(b.id);
  const keptFuzzy = [...scored]
    .map(([id, score]) => ({ id, ...score }))
    .sort(byScore)
    .slice(0, Math.max(0, 50 - out.size));
  for (const row of await findContactsByIds(
    db,
    workspaceId,
    keptFuzzy.map((k) => k.id),
  )) {
    const score = scored.get(row.id);
    if (score && !row.merged_into && !row.erased_at) out.set(row.id, { ...score, contact: row });
  }
  return [...out.values()]
    .sort((a, b) => byScore({ score: a.score, id: a.contact.id }, { score: b.score, id: b.contact.id }))
    .slice(0, 50);
}

/** Records that two contacts are not the same person, so they are no longer suggested. */
export async function dismissDuplicate(
  ctx: AppContext,
  caller: Caller,
  input: { contactId: string; otherId: string; reason?: string | undefined },
) {
  const ws = caller.workspaceId;
  if (input.contactId === input.otherId) {
    throw new AppError("invalid", "dismiss_with_itself", "A contact is not a duplicate of itself.", {
      field: "otherId",
    });
  }
  await ctx.database.db.transaction().execute(async (tx) => {
    for (const [id, field] of [
      [input.contactId, "id"],
      [input.otherId, "otherId"],
    ] as const) {
      const row = await findContact(tx, ws, id);
      if (!row || row.erased_at) {
        throw new AppError("not_found", "contact_not_found", "No contact with this id in your workspace.", { field });
      }
    }
    await insertDismissal(
      tx,
      ws,
      input.contactId,
      input.otherId,
      "id" in caller ? caller.id : null,
      input.reason ?? null,
    );
    await recordAudit(tx, caller, {
      action: "contact.duplicate_dismissed",
      objectType: "contact",
      objectId: input.contactId,
      details: { otherId: input.otherId },
    });
  });
}
