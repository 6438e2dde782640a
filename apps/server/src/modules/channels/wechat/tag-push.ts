/**
 * Tag push (Rapport → WeChat, CHANNELS.md §2.12): when a contact's tags change in Rapport (profiles emits
 * `contact.tags-changed`), a `wechat.tag-push` job tags/untags the contact's OpenIDs on every WeChat channel
 * of the workspace, for the tags chosen for sync on that channel (so within WeChat's 100 tags per account).
 * An import emits `contacts.tags-changed` {contactIds} instead (one event per committed batch, ≤ 1,000 ids):
 * a `wechat.contacts-tag-push` job tags the OpenIDs of those contacts with their current synced tags, 50
 * OpenIDs per call (an import only adds tags). Tagging is idempotent on WeChat (tagging a tagged follower is
 * a no-op), so a retried job is harmless; a failing call fails the job, which is retried and, when it keeps
 * failing, lands in the dead letters.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { FinalJobError, jobIdFor } from "../../../platform/jobs.ts";
import type { OutboxEvent } from "../../../platform/outbox.ts";
import { contactIdentities, contactsTagsAndIdentities } from "../../profiles/index.ts";
import { q } from "../repository.ts";
import { isFinalWechatRefusal } from "./api.ts";
import { type WechatAccount, wechatAccountOf } from "./config.ts";
import { linkedTagNames, tagFollowers } from "./tags.ts";

export const TAG_PUSH_JOB = "wechat.tag-push";
export const TagPushJobData = z.object({
  workspaceId: z.uuid(),
  contactId: z.uuid(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});
export type TagPushJobData = z.infer<typeof TagPushJobData>;

const TagsChanged = z.object({ contactId: z.uuid(), added: z.array(z.string()), removed: z.array(z.string()) });

export const CONTACTS_TAG_PUSH_JOB = "wechat.contacts-tag-push";
/** At most this many contacts per `contacts.tags-changed` event and per job. */
export const CONTACTS_TAG_PUSH_MAX = 1000;
const ContactIds = z.array(z.uuid()).min(1).max(CONTACTS_TAG_PUSH_MAX);
export const ContactsTagPushJobData = z.object({ workspaceId: z.uuid(), contactIds: ContactIds });
export type ContactsTagPushJobData = z.infer<typeof ContactsTagPushJobData>;

/** Queues the push of one `contact.tags-changed` event (the job id is the event's, so a redelivery adds none). */
export async function queueTagPush(ctx: AppContext, event: OutboxEvent): Promise<void> {
  const payload = TagsChanged.parse(event.payload);
  await ctx.jobs.send(
    TAG_PUSH_JOB,
    { workspaceId: event.workspaceId, ...payload },
    { id: jobIdFor(`wechat-tag-push:${event.id}`) },
  );
}

/** Queues the push of one `contacts.tags-changed` event (an import's batch), idempotent like the above. */
export async function queueContactsTagPush(ctx: AppContext, event: OutboxEvent): Promise<void> {
  const { contactIds } = z.object({ contactIds: ContactIds }).parse(event.payload);
  await ctx.jobs.send(
    CONTACTS_TAG_PUSH_JOB,
    { workspaceId: event.workspaceId, contactIds },
    { id: jobIdFor(`wechat-contacts-tag-push:${event.id}`) },
  );
}

/** The WeChat channels of a workspace. */
function wechatChannelsOf(db: Executor, workspaceId: string) {
  return q(db)
    .selectFrom("channels")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("type", "=", "wechat")
    .execute();
}

export type TagPushReport = { channelId: string; tag: string; tagged: number; untagged: number }[];

/** The job: for each WeChat channel, the contact's OpenIDs of its app are tagged/untagged with the synced tags. */
export async function runTagPushJob(ctx: AppContext, data: TagPushJobData): Promise<TagPushReport> {
  const db = ctx.database.db;
  const channels = await wechatChannelsOf(db, data.workspaceId);
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
    const linked = [...(await linkedTagNames(db, channel)).values()].filter((tag) => changed.includes(tag));
    for (const tag of linked) {
      const add = data.added.includes(tag);
      report.push(await pushTag(ctx, account, tag, { add: add ? openIds : [], remove: add ? [] : openIds }));
    }
  }
  return report;
}

/** Tags/untags OpenIDs with one synced tag (50 per call, in tagFollowers), refusals for good made final. */
async function pushTag(
  ctx: AppContext,
  account: WechatAccount,
  tag: string,
  change: { add: string[]; remove: string[] },
) {
  const result = await tagFollowers(ctx, account, tag, change).catch((err: unknown) => {
    // A refusal for good (unknown openid, tag limits) goes to the dead letters at once; busy or quota retries.
    if (isFinalWechatRefusal(err)) throw new FinalJobError(err instanceof Error ? err.message : String(err));
    throw err;
  });
  return { channelId: account.channel.id, tag, tagged: result.tagged, untagged: result.untagged };
}

/**
 * The bulk job: for each WeChat channel of the workspace, the OpenIDs (of its app) of the contacts holding
 * each synced tag are tagged with it, grouped per tag so one call carries up to 50 of them. Contacts merged
 * or erased since are skipped (the survivor's own events push it); ids of another workspace find nothing.
 */
export async function runContactsTagPushJob(ctx: AppContext, data: ContactsTagPushJobData): Promise<TagPushReport> {
  const db = ctx.database.db;
  const channels = await wechatChannelsOf(db, data.workspaceId);
  if (channels.length === 0) return [];
  const report: TagPushReport = [];
  let contacts: Awaited<ReturnType<typeof contactsTagsAndIdentities>> | undefined;
  for (const channel of channels) {
    const synced = [...(await linkedTagNames(db, channel)).values()];
    if (synced.length === 0) continue;
    const account = wechatAccountOf(ctx, channel);
    contacts ??= await contactsTagsAndIdentities(db, data.workspaceId, data.contactIds);
    const byTag = new Map<string, string[]>(synced.map((tag) => [tag, []]));
    for (const contact of contacts) {
      const openIds = contact.identities
        .filter((i) => i.kind === "wechat_openid" && i.namespace === account.config.appId)
        .map((i) => i.external_id);
      if (openIds.length === 0) continue;
      for (const tag of contact.tags) byTag.get(tag)?.push(...openIds);
    }
    for (const [tag, openIds] of byTag) {
      if (openIds.length) report.push(await pushTag(ctx, account, tag, { add: openIds, remove: [] }));
    }
  }
  return report;
}
