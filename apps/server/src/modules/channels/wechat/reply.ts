/** Passive replies (CHANNELS.md §2.7): the XML answered in the webhook response itself, within 5 seconds. */
import { cdata } from "./crypto.ts";

export type PassiveReply =
  | { type: "text"; content: string }
  | { type: "image"; mediaId: string }
  | { type: "voice"; mediaId: string }
  | { type: "video"; mediaId: string; title?: string | undefined; description?: string | undefined }
  | {
      type: "music";
      title?: string | undefined;
      description?: string | undefined;
      musicUrl?: string | undefined;
      hqMusicUrl?: string | undefined;
      thumbMediaId: string;
    }
  | {
      type: "news";
      articles: { title: string; description?: string | undefined; picUrl?: string | undefined; url?: string }[];
    }
  | { type: "transfer_customer_service"; kfAccount?: string | undefined };

const el = (name: string, value: string | undefined) =>
  value === undefined ? "" : `<${name}>${cdata(value)}</${name}>`;

/** Renders a passive reply to the customer (`toUser`: their OpenID; `fromUser`: the account's gh_ id). */
export function renderPassiveReply(
  reply: PassiveReply,
  to: { toUser: string; fromUser: string; createTime: number },
): string {
  const head = `<ToUserName>${cdata(to.toUser)}</ToUserName><FromUserName>${cdata(to.fromUser)}</FromUserName><CreateTime>${Math.trunc(to.createTime)}</CreateTime><MsgType>${cdata(reply.type)}</MsgType>`;
  let body: string;
  switch (reply.type) {
    case "text":
      body = el("Content", reply.content);
      break;
    case "image":
      body = `<Image>${el("MediaId", reply.mediaId)}</Image>`;
      break;
    case "voice":
      body = `<Voice>${el("MediaId", reply.mediaId)}</Voice>`;
      break;
    case "video":
      body = `<Video>${el("MediaId", reply.mediaId)}${el("Title", reply.title)}${el("Description", reply.description)}</Video>`;
      break;
    case "music":
      body = `<Music>${el("Title", reply.title)}${el("Description", reply.description)}${el("MusicUrl", reply.musicUrl)}${el("HQMusicUrl", reply.hqMusicUrl)}${el("ThumbMediaId", reply.thumbMediaId)}</Music>`;
      break;
    case "news": {
      const items = reply.articles.slice(0, 8);
      body = `<ArticleCount>${items.length}</ArticleCount><Articles>${items
        .map(
          (a) =>
            `<item>${el("Title", a.title)}${el("Description", a.description)}${el("PicUrl", a.picUrl)}${el("Url", a.url)}</item>`,
        )
        .join("")}</Articles>`;
      break;
    }
    case "transfer_customer_service":
      body = reply.kfAccount ? `<TransInfo>${el("KfAccount", reply.kfAccount)}</TransInfo>` : "";
      break;
  }
  return `<xml>${head}${body}</xml>`;
}
