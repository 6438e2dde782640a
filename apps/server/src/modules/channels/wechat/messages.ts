/**
 * WeChat inbound XML (CHANNELS.md §2.4–2.5) to normalised messages and events: every message type, every
 * event, unknown ones kept with their raw fields. Values stay strings where WeChat's are 64-bit (MsgId).
 */
import { childOf, fieldsOf, parseXml, type XmlElement } from "./xml.ts";

type Common = {
  /** The account's original id (gh_…). */
  toUserName: string;
  /** The customer's OpenID for this app. */
  openId: string;
  /** Seconds since the epoch, as sent. */
  createTime: number;
  msgType: string;
  /** Every leaf field of the envelope, as sent. */
  fields: Record<string, string>;
  /** The dedupe key: `msgid:<MsgId>` or `event:<FromUserName>:<CreateTime>:<Event>:<EventKey>`. */
  dedupeKey: string;
};

/** A customer message, normalised to a Rapport message type and content. */
export type WechatMessage = Common & {
  kind: "message";
  msgId: string;
  /** Rapport's message type: text, image, voice, video, location, link, or `unsupported`. */
  type: string;
  text?: string | undefined;
  content: Record<string, unknown>;
};

/** An event (follow, scan, menu, location report, template or kf session outcome). */
export type WechatEvent = Common & {
  kind: "event";
  event: string;
  eventKey?: string | undefined;
  /** The parametric QR scene (the `qrscene_` prefix stripped) of a subscribe or SCAN. */
  scene?: string | undefined;
  ticket?: string | undefined;
  /** The timeline event type it becomes on the profile, or null when it is about no customer. */
  timelineType: string | null;
  properties: Record<string, unknown>;
};

export type WechatInbound = WechatMessage | WechatEvent;

/** A verified payload that is not a WeChat message we can read: stored raw, acked. */
export class WechatPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WechatPayloadError";
  }
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Drops undefined values (the content is stored as JSON). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ""));
}

/** Parses a plaintext message or event XML (already decrypted in safe mode). */
export function parseInbound(xml: string | XmlElement): WechatInbound {
  const root = typeof xml === "string" ? parseXml(xml) : xml;
  const f = fieldsOf(root);
  const openId = f.FromUserName?.trim();
  const msgType = f.MsgType?.trim();
  const createTime = num(f.CreateTime);
  if (!openId || !msgType || createTime === undefined || !Number.isInteger(createTime)) {
    throw new WechatPayloadError("The XML lacks FromUserName, MsgType or an integer CreateTime.");
  }
  const common = { toUserName: f.ToUserName ?? "", openId, createTime, msgType, fields: f };
  if (msgType === "event") return parseEvent(root, f, common);

  const msgId = f.MsgId?.trim();
  if (!msgId || !/^\d{1,20}$/.test(msgId)) throw new WechatPayloadError("A WeChat message without a numeric MsgId.");
  const article = compact({ msgDataId: f.MsgDataId, articleIndex: num(f.Idx) });
  const base = { ...common, kind: "message" as const, msgId, dedupeKey: `msgid:${msgId}` };
  switch (msgType) {
    case "text":
      return { ...base, type: "text", text: f.Content ?? "", content: { text: f.Content ?? "", ...article } };
    case "image":
      return { ...base, type: "image", content: compact({ url: f.PicUrl, mediaId: f.MediaId, ...article }) };
    case "voice":
      return {
        ...base,
        type: "voice",
        content: compact({
          mediaId: f.MediaId,
          mediaId16k: f.MediaId16K,
          format: f.Format,
          transcript: f.Recognition,
          ...article,
        }),
      };
    case "video":
    case "shortvideo":
      return {
        ...base,
        type: "video",
        content: compact({
          mediaId: f.MediaId,
          thumbMediaId: f.ThumbMediaId,
          short: msgType === "shortvideo" ? true : undefined,
          ...article,
        }),
      };
    case "location":
      return {
        ...base,
        type: "location",
        content: compact({
          latitude: num(f.Location_X),
          longitude: num(f.Location_Y),
          scale: num(f.Scale),
          label: f.Label,
        }),
      };
    case "link":
      return {
        ...base,
        type: "link",
        content: compact({ title: f.Title, description: f.Description, url: f.Url, ...article }),
      };
    default:
      return {
        ...base,
        type: "unsupported",
        text: `[unsupported WeChat message: ${msgType.slice(0, 40)}]`,
        content: { wechatMsgType: msgType.slice(0, 40), fields: f },
      };
  }
}

