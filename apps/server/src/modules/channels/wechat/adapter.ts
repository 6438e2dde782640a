/**
 * The WeChat Official Account channel: config rules, webhook routes, the customer-service window gate and
 * outbound customer-service messages (`message/custom/send`) through the engine's send job.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { MessageRow } from "../../conversations/index.ts";
import { type ChannelAdapter, ChannelSendError, type ContactOutbound, type SendResult } from "../contract.ts";
import type { ChannelRow } from "../repository.ts";
import { callWechat, ERROR_MEANINGS, isFinalWechatRefusal, testCredentials, WechatApiError } from "./api.ts";
import { configureWechat, WECHAT_SECRET_FIELDS, wechatAccountOf } from "./config.ts";
import { kfAccountOfAgent } from "./kf.ts";
import { registerWechatRoutes } from "./routes.ts";
import { templatesOffered } from "./templates.ts";
import { forgetWechatAccount } from "./webhook.ts";
import { applyWindowRefusal, refusalText, spendReply } from "./window.ts";

/** Content types an agent may send as customer-service messages. */
export const WECHAT_CONTENT_TYPES = [
  "text",
  "image",
  "voice",
  "video",
  "music",
  "news",
  "mpnews",
  "mpnewsarticle",
  "msgmenu",
  "miniprogrampage",
  "wxcard",
] as const;

const id = z.string().trim().min(1).max(200);
const opt = z.string().max(2000).optional();
const Payloads = {
  image: z.looseObject({ mediaId: id }),
  voice: z.looseObject({ mediaId: id }),
  video: z.looseObject({ mediaId: id, thumbMediaId: id.optional(), title: opt, description: opt }),
  music: z.looseObject({ thumbMediaId: id, title: opt, description: opt, musicUrl: opt, hqMusicUrl: opt }),
  // Customer-service news carries exactly one article card.
  news: z.looseObject({ title: z.string().min(1).max(200), description: opt, url: opt, picUrl: opt }),
  mpnews: z.looseObject({ mediaId: id }),
  mpnewsarticle: z.looseObject({ articleId: id }),
  msgmenu: z.looseObject({
    headContent: opt,
    tailContent: opt,
    list: z
      .array(z.object({ id: z.string().min(1).max(64), content: z.string().min(1).max(200) }))
      .min(1)
      .max(10),
  }),
  miniprogrampage: z.looseObject({ title: z.string().max(200), appId: id, pagePath: id, thumbMediaId: id }),
  wxcard: z.looseObject({ cardId: id }),
};

/** The `message/custom/send` body of a Rapport message (content fields in camelCase, as the API takes them). */
export function customSendBody(message: Pick<MessageRow, "type" | "text" | "content">, openId: string) {
  const content = (message.content ?? {}) as Record<string, unknown>;
  const parse = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(content);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ChannelSendError(
      `A WeChat ${message.type} message needs content.${issue?.path.join(".") || "?"}: ${issue?.message}.`,
      true,
    );
  };
  const base = { touser: openId, msgtype: message.type };
  switch (message.type) {
    case "text":
      if (!message.text.trim()) throw new ChannelSendError("A WeChat text message cannot be empty.", true);
      return { ...base, text: { content: message.text } };
    case "image":
    case "voice":
    case "mpnews":
      return { ...base, [message.type]: { media_id: parse(Payloads[message.type]).mediaId } };
    case "video": {
      const v = parse(Payloads.video);
      return {
        ...base,
        video: { media_id: v.mediaId, thumb_media_id: v.thumbMediaId, title: v.title, description: v.description },
      };
    }
    case "music": {
      const m = parse(Payloads.music);
      return {
        ...base,
        music: {
          title: m.title,
          description: m.description,
          musicurl: m.musicUrl,
          hqmusicurl: m.hqMusicUrl,
          thumb_media_id: m.thumbMediaId,
        },
      };
    }
    case "news": {
      const n = parse(Payloads.news);
      return {
        ...base,
        news: { articles: [{ title: n.title, description: n.description, url: n.url, picurl: n.picUrl }] },
      };
    }
    case "mpnewsarticle":
      return { ...base, mpnewsarticle: { article_id: parse(Payloads.mpnewsarticle).articleId } };
    case "msgmenu": {
      const m = parse(Payloads.msgmenu);
      return {
        ...base,
        msgmenu: { head_content: m.headContent ?? "", list: m.list, tail_content: m.tailContent ?? "" },
      };
    }
    case "miniprogrampage": {
      const p = parse(Payloads.miniprogrampage);
      return {
        ...base,
        miniprogrampage: { title: p.title, appid: p.appId, pagepath: p.pagePath, thumb_media_id: p.thumbMediaId },
      };
    }
    case "wxcard":
      return { ...base, wxcard: { card_id: parse(Payloads.wxcard).cardId } };
    default:
      throw new ChannelSendError(`WeChat cannot carry "${message.type}" messages.`, true);
  }
}

