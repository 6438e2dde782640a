/**
 * Tag push (Rapport → WeChat, CHANNELS.md §2.12): when a contact's tags change in Rapport (profiles emits
 * `contact.tags-changed`), a `wechat.tag-push` job tags/untags the contact's OpenIDs on every WeChat channel
 * of the workspace, for the tags chosen for sync on that channel (so within WeChat's 100 tags per account).
 * Tagging is idempotent on WeChat (tagging a tagged follower is a no-op), so a retried job is harmless; a
 * failing call fails the job, which is retried and, when it keeps failing, lands in the dead letters.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { FinalJobError, jobIdFor } from "../../../platform/jobs.ts";
import type { OutboxEvent } from "../../../platform/outbox.ts";
import { contactIdentities } from "../../profiles/index.ts";
import { q } from "../repository.ts";
import { isFinalWechatRefusal } from "./api.ts";
import { wechatAccountOf } from "./config.ts";
import { wq } from "./repository.ts";
import { tagFollowers } from "./tags.ts";

export const TAG_PUSH_JOB = "wechat.tag-push";
export const TagPushJobData = z.object({
  workspaceId: z.uuid(),
  contactId: z.uuid(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});
export type TagPushJobData = z.infer<typeof TagPushJobData>;

const TagsChanged = z.object({ contactId: z.uuid(), added: z.array(z.string()), removed: z.array(z.string()) });

/** Queues the push of one `contact.tags-changed` event (the job id is the event's, so a redelivery adds none). */
export async function queueTagPush(ctx: AppContext, event: OutboxEvent): Promise<void> {
  const payload = TagsChanged.parse(event.payload);
  await ctx.jobs.send(
    TAG_PUSH_JOB,
    { workspaceId: event.workspaceId, ...payload },
    { id: jobIdFor(`wechat-tag-push:${event.id}`) },
  );
}

export type TagPushReport = { channelId: string; tag: string; tagged: number; untagged: number }[];

/** The job: for each WeChat channel, the contact's OpenIDs of its app are tagged/untagged with the synced tags. */
export async function runTagPushJob(ctx: AppContext, data: TagPushJobData): Promise<TagPushReport> {
  const db = ctx.database.db;
  const channels = await q(db)
    .selectFrom("channels")
    .selectAll()
    .where("workspace_id", "=", data.workspaceId)
    .where("type", "=", "wechat")
    .execute();
  if (channels.length === 0) return [];
  const identities = (await contactIdentities(db, data.workspaceId, data.contactId)).filter(
    (i) => i.kind === "wechat_openid",
  );
  const report: TagPushReport = [];
  for (const channel of channels) {
    const account = wechatAccountOf(ctx, channel);
    const openIds = identities.filter((i) => i.namespace === account.config.appId).map((i) => i.external_id);
    if (openIds.length === 0) continue;
    const changed = [...data.added, ...data.removed];
    const linked = await wq(db)
      .selectFrom("wechat_synced_tags")
      .select("rapport_tag")
      .where("workspace_id", "=", data.workspaceId)
      .where("channel_id", "=", channel.id)
      .where("wechat_tag_id", "is not", null)
      .where("rapport_tag", "in", changed.length ? changed : [""])
      .execute();
    for (const { rapport_tag: tag } of linked) {
      const add = data.added.includes(tag);
      const result = await tagFollowers(ctx, account, tag, {
        add: add ? openIds : [],
        remove: add ? [] : openIds,
      }).catch((err: unknown) => {
        // A refusal for good (unknown openid, tag limits) goes to the dead letters at once; busy or quota retries.
        if (isFinalWechatRefusal(err)) throw new FinalJobError(err instanceof Error ? err.message : String(err));
        throw err;
      });
      report.push({ channelId: channel.id, tag, tagged: result.tagged, untagged: result.untagged });
    }
  }
  return report;
}
