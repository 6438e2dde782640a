/**
 * Maps a rule's reply content to what the case's channel carries: each kind lists the content types that can
 * render it, best first (a WeChat article is a `news` card, an api channel's is a `card`; quick replies are a
 * WeChat `msgmenu`, the api channel's `quick-replies`, or a numbered text elsewhere). Pure.
 */
import type { ReplyContent } from "./rules.ts";

/** A message content as sendReply takes it. */
export type OutboundContent = { type: string; [key: string]: unknown };

type Option = { type: string; build(): OutboundContent };

function optionsFor(c: ReplyContent, agentName: string | undefined): Option[] {
  const media = (type: string, extra: Record<string, unknown> = {}): Option => ({
    type,
    build: () => ({
      type,
      ...("mediaId" in c && c.mediaId ? { mediaId: c.mediaId } : {}),
      ...("url" in c && c.url ? { url: c.url } : {}),
      ...extra,
    }),
  });
  switch (c.kind) {
    case "text":
      return [{ type: "text", build: () => ({ type: "text", text: c.text }) }];
    case "image":
      return [media("image", c.caption ? { caption: c.caption } : {})];
    case "qr_code":
      return [media("image", { caption: c.caption ?? "QR code" })];
    case "voice":
      return [media("voice")];
    case "video":
      return [
        media("video", {
          ...(c.title ? { title: c.title } : {}),
          ...(c.description ? { description: c.description } : {}),
        }),
      ];
    case "article": {
      const card = { title: c.title, description: c.description, url: c.url, picUrl: c.picUrl };
      return [
        { type: "news", build: () => ({ type: "news", ...card }) },
        { type: "card", build: () => ({ type: "card", ...card }) },
        { type: "link", build: () => ({ type: "link", title: c.title, url: c.url }) },
      ].filter((o) => o.type !== "link" || c.url);
    }
    case "url":
      return [
        { type: "link", build: () => ({ type: "link", url: c.url, title: c.title ?? c.url }) },
        { type: "text", build: () => ({ type: "text", text: c.title ? `${c.title} ${c.url}` : c.url }) },
      ];
    case "miniprogram":
      return [
        {
          type: "miniprogrampage",
          build: () => ({
            type: "miniprogrampage",
            title: c.title,
            appId: c.appId,
            pagePath: c.pagePath,
            thumbMediaId: c.thumbMediaId,
          }),
        },
      ];
    case "agent_card": {
      const title = agentName ?? "Your agent";
      return [
        { type: "card", build: () => ({ type: "card", title, description: c.note, agentId: c.agentId }) },
        { type: "news", build: () => ({ type: "news", title, description: c.note }) },
        { type: "text", build: () => ({ type: "text", text: c.note ? `${title}: ${c.note}` : title }) },
      ];
    }
    case "quick_replies":
      return [
        { type: "quick-replies", build: () => ({ type: "quick-replies", text: c.text, options: c.options }) },
        {
          type: "msgmenu",
          build: () => ({
            type: "msgmenu",
            headContent: c.text,
            list: c.options.map((o) => ({ id: o.id, content: o.label })),
          }),
        },
        {
          type: "text",
          build: () => ({ type: "text", text: [c.text, ...c.options.map((o) => `${o.id}. ${o.label}`)].join("\n") }),
        },
      ];
  }
}

/** The content to send on a channel carrying `contentTypes`, or why none fits (the action is then skipped). */
export function contentFor(
  c: ReplyContent,
  contentTypes: readonly string[],
  agentName?: string,
): { ok: true; content: OutboundContent } | { ok: false; reason: string } {
  const options = optionsFor(c, agentName);
  const fit = options.find((o) => contentTypes.includes(o.type));
  if (fit) return { ok: true, content: fit.build() };
  return {
    ok: false,
    reason: `a ${c.kind} reply needs one of ${options.map((o) => o.type).join(", ")}; this channel carries ${contentTypes.join(", ")}`,
  };
}
