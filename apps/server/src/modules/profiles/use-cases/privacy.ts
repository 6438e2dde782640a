import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { redactEventPayloads } from "../../../platform/outbox.ts";
import { recordAudit } from "../../tenancy/index.ts";
import { deleteFailedImportFilesHolding } from "../bulk/bulk-repository.ts";
import { contactErasers, type ErasureIdentity, type ErasureSubject, fileDeleterOf } from "../erasers.ts";
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

/** Every identifier of the family before erasure: identities, plus the emails and phones of the contact fields. */
async function subjectOf(tx: Executor, ws: string, family: string[]): Promise<ErasureSubject> {
  const [identities, contacts] = await Promise.all([
    listIdentitiesOf(tx, ws, family),
    findContactsByIds(tx, ws, family),
  ]);
  const seen = new Map<string, ErasureIdentity>();
  const add = (kind: string, namespace: string, externalId: string | null | undefined) => {
    if (externalId) seen.set(`${kind}\u0000${namespace}\u0000${externalId}`, { kind, namespace, externalId });
  };
  for (const i of identities) add(i.kind, i.namespace, i.external_id);
  for (const c of contacts) {
    for (const e of c.emails) {
      add("email", "", e.value);
      add("email", "", e.normalized);
    }
    for (const p of c.phones) {
      add("phone", "", p.value);
      add("phone", "", p.e164);
    }
  }
  return { contactIds: family, identities: [...seen.values()] };
}

/**
 * Erases a person: their contact and every contact merged into it keep only their ids (marked erased);
 * identities, timeline events, consent records, duplicate dismissals and search keys are deleted, and
 * link decisions lose their reasons, evidence and snapshots. Every eraser registered by another module
 * (`registerContactEraser`) runs in the same transaction, so the erasure is all or nothing. An erasure record
 * keeps ids and counts only. Stored files are deleted after the commit; a failed deletion is logged and
 * retried by a job.
 */
export async function eraseContact(ctx: AppContext, caller: Caller, contactId: string) {
  const ws = caller.workspaceId;
  const registered = contactErasers();
  if (registered.length === 0) {
    // A process that registered no eraser would erase the profile and leave messages and payloads behind.
    throw new AppError(
      "unavailable",
      "erasers_not_registered",
      "Erasure is not available in this process: no module registered its eraser.",
    );
  }
  const pendingFiles: { eraser: string; files: string[] }[] = [];
  const record = await ctx.database.db.transaction().execute(async (tx) => {
    const contact = await requireContact(tx, ws, contactId);
    const family = await familyOf(tx, ws, contact.id);
    const subject = await subjectOf(tx, ws, family);
    await allowErasure(tx);
    const counts: Record<string, number> = {};
    for (const [name, { erase }] of registered) {
      const result = await erase(tx, ws, subject);
      for (const [key, n] of Object.entries(result.counts)) counts[`${name}.${key}`] = n;
      if (result.files?.length) pendingFiles.push({ eraser: name, files: result.files });
    }
    Object.assign(counts, await eraseContactData(tx, ws, family));
    // The properties of their timeline events announced to rules (contact.event-recorded) hold their data too.
    const announced = await redactEventPayloads(tx, ws, { field: "contactId", values: family }, ["properties"]);
    if (announced) counts.eventsRedacted = announced;
    const importChunks = await deleteFailedImportFilesHolding(
      tx,
      ws,
      subject.identities.map((i) => i.externalId),
    );
    if (importChunks) counts.failedImportChunks = importChunks;
    const files = pendingFiles.reduce((n, p) => n + p.files.length, 0);
    if (files) counts.files = files;
    const row = await insertErasure(tx, {
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
      details: { erasureId: row.id, counts },
    });
    return row;
  });
  for (const pending of pendingFiles)
    await deleteErasedFiles(ctx, { workspaceId: ws, erasureId: record.id, ...pending });
  return record;
}

/** The data of the job that retries a failed deletion of an erasure's files. */
export const ErasureFilesJobData = z.object({
  workspaceId: z.uuid(),
  erasureId: z.uuid(),
  eraser: z.string().min(1),
  files: z.array(z.string().min(1)).min(1),
});
export type ErasureFilesJobData = z.infer<typeof ErasureFilesJobData>;

export const ERASURE_FILES_JOB = "profiles.erasure-files";

/**
 * Deletes an erasure's files through the deleter its eraser registered. A failure is logged (ids only) and
 * handed to the `profiles.erasure-files` job, which retries with backoff and ends as a visible dead letter.
 */
export async function deleteErasedFiles(ctx: AppContext, data: ErasureFilesJobData): Promise<void> {
  try {
    await runFileDeleter(ctx, data);
  } catch (err) {
    ctx.logger.error(
      { err, erasureId: data.erasureId, eraser: data.eraser, files: data.files.length },
      "erasure: deleting files failed; a job retries it",
    );
    try {
      await ctx.jobs.send(ERASURE_FILES_JOB, data);
    } catch (sendErr) {
      ctx.logger.error(
        { err: sendErr, erasureId: data.erasureId, eraser: data.eraser, files: data.files.length },
        "erasure: the file-deletion retry could not be queued; these files remain in storage",
      );
    }
  }
}

/** One attempt at deleting an erasure's files; throws when the deleter is unknown or fails (the job retries). */
export async function runFileDeleter(ctx: AppContext, data: ErasureFilesJobData): Promise<void> {
  const deleteFiles = fileDeleterOf(data.eraser);
  if (!deleteFiles) throw new Error(`no file deleter is registered for eraser "${data.eraser}"`);
  await deleteFiles(ctx, data.workspaceId, data.files);
}
