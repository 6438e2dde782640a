/**
 * The WeChat server URL (CHANNELS.md §2.1–2.6): URL verification, and pushes in plain, compat and safe
 * mode. Order: signature on the raw query values (constant time) → timestamp freshness → msg_signature
 * over the Encrypt value → decrypt and app id check → parse → dedupe → persist → passive reply or
 * `success`. A verified payload we cannot read is stored raw and acked, never answered with an error page.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { DuplicateRace } from "../../conversations/index.ts";
import { ingestEvents } from "../../profiles/index.ts";
import { type ChannelRow, findChannelById, inboundPayloadsInsert } from "../repository.ts";
import { type WechatAccount, wechatAccountOf } from "./config.ts";
import { encryptedReplyEnvelope, isSignatureValid, openEncryptedCallback, WxCryptError } from "./crypto.ts";
import { storeWechatMessage } from "./ingest.ts";
import { parseInbound, type WechatInbound, WechatPayloadError, windowOpenedBy } from "./messages.ts";
import { attributeScan } from "./qr-codes.ts";
import { type PassiveReply, renderPassiveReply } from "./reply.ts";
import { wq } from "./repository.ts";
import { finishTemplateSend } from "./templates.ts";
import { openWindow } from "./window.ts";
import { XmlError } from "./xml.ts";

export type WebhookResponse = { status: number; body: string; contentType: string };

const text = (status: number, body: string): WebhookResponse => ({
  status,
  body,
  contentType: "text/plain; charset=utf-8",
});
const SUCCESS = "success";

export const WebhookQuery = z.looseObject({
  signature: z.string().max(100).optional(),
  timestamp: z.string().max(20).optional(),
  nonce: z.string().max(100).optional(),
  echostr: z.string().max(1000).optional(),
  openid: z.string().max(100).optional(),
  encrypt_type: z.string().max(20).optional(),
  msg_signature: z.string().max(100).optional(),
});
export type WebhookQuery = z.infer<typeof WebhookQuery>;

/** What a passive replier (keyword auto-replies, later) gets, and how long it may take. */
export type PassiveReplyRequest = {
  workspaceId: string;
  channelId: string;
  inbound: WechatInbound;
  contactId: string | null;
  caseId: string | null;
};
export type PassiveReplier = (request: PassiveReplyRequest) => Promise<PassiveReply | null>;

/** How long the webhook waits for a passive reply before answering `success` (WeChat gives up at 5 s). */
export const PASSIVE_REPLY_BUDGET_MS = 4000;
let passiveReplier: PassiveReplier | null = null;
let passiveReplyBudgetMs = PASSIVE_REPLY_BUDGET_MS;

/** Installs the function that decides passive replies (null removes it); it gets ~4 s, then `success` goes out. */
export function setWechatPassiveReplier(replier: PassiveReplier | null, budgetMs = PASSIVE_REPLY_BUDGET_MS): void {
  passiveReplier = replier;
  passiveReplyBudgetMs = budgetMs;
}

const accounts = new TtlCache<string, WechatAccount>(10_000, 10_000);

/** Forgets a channel's cached config (after an update), so the next webhook reads the new keys. */
export function forgetWechatAccount(channelId: string): void {
  accounts.delete(channelId);
}

async function accountOf(ctx: AppContext, channelId: string): Promise<WechatAccount | null> {
  if (!z.uuid().safeParse(channelId).success) return null;
  const hit = accounts.get(channelId);
  if (hit) return hit;
  const channel = await findChannelById(ctx.database.db, channelId);
  if (channel?.type !== "wechat" || channel.disabled_at) return null;
  const account = wechatAccountOf(ctx, channel);
  accounts.set(channelId, account);
  return account;
}

const refused = (reason: string) => text(401, reason);

function checkFreshness(account: WechatAccount, timestamp: string, now: number): boolean {
  const skew = account.config.maxClockSkewSeconds;
  return skew === 0 || Math.abs(now / 1000 - Number(timestamp)) <= skew;
}

/** GET: server URL verification. Answers `echostr` unchanged when the signature holds. */
export async function verifyServerUrl(
  ctx: AppContext,
  channelId: string,
  query: WebhookQuery,
  now = Date.now(),
): Promise<WebhookResponse> {
  const account = await accountOf(ctx, channelId);
  if (!account) return text(404, "unknown channel");
  const { signature, timestamp, nonce, echostr } = query;
  if (!timestamp || !nonce || echostr === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return text(400, "signature, timestamp, nonce and echostr are required");
  }
  if (!isSignatureValid(signature, [account.secrets.token, timestamp, nonce])) return refused("invalid signature");
  if (!checkFreshness(account, timestamp, now)) return refused("timestamp out of range");
  return text(200, echostr);
}

type Opened = { plaintext: string; key: Buffer | null };

