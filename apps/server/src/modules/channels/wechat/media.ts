/**
 * Media (CHANNELS.md §2.15). Inbound: an image, voice or video message is stored at once with its `mediaId`;
 * the `wechat.media-fetch` job then downloads the file through `media/get` (a video's answer is JSON with
 * `video_url`, fetched in turn) and attaches it to the message through conversations' attachments (the
 * platform storage driver): the message's `content.media` then names the attachment. Outbound: files are
 * uploaded with `media/upload` after WeChat's size and format limits are checked, so a refused file never
 * costs a call.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { jobIdFor } from "../../../platform/jobs.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { attachToMessage, openAttachment } from "../../conversations/index.ts";
import { actorOf, guard, recordAudit } from "../../tenancy/index.ts";
import { callWechatAsAdmin, downloadWechat, type UploadFile, WechatApiError } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import type { WechatInbound } from "./messages.ts";
import { wq } from "./repository.ts";
import { extensionOf, registerUploadRoute } from "./uploads.ts";

export const MEDIA_FETCH_JOB = "wechat.media-fetch";
export const MediaFetchJobData = z.object({ workspaceId: z.uuid(), channelId: z.uuid(), mediaId: z.string() });
export type MediaFetchJobData = z.infer<typeof MediaFetchJobData>;

const MB = 1024 * 1024;
/** WeChat's temporary media limits: size and accepted formats per type. */
export const MEDIA_LIMITS = {
  image: { bytes: 10 * MB, types: ["image/jpeg", "image/png", "image/gif"], rule: "10 MB, PNG, JPEG or GIF" },
  voice: { bytes: 2 * MB, types: ["audio/amr", "audio/mpeg", "audio/mp3"], rule: "2 MB and 60 s, AMR or MP3" },
  video: { bytes: 10 * MB, types: ["video/mp4"], rule: "10 MB, MP4" },
  thumb: { bytes: 64 * 1024, types: ["image/jpeg"], rule: "64 KB, JPEG" },
} as const;
export type MediaType = keyof typeof MEDIA_LIMITS;

