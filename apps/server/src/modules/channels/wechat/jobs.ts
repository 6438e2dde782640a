import type { AppContext } from "../../../platform/context.ts";
import { FOLLOWERS_SYNC_JOB, FollowersSyncJobData, runFollowersSyncJob } from "./followers.ts";
import { fetchMediaJob, MEDIA_FETCH_JOB, MediaFetchJobData } from "./media.ts";
import {
  CONTACTS_TAG_PUSH_JOB,
  ContactsTagPushJobData,
  runContactsTagPushJob,
  runTagPushJob,
  TAG_PUSH_JOB,
  TagPushJobData,
} from "./tag-push.ts";

/** Defines the WeChat background jobs: follower sync, inbound media download, tag push (one contact, or many). */
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
  ctx.jobs.define({
    name: MEDIA_FETCH_JOB,
    schema: MediaFetchJobData,
    retryLimit: 5,
    retryDelaySeconds: 5,
    expireInSeconds: 120,
    concurrency: 2,
    handler: (data) => fetchMediaJob(ctx, data),
  });
  ctx.jobs.define({
    name: TAG_PUSH_JOB,
    schema: TagPushJobData,
    // WeChat busy (-1), quota (45011) or network errors are retried; a persistent error ends in the dead letters.
    retryLimit: 5,
    retryDelaySeconds: 10,
    expireInSeconds: 120,
    concurrency: 1,
    handler: async (data) => {
      await runTagPushJob(ctx, data);
    },
  });
  ctx.jobs.define({
    name: CONTACTS_TAG_PUSH_JOB,
    schema: ContactsTagPushJobData,
    // Retried like the one-contact push (tagging is idempotent); up to 1,000 contacts per job.
    retryLimit: 5,
    retryDelaySeconds: 10,
    expireInSeconds: 600,
    concurrency: 1,
    handler: async (data) => {
      await runContactsTagPushJob(ctx, data);
    },
  });
}