/** Authenticates a push and returns its plaintext XML, or the response refusing it. */
function openPush(
  account: WechatAccount,
  query: WebhookQuery,
  raw: string,
  now: number,
): { ok: true; opened: Opened } | { ok: false; response: WebhookResponse } {
  const { signature, timestamp, nonce } = query;
  const encrypted = query.encrypt_type === "aes";
  const token = account.secrets.token;
  if (!timestamp || !nonce || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, response: refused("timestamp and nonce are required") };
  }
  // The query signature needs nothing from the body: checked first, before any byte of it is read.
  if ((signature !== undefined || !encrypted) && !isSignatureValid(signature, [token, timestamp, nonce])) {
    return { ok: false, response: refused("invalid signature") };
  }
  if (!checkFreshness(account, timestamp, now)) return { ok: false, response: refused("timestamp out of range") };
  if (!encrypted) {
    if (account.config.messageMode === "safe") {
      return { ok: false, response: refused("this channel is in safe mode: plaintext pushes are refused") };
    }
    return { ok: true, opened: { plaintext: raw, key: null } };
  }
  try {
    const decrypted = openEncryptedCallback({
      token,
      appId: account.config.appId,
      keys: account.aesKeys,
      msgSignature: query.msg_signature,
      timestamp,
      nonce,
      body: raw,
    });
    return { ok: true, opened: { plaintext: decrypted.msg, key: decrypted.key } };
  } catch (err) {
    if (err instanceof WxCryptError && err.reason === "app_id_mismatch") {
      return { ok: false, response: refused("encrypted for another app id") };
    }
    if (err instanceof WxCryptError && (err.reason === "signature_invalid" || err.reason === "xml_invalid")) {
      return {
        ok: false,
        response: refused(err.reason === "xml_invalid" ? "no Encrypt element" : "invalid msg_signature"),
      };
    }
    throw err;
  }
}

/** POST: a message or event push. */
export async function receivePush(
  ctx: AppContext,
  channelId: string,
  query: WebhookQuery,
  body: Buffer | undefined,
  now = Date.now(),
): Promise<WebhookResponse> {
  const account = await accountOf(ctx, channelId);
  if (!account) return text(404, "unknown channel");
  const raw = body ? body.toString("utf8") : "";
  let opened: Opened;
  try {
    const result = openPush(account, query, raw, now);
    if (!result.ok) return result.response;
    opened = result.opened;
  } catch (err) {
    // Signed by WeChat (or by someone holding the token) but not decryptable with our keys: keep it for replay.
    await storeRaw(ctx, account.channel, { body: raw, encrypted: true, error: errorText(err) });
    ctx.logger.warn(
      { channelId, code: err instanceof WxCryptError ? err.code : undefined },
      "wechat push undecryptable",
    );
    return text(200, SUCCESS);
  }

  let inbound: WechatInbound;
  try {
    inbound = parseInbound(opened.plaintext);
  } catch (err) {
    if (!(err instanceof XmlError || err instanceof WechatPayloadError)) throw err;
    await storeRaw(ctx, account.channel, {
      body: opened.plaintext,
      encrypted: opened.key !== null,
      error: err.message,
    });
    return text(200, SUCCESS);
  }

  const ws = account.channel.workspace_id;
  // Events touch the timeline before our transaction: skip a known one up front. Messages dedupe in it.
  const known =
    inbound.kind === "event" ? await findReply(ctx.database.db, ws, channelId, inbound.dedupeKey) : undefined;
  let reply: string;
  if (known !== undefined) {
    reply = known ?? SUCCESS;
  } else {
    const stored = await persist(ctx, account, inbound, opened);
    if (stored.duplicate) {
      reply = (await findReply(ctx.database.db, ws, channelId, inbound.dedupeKey)) ?? SUCCESS;
    } else {
      reply = await decideReply(ctx, account, inbound, stored);
    }
  }
  if (reply === SUCCESS) return text(200, SUCCESS);
  if (opened.key) {
    return {
      status: 200,
      contentType: "application/xml; charset=utf-8",
      body: encryptedReplyEnvelope({
        key: opened.key,
        appId: account.config.appId,
        token: account.secrets.token,
        reply,
        timestamp: String(Math.floor(now / 1000)),
        nonce: query.nonce ?? "",
      }),
    };
  }
  return { status: 200, contentType: "application/xml; charset=utf-8", body: reply };
}

