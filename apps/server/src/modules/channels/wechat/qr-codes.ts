/**
 * Parametric QR codes (CHANNELS.md §2.11): created through `qrcode/create` with WeChat's limits enforced
 * first, kept as records, and credited with the scans and new followers their scene brings.
 */
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { type Actor, recordAudit } from "../../tenancy/index.ts";
import type { ChannelRow } from "../repository.ts";
import { callWechatAsAdmin } from "./api.ts";
import { DEFAULT_API_BASE_URL, type WechatAccount, wechatAccountOf } from "./config.ts";
import { wq } from "./repository.ts";

export const MAX_PERMANENT_QR_CODES = 100_000;
export const MAX_TEMPORARY_EXPIRY_SECONDS = 2_592_000;

export const CreateQrCodeSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    campaign: z.string().trim().min(1).max(100).optional(),
    permanent: z.boolean().default(false),
    /** A number scene: 1–100,000 for permanent codes, any non-zero 32-bit value for temporary ones. */
    sceneId: z.number().int().optional(),
    /** A string scene, 1–64 characters. */
    sceneStr: z.string().min(1).max(64).optional(),
    /** Temporary codes only: seconds until the code expires, at most 30 days. */
    expireSeconds: z.number().int().min(60).max(MAX_TEMPORARY_EXPIRY_SECONDS).optional(),
  })
  .refine((b) => (b.sceneId === undefined) !== (b.sceneStr === undefined), {
    message: "Give exactly one of sceneId or sceneStr.",
    path: ["sceneId"],
  });
export type CreateQrCodeInput = z.infer<typeof CreateQrCodeSchema>;

const invalid = (field: string, message: string) => new AppError("invalid", "qr_code_invalid", message, { field });

/** Creates a QR code on WeChat and records it; refuses what WeChat would refuse, with the limit stated. */
export async function createQrCode(ctx: AppContext, actor: Actor, channel: ChannelRow, input: CreateQrCodeInput) {
  if (input.sceneId !== undefined) {
    if (input.permanent && (input.sceneId < 1 || input.sceneId > MAX_PERMANENT_QR_CODES)) {
      throw invalid("sceneId", `A permanent QR code's sceneId is 1–${MAX_PERMANENT_QR_CODES}.`);
    }
    if (!input.permanent && (input.sceneId === 0 || input.sceneId < -(2 ** 31) || input.sceneId >= 2 ** 32)) {
      throw invalid("sceneId", "A temporary QR code's sceneId is a non-zero 32-bit integer.");
    }
  }
  if (input.permanent && input.expireSeconds !== undefined) {
    throw invalid("expireSeconds", "Permanent QR codes do not expire; leave expireSeconds out.");
  }
  const db = ctx.database.db;
  if (input.permanent) {
    const row = await wq(db)
      .selectFrom("wechat_qr_codes")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("workspace_id", "=", channel.workspace_id)
      .where("channel_id", "=", channel.id)
      .where("permanent", "=", true)
      .executeTakeFirst();
    if (Number(row?.n ?? 0) >= MAX_PERMANENT_QR_CODES) {
      throw new AppError(
        "conflict",
        "qr_code_limit_reached",
        `An account has at most ${MAX_PERMANENT_QR_CODES} permanent QR codes; use a temporary one.`,
      );
    }
  }
  const scene = input.sceneId !== undefined ? { scene_id: input.sceneId } : { scene_str: input.sceneStr };
  const actionName = `${input.permanent ? "QR_LIMIT_" : "QR_"}${input.sceneId !== undefined ? "SCENE" : "STR_SCENE"}`;
  const expireSeconds = input.permanent ? undefined : (input.expireSeconds ?? MAX_TEMPORARY_EXPIRY_SECONDS);
  const answer = await callWechatAsAdmin(ctx, wechatAccountOf(ctx, channel), "/cgi-bin/qrcode/create", {
    body: {
      ...(expireSeconds !== undefined ? { expire_seconds: expireSeconds } : {}),
      action_name: actionName,
      action_info: { scene },
    },
  });
  if (typeof answer.ticket !== "string" || !answer.ticket) {
    throw new AppError("unavailable", "wechat_unexpected", "WeChat answered qrcode/create without a ticket.");
  }
  const seconds = typeof answer.expire_seconds === "number" ? answer.expire_seconds : expireSeconds;
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await wq(tx)
      .insertInto("wechat_qr_codes")
      .values({
        workspace_id: channel.workspace_id,
        id: uuidv7(),
        channel_id: channel.id,
        name: input.name,
        campaign: input.campaign ?? null,
        permanent: input.permanent,
        scene: String(input.sceneId ?? input.sceneStr),
        ticket: answer.ticket as string,
        url: typeof answer.url === "string" ? answer.url : null,
        expires_at: input.permanent || seconds === undefined ? null : new Date(Date.now() + seconds * 1000),
        scans: 0,
        new_followers: 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, actor, {
      action: "wechat.qr-code.created",
      objectType: "wechat_qr_code",
      objectId: row.id,
      details: { channelId: channel.id, name: row.name, scene: row.scene, permanent: row.permanent },
    });
    return row;
  });
}