const TIMELINE_TYPES: Record<string, string> = {
  subscribe: "wechat.followed",
  unsubscribe: "wechat.unfollowed",
  SCAN: "wechat.qr-scanned",
  LOCATION: "wechat.location-reported",
  CLICK: "wechat.menu-clicked",
  VIEW: "wechat.menu-link-opened",
  view_miniprogram: "wechat.menu-miniprogram-opened",
  scancode_push: "wechat.menu-scanned",
  scancode_waitmsg: "wechat.menu-scanned",
  pic_sysphoto: "wechat.menu-photo-sent",
  pic_photo_or_album: "wechat.menu-photo-sent",
  pic_weixin: "wechat.menu-photo-sent",
  location_select: "wechat.menu-location-sent",
  TEMPLATESENDJOBFINISH: "wechat.template-delivered",
  kf_create_session: "wechat.kf-session-created",
  kf_close_session: "wechat.kf-session-closed",
  kf_switch_session: "wechat.kf-session-switched",
  subscribe_msg_popup_event: "wechat.subscribe-message-decided",
};

function parseEvent(root: XmlElement, f: Record<string, string>, common: Omit<Common, "dedupeKey">): WechatEvent {
  const event = f.Event?.trim();
  if (!event) throw new WechatPayloadError("A WeChat event without Event.");
  const eventKey = f.EventKey;
  let scene: string | undefined;
  if (event === "subscribe" && eventKey?.startsWith("qrscene_")) scene = eventKey.slice("qrscene_".length);
  else if (event === "SCAN" && eventKey) scene = eventKey;
  const properties: Record<string, unknown> = compact({
    event,
    eventKey,
    scene,
    ticket: f.Ticket,
    menuId: f.MenuId,
    latitude: num(f.Latitude),
    longitude: num(f.Longitude),
    precision: num(f.Precision),
    templateMsgId: f.MsgID,
    status: f.Status,
    kfAccount: f.KfAccount,
    fromKfAccount: f.FromKfAccount,
    toKfAccount: f.ToKfAccount,
  });
  const scan = childOf(root, "ScanCodeInfo");
  if (scan) {
    const s = fieldsOf(scan);
    properties.scanCode = compact({ type: s.ScanType, result: s.ScanResult });
  }
  const pics = childOf(root, "SendPicsInfo");
  if (pics) {
    const list = childOf(pics, "PicList")?.children ?? [];
    properties.pictures = { count: num(fieldsOf(pics).Count), md5: list.map((item) => fieldsOf(item).PicMd5Sum ?? "") };
  }
  const location = childOf(root, "SendLocationsInfo") ?? childOf(root, "SendLocationInfo");
  if (location) {
    const l = fieldsOf(location);
    properties.location = compact({
      latitude: num(l.Location_X),
      longitude: num(l.Location_Y),
      scale: num(l.Scale),
      label: l.Label,
      poiName: l.Poiname,
    });
  }
  const popup = childOf(root, "SubscribeMsgPopupEvent");
  if (popup) {
    properties.decisions = popup.children.map((item) => {
      const l = fieldsOf(item);
      return compact({ templateId: l.TemplateId, status: l.SubscribeStatusString, scene: l.PopupScene });
    });
  }
  // Mass-send reports are about the account, not one customer.
  const timelineType = event === "MASSSENDJOBFINISH" ? null : (TIMELINE_TYPES[event] ?? "wechat.event");
  return {
    ...common,
    kind: "event",
    event,
    eventKey,
    scene,
    ticket: f.Ticket,
    timelineType,
    properties,
    dedupeKey: `event:${common.openId}:${common.createTime}:${event}:${eventKey ?? ""}`,
  };
}

/** The kind of customer-service window an event opens (§2.9), if any. */
export function windowOpenedBy(inbound: WechatInbound): "message" | "interaction" | null {
  if (inbound.kind === "message") return "message";
  switch (inbound.event) {
    case "subscribe":
    case "SCAN":
    case "CLICK":
    case "scancode_push":
    case "scancode_waitmsg":
      return "interaction";
    default:
      return null;
  }
}