function errorText(err: unknown): string {
  if (err instanceof WxCryptError) return `${err.code} ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

async function storeRaw(
  ctx: AppContext,
  channel: ChannelRow,
  payload: { body: string; encrypted: boolean; error?: string | undefined },
  tx: Executor = ctx.database.db,
): Promise<void> {
  const body = payload.body.slice(0, 65_536);
  await inboundPayloadsInsert([
    {
      workspace_id: channel.workspace_id,
      channel_id: channel.id,
      payload: JSON.stringify({ format: "wechat-xml", ...payload, body }),
    },
  ]).execute(tx);
}

/** The reply stored for a dedupe key: undefined when the key is new, null while the first delivery runs. */
async function findReply(db: Executor, ws: string, channelId: string, key: string) {
  const row = await wq(db)
    .selectFrom("wechat_inbound")
    .select("reply")
    .where("workspace_id", "=", ws)
    .where("channel_id", "=", channelId)
    .where("dedupe_key", "=", key)
    .executeTakeFirst();
  return row ? row.reply : undefined;
}

type Persisted = { duplicate: true } | { duplicate: false; contactId: string | null; caseId: string | null };

async function persist(
  ctx: AppContext,
  account: WechatAccount,
  inbound: WechatInbound,
  opened: Opened,
): Promise<Persisted> {
  if (inbound.kind === "message") {
    return storeWechatMessage(ctx, {
      account,
      inbound,
      plaintext: opened.plaintext,
      encrypted: opened.key !== null,
      // Without a passive replier the answer is known now; with one, it is stored once decided.
      reply: passiveReplier ? null : SUCCESS,
    });
  }
  const channel = account.channel;
  const ws = channel.workspace_id;
  const identity = { kind: "wechat_openid" as const, externalId: inbound.openId, namespace: account.config.appId };
  const at = new Date(Math.min(inbound.createTime * 1000, Date.now()));
  let contactId: string | null = null;
  if (inbound.kind === "event" && inbound.timelineType) {
    // Idempotent by client event id, so a retried delivery adds nothing: safe outside our transaction.
    const [result] = await ingestEvents(ctx, { type: "system", workspaceId: ws }, [
      {
        id: `wechat:${channel.id}:${inbound.dedupeKey}`,
        type: inbound.timelineType,
        occurredAt: at,
        source: `channel:${channel.id}`,
        channel: "wechat",
        properties: inbound.properties,
        identity,
        hints: { source: `channel:${channel.id}` },
      },
    ]);
    contactId = result?.contactId ?? null;
  }
  const run = () =>
    runTransaction(ctx.database, async (tx): Promise<Persisted> => {
      const claimed = await wq(tx)
        .insertInto("wechat_inbound")
        .values({
          workspace_id: ws,
          channel_id: channel.id,
          dedupe_key: inbound.dedupeKey,
          // Without a passive replier the answer is known now; with one, it is stored once decided.
          reply: passiveReplier ? null : SUCCESS,
        })
        .onConflict((oc) => oc.columns(["workspace_id", "channel_id", "dedupe_key"]).doNothing())
        .returning("dedupe_key")
        .executeTakeFirst();
      if (!claimed) return { duplicate: true };
      await storeRaw(ctx, channel, { body: opened.plaintext, encrypted: opened.key !== null }, tx);
      const kind = windowOpenedBy(inbound);
      const scope = { workspaceId: ws, channelId: channel.id, openId: inbound.openId };
      if (kind) await openWindow(tx, scope, kind, at);
      if (inbound.kind === "event" && inbound.scene !== undefined) {
        await attributeScan(
          tx,
          { workspaceId: ws, channelId: channel.id },
          { scene: inbound.scene, ticket: inbound.ticket, newFollower: inbound.event === "subscribe" },
        );
      }
      const templateMsgId = inbound.kind === "event" ? inbound.properties.templateMsgId : undefined;
      if (inbound.kind === "event" && inbound.event === "TEMPLATESENDJOBFINISH" && typeof templateMsgId === "string") {
        const status = typeof inbound.properties.status === "string" ? inbound.properties.status : "";
        await finishTemplateSend(tx, { workspaceId: ws, channelId: channel.id }, templateMsgId, status, at);
      }
      return { duplicate: false, contactId, caseId: null };
    });
  try {
    return await run();
  } catch (err) {
    if (err instanceof DuplicateRace) return { duplicate: true };
    throw err;
  }
}

async function decideReply(
  ctx: AppContext,
  account: WechatAccount,
  inbound: WechatInbound,
  stored: { contactId: string | null; caseId: string | null },
): Promise<string> {
  const replier = passiveReplier;
  if (!replier) return SUCCESS;
  let reply = SUCCESS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), passiveReplyBudgetMs);
  });
  try {
    const decided = await Promise.race([
      replier({ workspaceId: account.channel.workspace_id, channelId: account.channel.id, inbound, ...stored }),
      timeout,
    ]);
    if (decided) {
      reply = renderPassiveReply(decided, {
        toUser: inbound.openId,
        fromUser: inbound.toUserName,
        createTime: Math.floor(Date.now() / 1000),
      });
    }
  } catch (err) {
    ctx.logger.error({ err, channelId: account.channel.id }, "wechat passive replier failed");
  } finally {
    clearTimeout(timer);
  }
  await wq(ctx.database.db)
    .updateTable("wechat_inbound")
    .set({ reply })
    .where("workspace_id", "=", account.channel.workspace_id)
    .where("channel_id", "=", account.channel.id)
    .where("dedupe_key", "=", inbound.dedupeKey)
    .execute();
  return reply;
}