/** Credits a scan (and a new follower, for a subscribe) to the QR code of that ticket, else the newest of that scene. */
export async function attributeScan(
  tx: Executor,
  scope: { workspaceId: string; channelId: string },
  scan: { scene: string; ticket: string | undefined; newFollower: boolean },
): Promise<void> {
  const set = {
    scans: sql<number>`scans + 1`,
    new_followers: sql<number>`new_followers + ${scan.newFollower ? 1 : 0}`,
  };
  const base = () =>
    wq(tx)
      .updateTable("wechat_qr_codes")
      .set(set)
      .where("workspace_id", "=", scope.workspaceId)
      .where("channel_id", "=", scope.channelId)
      .where("scene", "=", scan.scene);
  if (scan.ticket) {
    const byTicket = await base().where("ticket", "=", scan.ticket).executeTakeFirst();
    if (Number(byTicket.numUpdatedRows) > 0) return;
  }
  const newest = await wq(tx)
    .selectFrom("wechat_qr_codes")
    .select("id")
    .where("workspace_id", "=", scope.workspaceId)
    .where("channel_id", "=", scope.channelId)
    .where("scene", "=", scan.scene)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (newest) await base().where("id", "=", newest.id).execute();
}

/** The QR code's image URL (WeChat serves it for the URL-encoded ticket). */
export function qrImageUrl(ticket: string): string {
  return `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
}

/**
 * A QR code's image, fetched from WeChat (`showqrcode` on mp.weixin.qq.com; on a channel whose `apiBaseUrl`
 * is not WeChat's, the same path there, so a fake or an egress proxy serves it) with the outbound URL check.
 */
export async function fetchQrImage(
  account: WechatAccount,
  ticket: string,
): Promise<{ data: Buffer; contentType: string }> {
  const base = account.config.apiBaseUrl;
  const target =
    base === DEFAULT_API_BASE_URL
      ? qrImageUrl(ticket)
      : `${base.replace(/\/$/, "")}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
  const url = await assertOutboundUrl(target, account.config.allowPrivateNetwork === true);
  const res = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(15_000) });
  const contentType = res.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  if (!res.ok || !contentType.startsWith("image/")) {
    throw new AppError(
      "unavailable",
      "wechat_qr_image_unavailable",
      `WeChat did not serve the QR code's image (HTTP ${res.status}); an expired temporary code has none.`,
    );
  }
  const data = Buffer.from(await res.arrayBuffer());
  if (data.length > 2 * 1024 * 1024) {
    throw new AppError("unavailable", "wechat_qr_image_unavailable", "WeChat's QR image is larger than 2 MB.");
  }
  return { data, contentType };
}

/** A QR code record as the API shows it. */
export function presentQrCode(r: {
  id: string;
  channel_id: string;
  name: string;
  campaign: string | null;
  permanent: boolean;
  scene: string;
  ticket: string;
  url: string | null;
  expires_at: Date | null;
  scans: number;
  new_followers: number;
}) {
  return {
    id: r.id,
    name: r.name,
    campaign: r.campaign,
    permanent: r.permanent,
    scene: r.scene,
    url: r.url,
    imageUrl: qrImageUrl(r.ticket),
    imagePath: `/api/v1/channels/${r.channel_id}/wechat/qr-codes/${r.id}/image`,
    expiresAt: r.expires_at?.toISOString() ?? null,
    scans: r.scans,
    newFollowers: r.new_followers,
  };
}