/** A closed or spent window's refusal, naming the template messages that can still reach the customer. */
function offerTemplates(err: AppError, templates: { templateId: string; title: string; variables: string[] }[]) {
  const offer = templates.length
    ? ` Template messages this account can send: ${templates.map((t) => `"${t.title}" (${t.templateId})`).join(", ")}.`
    : " This account has no synced template messages.";
  const details = typeof err.details === "object" && err.details !== null ? err.details : {};
  return new AppError(err.kind, err.reason, `${err.message}${offer}`, { ...details, templates });
}

/** Sends one customer-service message (a case's reply, or a message written to a contact without a case). */
async function sendCustomMessage(
  ctx: AppContext,
  channel: ChannelRow,
  message: ContactOutbound,
  recipient: { externalId: string },
): Promise<SendResult> {
  const account = wechatAccountOf(ctx, channel);
  const body: Record<string, unknown> = customSendBody(message, recipient.externalId);
  const content = (message.content ?? {}) as Record<string, unknown>;
  // The message's own kf account, else the one its agent is mapped to, else the channel's.
  const kfAccount =
    (typeof content.kfAccount === "string" ? content.kfAccount : undefined) ??
    (message.author_id ? await kfAccountOfAgent(ctx.database.db, channel, message.author_id) : undefined) ??
    account.config.kfAccount;
  if (kfAccount) body.customservice = { kf_account: kfAccount };
  try {
    await callWechat(ctx, account, "/cgi-bin/message/custom/send", { body });
    return {};
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    if (err.code === 45015 || err.code === 45047) {
      const scope = { workspaceId: channel.workspace_id, channelId: channel.id, openId: recipient.externalId };
      await applyWindowRefusal(ctx.database.db, scope, err.code);
      throw new ChannelSendError(refusalText(err.code), true);
    }
    throw new ChannelSendError(err.message, isFinalWechatRefusal(err));
  }
}

export const wechatChannel: ChannelAdapter = {
  type: "wechat",
  capabilities: {
    contentTypes: WECHAT_CONTENT_TYPES,
    // Shown on the case: the window of a customer message (the gate below applies every rule of §2.9).
    replyWindow: {
      hours: 48,
      maxMessages: 5,
      afterClose: "Use a template message, or wait for the customer to write, click a menu or scan a QR code.",
    },
    replyGate: async (tx, c) => {
      const scope = { workspaceId: c.workspaceId, channelId: c.channelId, openId: c.externalThreadId };
      try {
        await spendReply(tx, scope);
      } catch (err) {
        if (
          err instanceof AppError &&
          (err.reason === "reply_window_closed" || err.reason === "reply_quota_exhausted")
        ) {
          throw offerTemplates(err, await templatesOffered(tx, scope));
        }
        throw err;
      }
    },
    ratePerSecond: 20,
  },
  secretFields: WECHAT_SECRET_FIELDS,
  configure: (_ctx, input, current) => configureWechat(input, current),
  webhookPath: (channelId) => `/webhooks/wechat/${channelId}`,
  registerRoutes: registerWechatRoutes,
  onUpdated: forgetWechatAccount,

  async testConnection(ctx, channel) {
    const account = wechatAccountOf(ctx, channel);
    try {
      await testCredentials(account);
    } catch (err) {
      if (err instanceof WechatApiError) {
        const credentials = err.code === 40125 || err.code === 40013 || err.code === 40001;
        throw new AppError(
          "unprocessable",
          credentials ? "wechat_credentials_rejected" : "wechat_connection_failed",
          credentials
            ? `WeChat rejected the credentials (${err.code})`
            : `WeChat refused the connection (${err.code}${ERROR_MEANINGS[err.code] ? `: ${ERROR_MEANINGS[err.code]}` : ""})`,
          { code: err.code },
        );
      }
      throw err;
    }
    return { detail: `WeChat accepted the credentials of ${account.config.appId}.` };
  },

  contactAddress: (channel, identity) => {
    const appId = (channel.config as { appId?: unknown }).appId;
    return identity.kind === "wechat_openid" && identity.namespace === appId ? identity.external_id : undefined;
  },
  sendToContact: (ctx, channel, message, recipient) => sendCustomMessage(ctx, channel, message, recipient),
  send: (ctx, channel, message, recipient) => sendCustomMessage(ctx, channel, message, recipient),
};
