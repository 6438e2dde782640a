import { describe, expect, it } from "vitest";
import { contentFor } from "./replies.ts";
import type { ReplyContent } from "./rules.ts";

const WECHAT = ["text", "image", "voice", "video", "music", "news", "mpnews", "msgmenu", "miniprogrampage", "wxcard"];
const API = ["text", "image", "file", "link", "location", "card", "quick-replies", "template"];
const EMAIL = ["text"];

describe("reply content per channel", () => {
  it.each([
    [{ kind: "text", text: "hi" }, WECHAT, { type: "text", text: "hi" }],
    [{ kind: "image", mediaId: "M1" }, WECHAT, { type: "image", mediaId: "M1" }],
    [{ kind: "voice", mediaId: "V1" }, WECHAT, { type: "voice", mediaId: "V1" }],
    [{ kind: "video", mediaId: "X1", title: "How to" }, WECHAT, { type: "video", mediaId: "X1", title: "How to" }],
    [{ kind: "article", title: "Returns", url: "https://a.example/r" }, WECHAT, { type: "news", title: "Returns" }],
    [{ kind: "article", title: "Returns", url: "https://a.example/r" }, API, { type: "card", title: "Returns" }],
    [{ kind: "url", url: "https://a.example" }, API, { type: "link", url: "https://a.example" }],
    [{ kind: "url", url: "https://a.example" }, WECHAT, { type: "text", text: "https://a.example" }],
    [
      { kind: "miniprogram", title: "Service", appId: "wx1", pagePath: "pages/kf", thumbMediaId: "T" },
      WECHAT,
      { type: "miniprogrampage", appId: "wx1" },
    ],
    [{ kind: "agent_card", agentId: "0190a000-0000-7000-8000-000000000002" }, API, { type: "card", title: "Ann" }],
    [{ kind: "agent_card", agentId: "0190a000-0000-7000-8000-000000000002" }, EMAIL, { type: "text", text: "Ann" }],
    [{ kind: "qr_code", url: "https://qr.example/1.png" }, API, { type: "image", url: "https://qr.example/1.png" }],
    [
      { kind: "quick_replies", text: "Pick", options: [{ id: "1", label: "Track" }] },
      WECHAT,
      { type: "msgmenu", headContent: "Pick", list: [{ id: "1", content: "Track" }] },
    ],
    [
      { kind: "quick_replies", text: "Pick", options: [{ id: "1", label: "Track" }] },
      API,
      { type: "quick-replies", text: "Pick" },
    ],
    [
      { kind: "quick_replies", text: "Pick", options: [{ id: "1", label: "Track" }] },
      EMAIL,
      { type: "text", text: "Pick\n1. Track" },
    ],
  ] as const)("%j on %j", (content, types, expected) => {
    const fit = contentFor(content as ReplyContent, types, "Ann");
    expect(fit.ok && fit.content).toMatchObject(expected);
  });

  it("says why a channel cannot carry a kind", () => {
    const fit = contentFor({ kind: "miniprogram", title: "S", appId: "wx1", pagePath: "p", thumbMediaId: "T" }, EMAIL);
    expect(fit).toEqual({
      ok: false,
      reason: "a miniprogram reply needs one of miniprogrampage; this channel carries text",
    });
    expect(contentFor({ kind: "voice", mediaId: "V" }, API).ok).toBe(false);
  });
});
