import type { AppContext } from "../../../platform/context.ts";
import { FOLLOWERS_SYNC_JOB, FollowersSyncJobData, runFollowersSyncJob } from "./followers.ts";

/** Defines the WeChat background jobs: follower sync. */
export function defineWechatJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: FOLLOWERS_SYNC_JOB,
    schema: FollowersSyncJobData,
    // A crash (or WeChat failing mid-page) is retried: the import resumes from its kept cursor.
    retryLimit: 10,
    retryDelaySeconds: 10,
    expireInSeconds: 3600,
    concurrency: 1,
    handler: (data) => runFollowersSyncJob(ctx, data),
  });
}