/** The format a file's first bytes show, to catch a mislabelled upload before WeChat does. */
function sniff(data: Buffer): string | null {
  if (data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return "image/jpeg";
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (data.subarray(0, 4).toString("latin1") === "GIF8") return "image/gif";
  if (data.subarray(0, 5).toString("latin1") === "#!AMR") return "audio/amr";
  if (data.subarray(0, 3).toString("latin1") === "ID3" || (data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0)) {
    return "audio/mpeg";
  }
  if (data.subarray(4, 8).toString("latin1") === "ftyp") return "video/mp4";
  return null;
}

/** Refuses a file WeChat would refuse as `type`, saying the rule. */
export function assertMediaFits(type: MediaType, file: UploadFile): void {
  const limit = MEDIA_LIMITS[type];
  if (file.data.length > limit.bytes) {
    throw new AppError(
      "too_large",
      "wechat_media_too_large",
      `A WeChat ${type} is at most ${limit.rule}; this file is ${(file.data.length / MB).toFixed(1)} MB.`,
      { limit: limit.bytes, bytes: file.data.length },
    );
  }
  const sniffed = sniff(file.data);
  const declared = file.contentType === "audio/mp3" ? "audio/mpeg" : file.contentType;
  const allowed: readonly string[] = limit.types;
  if (!allowed.includes(file.contentType) || sniffed === null || sniffed !== declared) {
    throw new AppError(
      "unsupported",
      "wechat_media_format",
      `A WeChat ${type} is ${limit.rule}; this file is ${sniffed ?? "of an unknown format"} (sent as ${file.contentType}).`,
      { allowed: limit.types },
    );
  }
}

/** Uploads a temporary media file (3 days) and returns WeChat's media id. */
export async function uploadMedia(ctx: AppContext, account: WechatAccount, type: MediaType, file: UploadFile) {
  assertMediaFits(type, file);
  const json = await callWechatAsAdmin(ctx, account, "/cgi-bin/media/upload", { query: { type }, file });
  const mediaId = type === "thumb" ? (json.thumb_media_id ?? json.media_id) : json.media_id;
  if (typeof mediaId !== "string") {
    throw new AppError("unavailable", "wechat_unexpected", "WeChat answered media/upload without a media_id.");
  }
  return {
    type,
    mediaId,
    createdAt: typeof json.created_at === "number" ? new Date(json.created_at * 1000).toISOString() : null,
  };
}

/** The media id of a customer's media message (image, voice, video, …), else undefined. */
export function mediaIdOf(inbound: WechatInbound): string | undefined {
  if (inbound.kind !== "message") return undefined;
  const mediaId = inbound.content.mediaId;
  return typeof mediaId === "string" && mediaId ? mediaId : undefined;
}

/** Records an inbound message's media and queues its download, in the message's transaction. */
export async function queueMediaFetch(
  ctx: AppContext,
  tx: Executor,
  scope: { workspaceId: string; channelId: string },
  inbound: WechatInbound,
  messageId: string,
): Promise<void> {
  const mediaId = mediaIdOf(inbound);
  if (!mediaId || inbound.kind !== "message") return;
  const inserted = await wq(tx)
    .insertInto("wechat_media")
    .values({
      workspace_id: scope.workspaceId,
      channel_id: scope.channelId,
      media_id: mediaId,
      message_id: messageId,
      kind: inbound.type,
      status: "pending",
      path: null,
      content_type: null,
      bytes: null,
      error: null,
      fetched_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning("media_id")
    .executeTakeFirst();
  if (!inserted) return;
  await ctx.jobs.send(
    MEDIA_FETCH_JOB,
    { ...scope, mediaId },
    { tx, id: jobIdFor(`wechat-media:${scope.channelId}:${mediaId}`) },
  );
}

const MAX_VIDEO_BYTES = 20 * MB;

/** The media fetch job: downloads, stores, and marks the row; a final WeChat refusal marks it failed. */
export async function fetchMediaJob(ctx: AppContext, data: MediaFetchJobData): Promise<void> {
  const account = await findWechatAccount(ctx, data.workspaceId, data.channelId);
  const row = () =>
    wq(ctx.database.db)
      .updateTable("wechat_media")
      .where("workspace_id", "=", data.workspaceId)
      .where("channel_id", "=", data.channelId)
      .where("media_id", "=", data.mediaId);
  let file: Buffer;
  let contentType: string;
  try {
    const answer = await downloadWechat(ctx, account, "/cgi-bin/media/get", { media_id: data.mediaId });
    if (answer.kind === "file") {
      file = answer.data;
      contentType = answer.contentType.split(";")[0]?.trim() ?? "application/octet-stream";
    } else {
      const videoUrl = answer.json.video_url;
      if (typeof videoUrl !== "string") throw new WechatApiError(-2, "media/get answered JSON without video_url");
      const res = await fetchChecked(videoUrl, account.config.allowPrivateNetwork === true);
      if (!res.ok) throw new WechatApiError(-2, `video download: HTTP ${res.status}`);
      if (Number(res.headers.get("content-length") ?? 0) > MAX_VIDEO_BYTES) {
        throw new WechatApiError(-2, "the video is larger than 20 MB");
      }
      file = Buffer.from(await res.arrayBuffer());
      if (file.length > MAX_VIDEO_BYTES) throw new WechatApiError(-2, "the video is larger than 20 MB");
      contentType = "video/mp4";
    }
  } catch (err) {
    // 40007 (invalid media id, e.g. older than 3 days) cannot get better: record it and stop.
    if (err instanceof WechatApiError && err.code > 0 && err.code !== 45011) {
      await row()
        .set({ status: "failed", error: err.message.slice(0, 500), fetched_at: new Date() })
        .execute();
      return;
    }
    throw err;
  }
  const media = await wq(ctx.database.db)
    .selectFrom("wechat_media")
    .select("message_id")
    .where("workspace_id", "=", data.workspaceId)
    .where("channel_id", "=", data.channelId)
    .where("media_id", "=", data.mediaId)
    .executeTakeFirst();
  // The row is gone: its sender was erased while the file downloaded. Nothing is kept.
  if (!media) return;
  // The attachment and the message's content.media; `path` keeps the attachment id.
  const attachment = await attachToMessage(ctx.database.db, ctx.config, data.workspaceId, media.message_id, {
    data: file,
    contentType,
    fileName: `${data.mediaId.slice(0, 64)}.${extensionOf(contentType)}`,
  });
  await row()
    .set({
      status: "stored",
      path: attachment.id,
      content_type: contentType,
      bytes: file.length,
      error: null,
      fetched_at: new Date(),
    })
    .executeTakeFirst();
}

/** The media routes: upload for outbound messages; an inbound message's media (status, then the file). */
export function registerMediaRoutes(app: HttpApp, ctx: AppContext): void {
  const tags = { tags: ["channels"] };
  const mediaParams = z.strictObject({ id: z.uuid(), mediaId: z.string().min(1).max(200) });
  registerUploadRoute(
    app,
    ctx,
    {
      method: "POST",
      url: "/api/v1/channels/:id/wechat/media",
      permission: "messages.send",
      params: z.strictObject({ id: z.uuid() }),
      description:
        "Uploads a temporary media file (kept 3 days by WeChat) for outbound messages: the file as the body with its Content-Type, `?type=image|voice|video|thumb`.",
    },
    async (request, reply, file) => {
      const actor = actorOf(request);
      const { id } = z.object({ id: z.uuid() }).parse(request.params);
      const query = z.object({ type: z.enum(["image", "voice", "video", "thumb"]) }).safeParse(request.query);
      if (!query.success) {
        throw new AppError("invalid", "wechat_media_type", "Give ?type=image, voice, video or thumb.", {
          field: "type",
        });
      }
      const account = await findWechatAccount(ctx, actor.workspaceId, id);
      const uploaded = await uploadMedia(ctx, account, query.data.type, file);
      await recordAudit(ctx.database.db, actor, {
        action: "wechat.media.uploaded",
        objectType: "channel",
        objectId: id,
        details: { type: uploaded.type, mediaId: uploaded.mediaId, bytes: file.data.length },
      });
      return reply.code(201).send(uploaded);
    },
  );
  const findMedia = async (workspaceId: string, channelId: string, mediaId: string) => {
    await findWechatAccount(ctx, workspaceId, channelId);
    const media = await wq(ctx.database.db)
      .selectFrom("wechat_media")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("channel_id", "=", channelId)
      .where("media_id", "=", mediaId)
      .executeTakeFirst();
    if (!media) throw new AppError("not_found", "wechat_media_not_found", "No such media on this channel.");
    return media;
  };
  app.get(
    "/api/v1/channels/:id/wechat/media/:mediaId",
    { schema: { ...tags, params: mediaParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const m = await findMedia(actorOf(request).workspaceId, request.params.id, request.params.mediaId);
      return {
        mediaId: m.media_id,
        messageId: m.message_id,
        kind: m.kind,
        status: m.status,
        contentType: m.content_type,
        bytes: m.bytes,
        attachmentId: m.status === "stored" ? m.path : null,
        error: m.error,
        fetchedAt: m.fetched_at?.toISOString() ?? null,
      };
    },
  );
  app.get(
    "/api/v1/channels/:id/wechat/media/:mediaId/file",
    { schema: { ...tags, params: mediaParams }, onRequest: guard(ctx, "cases.read") },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const m = await findMedia(ws, request.params.id, request.params.mediaId);
      if (m.status !== "stored" || !m.path) {
        throw new AppError("conflict", "wechat_media_not_fetched", `This media is ${m.status}, not stored yet.`, {
          status: m.status,
        });
      }
      // Media fetched before they became attachments kept a file name here: not served any more.
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(m.path)) {
        throw new AppError(
          "not_found",
          "wechat_media_not_migrated",
          "This media was fetched before media became attachments and is not served; it is still on disk under DATA_DIR/media.",
        );
      }
      const { attachment, body } = await openAttachment(ctx.database.db, ctx.config, ws, m.path);
      return reply
        .type(attachment.content_type)
        .header("cache-control", "private, max-age=3600")
        .header("x-content-type-options", "nosniff")
        .send(body);
    },
  );
}

/** GETs a URL, following at most 3 redirects, each target checked like the first (no hop into a private network). */
async function fetchChecked(target: string, allowPrivateNetwork: boolean): Promise<Response> {
  let url = await assertOutboundUrl(target, allowPrivateNetwork);
  for (let hops = 0; ; hops++) {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(30_000) });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) return res;
    if (hops >= 3) throw new WechatApiError(-2, "video download: too many redirects");
    url = await assertOutboundUrl(new URL(location, url).toString(), allowPrivateNetwork);
  }
}
