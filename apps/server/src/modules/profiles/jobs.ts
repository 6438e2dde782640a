import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { jobIdFor } from "../../platform/jobs.ts";
import { instantToWallClock, isTimeZone, wallClockToInstant } from "../../platform/wall-clock.ts";
import { findWorkspaceById, listWorkspaceTimezones } from "../tenancy/index.ts";
import { readImportChunks, runImport } from "./bulk/import-contacts.ts";
import { recomputeLifecycles } from "./commerce/recompute-lifecycle.ts";
import { liveContactIdsAfter } from "./commerce/repository.ts";
import { ERASURE_FILES_JOB, ErasureFilesJobData, runFileDeleter } from "./use-cases/privacy.ts";

/** Runs an uploaded contact import; resumes after its last committed line when retried. */
export const IMPORT_JOB = "profiles.contacts-import";

/**
 * Recomputes the lifecycle of a workspace's contacts, 1,000 per job, each job sending the next page; nightly at
 * 03:00 in the workspace's time zone (see scheduleNightlyLifecycle).
 */
export const LIFECYCLE_JOB = "profiles.lifecycle-recompute";
const LIFECYCLE_PAGE = 1000;
/** The local hour of the nightly recomputation. */
export const LIFECYCLE_NIGHTLY_HOUR = 3;

const ImportJobData = z.object({ workspaceId: z.uuid(), importId: z.uuid() });
const LifecycleJobData = z.object({
  workspaceId: z.uuid(),
  after: z.uuid().nullable().optional(),
  /** The instant a nightly run was planned for (its first page plans the next night from it). */
  at: z.iso.datetime().optional(),
});
type LifecycleJobData = z.infer<typeof LifecycleJobData>;

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
    handler: (data) => runLifecycleJob(ctx, data),
  });
}

/** Runs one page of a lifecycle recomputation: a run's first page plans the next night, a full page sends the next. */
export async function runLifecycleJob(ctx: AppContext, data: LifecycleJobData, now: Date = new Date()): Promise<void> {
  if (!data.after) {
    // The first page plans the next night before recomputing, so a failing recomputation does not break the
    // chain; from the planned instant when later than now (a clock a little behind the database's must not
    // plan tonight again).
    const ws = await findWorkspaceById(ctx.database.db, data.workspaceId);
    const planned = data.at ? new Date(data.at) : now;
    if (ws) await scheduleNightlyLifecycle(ctx, ws.id, ws.timezone, planned > now ? planned : now);
  }
  const next = await recomputeLifecyclePage(ctx, data.workspaceId, data.after ?? null, now);
  if (next) {
    // The job id (this run's page after that contact; a run without a planned instant is keyed by today)
    // makes the hand-over idempotent when this job is retried.
    const run = data.at ?? now.toISOString().slice(0, 10);
    await ctx.jobs.send(
      LIFECYCLE_JOB,
      { workspaceId: data.workspaceId, after: next, ...(data.at ? { at: data.at } : {}) },
      { id: jobIdFor(`lifecycle:${run}:${next}`) },
    );
  }
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

/**
 * The nightly recomputation chains itself, as scheduled automation rules do: each night's first page enqueues the
 * next night's run (`startAfter`), keyed by workspace and local date through jobIdFor, so a retried job, a
 * second worker or the start-up check below enqueue it once. No polling loop and no cron table.
 */
export async function scheduleNightlyLifecycle(
  ctx: AppContext,
  workspaceId: string,
  timeZone: string,
  after: Date = new Date(),
): Promise<void> {
  const next = nextNightlyRun(timeZone, after);
  await ctx.jobs.send(
    LIFECYCLE_JOB,
    { workspaceId, after: null, at: next.at.toISOString() },
    { startAfter: next.at, id: jobIdFor(`lifecycle:${workspaceId}:${next.date}`) },
  );
}

/**
 * Gives every workspace its next nightly run (the scheduler role, at start and hourly): one statement lists the
 * workspaces, and the deterministic job ids make this a no-op for those whose chain is in place. Workspaces are
 * created by tenancy, which emits no event profiles could follow, so a new workspace gets its first nightly run
 * within the hour (its contacts' stages still follow their events).
 */
export async function ensureNightlyLifecycles(ctx: AppContext, now: Date = new Date()): Promise<number> {
  const workspaces = await listWorkspaceTimezones(ctx.database.db);
  for (const ws of workspaces) await scheduleNightlyLifecycle(ctx, ws.id, ws.timezone, now);
  return workspaces.length;
}

/** The first 03:00 strictly after `after` in a time zone (UTC when the zone is unknown), with its local date. */
export function nextNightlyRun(timeZone: string, after: Date): { at: Date; date: string } {
  const zone = isTimeZone(timeZone) ? timeZone : "UTC";
  const local = instantToWallClock(zone, after);
  for (let day = 0; day < 3; day++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + day));
    const wall = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    const at = wallClockToInstant(zone, { ...wall, hour: LIFECYCLE_NIGHTLY_HOUR, minute: 0 });
    if (at > after) return { at, date: date.toISOString().slice(0, 10) };
  }
  throw new Error("unreachable: a 03:00 falls within three days");
}
