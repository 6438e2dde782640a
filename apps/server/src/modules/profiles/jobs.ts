import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { jobIdFor } from "../../platform/jobs.ts";
import { readImportChunks, runImport } from "./bulk/import-contacts.ts";
import { recomputeLifecycles } from "./commerce/recompute-lifecycle.ts";
import { liveContactIdsAfter } from "./commerce/repository.ts";
import { ERASURE_FILES_JOB, ErasureFilesJobData, runFileDeleter } from "./use-cases/privacy.ts";

/** Runs an uploaded contact import; resumes after its last committed line when retried. */
export const IMPORT_JOB = "profiles.contacts-import";

/**
 * Recomputes the lifecycle of a workspace's contacts, 1,000 per job, each job sending the next page. Meant
 * to run nightly (schedule: `0 3 * * *`, one job `{ workspaceId }` per workspace) once a scheduler sends it.
 */
export const LIFECYCLE_JOB = "profiles.lifecycle-recompute";
const LIFECYCLE_PAGE = 1000;

const ImportJobData = z.object({ workspaceId: z.uuid(), importId: z.uuid() });
const LifecycleJobData = z.object({ workspaceId: z.uuid(), after: z.uuid().nullable().optional() });

/** Defines the profiles module's job types (every process, before the queue starts). */
export function defineProfilesJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: IMPORT_JOB,
    schema: ImportJobData,
    // A big file takes minutes; a retry resumes where the last attempt committed.
    expireInSeconds: 3 * 3600,
    retryLimit: 5,
    retryDelaySeconds: 30,
    concurrency: 1,
    handler: async (data) => {
      await runImport(
        ctx,
        data.workspaceId,
        data.importId,
        readImportChunks(ctx.database.db, data.workspaceId, data.importId),
      );
    },
  });
  // Retries the deletion of an erased person's files (attachments, media) that failed right after the erasure.
  ctx.jobs.define({
    name: ERASURE_FILES_JOB,
    schema: ErasureFilesJobData,
    retryLimit: 10,
    retryDelaySeconds: 60,
    concurrency: 1,
    handler: (data) => runFileDeleter(ctx, data),
  });
  ctx.jobs.define({
    name: LIFECYCLE_JOB,
    schema: LifecycleJobData,
    expireInSeconds: 600,
    concurrency: 1,
    handler: async (data) => {
      const next = await recomputeLifecyclePage(ctx, data.workspaceId, data.after ?? null);
      if (next) {
        // The job id (today's page after that contact) makes the hand-over idempotent when this job is retried.
        await ctx.jobs.send(
          LIFECYCLE_JOB,
          { workspaceId: data.workspaceId, after: next },
          { id: jobIdFor(`lifecycle:${new Date().toISOString().slice(0, 10)}:${next}`) },
        );
      }
    },
  });
}

/** Recomputes one page of a workspace's contacts after an id; returns the last id when more may follow. */
export async function recomputeLifecyclePage(
  ctx: AppContext,
  workspaceId: string,
  after: string | null,
  now: Date = new Date(),
) {
  const { db } = ctx.database;
  const ids = await liveContactIdsAfter(db, workspaceId, after, LIFECYCLE_PAGE);
  await recomputeLifecycles(db, workspaceId, ids, now);
  return ids.length === LIFECYCLE_PAGE ? (ids.at(-1) ?? null) : null;
}
