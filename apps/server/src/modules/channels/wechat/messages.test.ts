import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInbound, type WechatEvent, type WechatMessage, WechatPayloadError, windowOpenedBy } from "./messages.ts";
import { type PassiveReply, renderPassiveReply } from "./reply.ts";
import { parseXml, type XmlElement, XmlError } from "./xml.ts";

type Fixture = {
  id: string;
  format: "xml" | "json";
  body: unknown;
  expect: { fields?: Record<string, string> };
  dedupe_key?: string;
  derived_scene?: string;
};
const fixtures = (
  JSON.parse(readFileSync(new URL("./fixtures/wechat-oa-messages.json", import.meta.url), "utf8")) as {
    fixtures: Fixture[];
  }
).fixtures;
const xmlFixtures = fixtures.filter((f) => f.format === "xml");
const byId = (id: string) => {
  const f = xmlFixtures.find((x) => x.id === id);
  if (!f) throw new Error(`no fixture ${id}`);
  return f.body as string;
};

/** Every leaf element's text at any depth, first occurrence winning. */
function leaves(e: XmlElement, out: Record<string, string> = {}): Record<string, string> {
  for (const c of e.children) {
    if (c.children.length) leaves(c, out);
    else if (!(c.name in out)) out[c.name] = c.text;
  }
  return out;
}

describe("WeChat XML fixtures (wechat-oa-messages.json)", () => {
  it("has the 17 XML fixtures this suite covers", () => {
    expect(xmlFixtures.length).toBe(17);
  });

  it.each(xmlFixtures)("$id: parses to the expected fields", (f) => {
    const fields = leaves(parseXml(f.body as string));
    expect(fields).toMatchObject(f.expect.fields ?? {});
  });

  const inbound = xmlFixtures.filter((f) => f.id.startsWith("msg-") || f.id.startsWith("event-"));
  it.each(inbound)("$id: normalises to a message or event with its dedupe key", (f) => {
    const parsed = parseInbound(f.body as string);
    expect(parsed.openId).toBe(leaves(parseXml(f.body as string)).FromUserName);
    if (f.dedupe_key?.startsWith("msgid:")) expect(parsed.dedupeKey).toBe(f.dedupe_key);
    if (f.dedupe_key?.startsWith("event:")) expect(parsed.dedupeKey.startsWith(`${f.dedupe_key}:`)).toBe(true);
    if (f.derived_scene) expect((parsed as WechatEvent).scene).toBe(f.derived_scene);
  });

  it("maps each message type to Rapport content", () => {
    const text = parseInbound(byId("msg-text")) as WechatMessage;
    expect(text).toMatchObject({ kind: "message", type: "text", text: "this is a test", msgId: "1234567890123456" });
    expect(text.createTime).toBe(1348831860);
    expect((parseInbound(byId("msg-image")) as WechatMessage).content).toEqual({
      url: "this is a url",
      mediaId: "media_id",
    });
    expect((parseInbound(byId("msg-voice")) as WechatMessage).content).toEqual({
      mediaId: "media_id",
      format: "Format",
    });
    expect((parseInbound(byId("msg-video")) as WechatMessage).content).toEqual({
      mediaId: "media_id",
      thumbMediaId: "thumb_media_id",
    });
    expect((parseInbound(byId("msg-location")) as WechatMessage).content).toEqual({
      latitude: 23.134521,
      longitude: 113.358803,
      scale: 20,
      label: "位置信息",
    });
    expect((parseInbound(byId("msg-link")) as WechatMessage).content).toMatchObject({
      title: "公众平台官网链接",
      url: "url",
    });
  });

  it("keeps the voice transcript, marks short videos and articles' ids, and keeps 64-bit MsgIds exact", () => {
    const voice = parseInbound(
      byId("msg-voice").replace(
        "<MsgId>1234567890123456</MsgId>",
        "<Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>6054768590064713728</MsgId>",
      ),
    ) as WechatMessage;
    expect(voice.content.transcript).toBe("腾讯微信团队");
    expect(voice.msgId).toBe("6054768590064713728");
    const short = parseInbound(byId("msg-video").replace("[video]", "[shortvideo]")) as WechatMessage;
    expect(short).toMatchObject({ type: "video", content: { short: true } });
    const fromArticle = parseInbound(
      byId("msg-text").replace("</xml>", "<MsgDataId>xxxx</MsgDataId><Idx>1</Idx></xml>"),
    ) as WechatMessage;
    expect(fromArticle.content).toMatchObject({ msgDataId: "xxxx", articleIndex: 1 });
  });

  it("maps events to timeline types, scenes and the windows they open", () => {
    const cases: [string, string | null, string | undefined, ReturnType<typeof windowOpenedBy>][] = [
      ["event-subscribe", "wechat.followed", undefined, "interaction"],
      ["event-unsubscribe", "wechat.unfollowed", undefined, null],
      ["event-subscribe-qrscene", "wechat.followed", "123123", "interaction"],
      ["event-scan", "wechat.qr-scanned", "SCENE_VALUE", "interaction"],
      ["event-location", "wechat.location-reported", undefined, null],
      ["event-click", "wechat.menu-clicked", undefined, "interaction"],
      ["event-view", "wechat.menu-link-opened", undefined, null],
    ];
    for (const [id, timelineType, scene, window] of cases) {
      const e = parseInbound(byId(id)) as WechatEvent;
      expect(e.kind).toBe("event");
      expect(e.timelineType).toBe(timelineType);
      expect(e.scene).toBe(scene);
      expect(windowOpenedBy(e)).toBe(window);
    }
    expect((parseInbound(byId("event-location")) as WechatEvent).properties).toMatchObject({
      latitude: 23.137466,
      longitude: 113.352425,
      precision: 119.38504,
    });
    expect(windowOpenedBy(parseInbound(byId("msg-text")))).toBe("message");
  });

  it("reads events outside the fixtures: template results, menu scans and pictures, kf sessions, mass sends", () => {
    const ev = (inner: string) =>
      parseInbound(
        `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType>${inner}</xml>`,
      ) as WechatEvent;
    expect(
      ev(
        "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[failed: system failed]]></Status>",
      ),
    ).toMatchObject({
      timelineType: "wechat.template-delivered",
      properties: { templateMsgId: "200163836", status: "failed: system failed" },
    });
    const scan = ev(
      "<Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo>",
    );
    expect(scan.properties.scanCode).toEqual({ type: "qrcode", result: "2" });
    expect(windowOpenedBy(scan)).toBe("interaction");
    const pics = ev(
      "<Event><![CDATA[pic_weixin]]></Event><EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item></PicList></SendPicsInfo>",
    );
    expect(pics.properties.pictures).toEqual({ count: 1, md5: ["5a75aaca956d97be686719218f275c6b"] });
    expect(
      ev("<Event><![CDATA[kf_create_session]]></Event><KfAccount><![CDATA[test1@test]]></KfAccount>"),
    ).toMatchObject({
      timelineType: "wechat.kf-session-created",
      properties: { kfAccount: "test1@test" },
    });
    expect(ev("<Event><![CDATA[MASSSENDJOBFINISH]]></Event>").timelineType).toBeNull();
    expect(ev("<Event><![CDATA[brand_new_event]]></Event>").timelineType).toBe("wechat.event");
  });

  it("reads every menu button's event: scan results, pictures sent, location chosen, links and mini programs opened", () => {
    // The element layout of WeChat's documented pushes for menu events (CHANNELS.md §2.5; not in the fixtures).
    const ev = (event: string, inner: string) =>
      parseInbound(
        `<xml>\n<ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName>\n<FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName>\n<CreateTime>1408090502</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[${event}]]></Event>\n${inner}</xml>`,
      ) as WechatEvent;
    const scanInfo = (result: string) =>
      `<EventKey><![CDATA[rselfmenu_0_1]]></EventKey>\n<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>\n<ScanResult><![CDATA[${result}]]></ScanResult>\n</ScanCodeInfo>\n`;
    const pics = (md5s: string[]) =>
      `<EventKey><![CDATA[rselfmenu_1_0]]></EventKey>\n<SendPicsInfo><Count>${md5s.length}</Count>\n<PicList>${md5s.map((m) => `<item><PicMd5Sum><![CDATA[${m}]]></PicMd5Sum>\n</item>\n`).join("")}</PicList>\n</SendPicsInfo>\n`;
    const cases: [WechatEvent, string, Record<string, unknown>, ReturnType<typeof windowOpenedBy>][] = [
      [
        ev("scancode_push", scanInfo("https://example.com/ticket/42")),
        "wechat.menu-scanned",
        { eventKey: "rselfmenu_0_1", scanCode: { type: "qrcode", result: "https://example.com/ticket/42" } },
        "interaction",
      ],
      [
        ev("scancode_waitmsg", scanInfo("6901234567892").replace("qrcode", "barcode")),
        "wechat.menu-scanned",
        { scanCode: { type: "barcode", result: "6901234567892" } },
        "interaction",
      ],
      [
        ev("pic_sysphoto", pics(["1b5f7c23b5bf75682a53e7b6d163e185"])),
        "wechat.menu-photo-sent",
        { eventKey: "rselfmenu_1_0", pictures: { count: 1, md5: ["1b5f7c23b5bf75682a53e7b6d163e185"] } },
        null,
      ],
      [
        ev("pic_photo_or_album", pics(["5a75aaca956d97be686719218f275c6b", "9c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"])),
        "wechat.menu-photo-sent",
        { pictures: { count: 2, md5: ["5a75aaca956d97be686719218f275c6b", "9c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"] } },
        null,
      ],
      [
        ev("pic_weixin", pics(["5a75aaca956d97be686719218f275c6b"])),
        "wechat.menu-photo-sent",
        { pictures: { count: 1 } },
        null,
      ],
      [
        ev(
          "location_select",
          "<EventKey><![CDATA[rselfmenu_2_0]]></EventKey>\n<SendLocationInfo><Location_X><![CDATA[23]]></Location_X>\n<Location_Y><![CDATA[113]]></Location_Y>\n<Scale><![CDATA[15]]></Scale>\n<Label><![CDATA[广州市海珠区客村艺苑路 106号]]></Label>\n<Poiname><![CDATA[]]></Poiname>\n</SendLocationInfo>\n",
        ),
        "wechat.menu-location-sent",
        { location: { latitude: 23, longitude: 113, scale: 15, label: "广州市海珠区客村艺苑路 106号" } },
        null,
      ],
      [
        ev("VIEW", "<EventKey><![CDATA[https://shop.example.com/]]></EventKey>\n<MenuId>208379533</MenuId>\n"),
        "wechat.menu-link-opened",
        { eventKey: "https://shop.example.com/", menuId: "208379533" },
        null,
      ],
      [
        ev("view_miniprogram", "<EventKey><![CDATA[pages/lunar/index]]></EventKey>\n<MenuId>1</MenuId>\n"),
        "wechat.menu-miniprogram-opened",
        { eventKey: "pages/lunar/index" },
        null,
      ],
    ];
    for (const [e, timelineType, properties, window] of cases) {
      expect(e.kind, e.event).toBe("event");
      expect(e.timelineType, e.event).toBe(timelineType);
      expect(e.properties, e.event).toMatchObject(properties);
      expect(windowOpenedBy(e), e.event).toBe(window);
      expect(e.dedupeKey).toBe(`event:oMgHVjngRipVsoxg6TuX3vz6glDg:1408090502:${e.event}:${e.eventKey}`);
    }
    // An empty Poiname is left out rather than stored as "".
    expect(cases[5]?.[0].properties.location).not.toHaveProperty("poiName");
  });

  it("tolerates unknown elements and keeps unknown message types as unsupported", () => {
    const legacy = parseInbound(
      byId("msg-text").replace("<xml>", "<xml><URL><![CDATA[http://wechat.laravel.so/server]]></URL>"),
    ) as WechatMessage;
    expect(legacy.text).toBe("this is a test");
    const unknown = parseInbound(byId("msg-text").replace("[text]", "[hologram]")) as WechatMessage;
    expect(unknown).toMatchObject({ type: "unsupported", content: { wechatMsgType: "hologram" } });
  });

  it("refuses a payload without its identity fields", () => {
    expect(() => parseInbound("<xml><MsgType>text</MsgType></xml>")).toThrow(WechatPayloadError);
    expect(() => parseInbound(byId("msg-text").replace(/<MsgId>.*<\/MsgId>/, ""))).toThrow(WechatPayloadError);
  });
});

describe("passive replies", () => {
  const to = { toUser: "toUser", fromUser: "fromUser", createTime: 12345678 };
  const cases: [string, PassiveReply][] = [
    ["reply-text", { type: "text", content: "你好" }],
    ["reply-image", { type: "image", mediaId: "media_id" }],
    [
      "reply-news",
      { type: "news", articles: [{ title: "title1", description: "description1", picUrl: "picurl", url: "url" }] },
    ],
    ["reply-transfer-customer-service", { type: "transfer_customer_service" }],
  ];
  it.each(cases)("%s: renders the documented XML", (id, reply) => {
    const expected = xmlFixtures.find((f) => f.id === id);
    const rendered = leaves(parseXml(renderPassiveReply(reply, to)));
    expect(rendered).toMatchObject(expected?.expect.fields ?? {});
    expect(rendered).toMatchObject({ ToUserName: "toUser", FromUserName: "fromUser", CreateTime: "12345678" });
  });
  it("keeps text containing ]]> inside its CDATA", () => {
    const xml = renderPassiveReply({ type: "text", content: "a]]>b<c>&" }, to);
    expect(leaves(parseXml(xml)).Content).toBe("a]]>b<c>&");
  });
});

describe("XML hardening", () => {
  it("refuses DOCTYPE, entity declarations and external entities (XXE, billion laughs)", () => {
    const bombs = [
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><Content>&lol2;</Content></xml>',
      '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
      "<xml><Content>&xxe;</Content></xml>",
      '<xml><Content a="1">x</Content></xml>',
      "<xml><!-- c --><Content>x</Content></xml>",
      "<xml><Content>x</Content></xml><xml/>",
      "<xml><Content>x</xml>",
      "<xml><Content><![CDATA[x]]></Content>",
      "",
    ];
    for (const bomb of bombs) expect(() => parseXml(bomb), bomb).toThrow(XmlError);
  });

  it("decodes the predefined and numeric entities, keeps newlines, accepts bare text and CDATA", () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="utf-8"?>\n<xml>\n<A>a &lt;b&gt; &amp; &#20320;&#x597D;</A>\n<B><![CDATA[line1\nline2]]></B><C/></xml>\n',
    );
    expect(leaves(root)).toEqual({ A: "a <b> & 你好", B: "line1\nline2", C: "" });
  });

  it("refuses deep nesting", () => {
    expect(() => parseXml(`${"<a>".repeat(20)}${"</a>".repeat(20)}`)).toThrow(XmlError);
  });

  it("never throws anything but XmlError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        try {
          parseXml(s);
        } catch (err) {
          expect(err).toBeInstanceOf(XmlError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never throws anything but XmlError or WechatPayloadError on mutated fixtures", () => {
    const bodies = xmlFixtures.map((f) => f.body as string);
    fc.assert(
      fc.property(
        fc.constantFrom(...bodies),
        fc.nat(),
        fc.nat(),
        fc.string({ maxLength: 12 }),
        (body, at, cut, insert) => {
          const i = at % (body.length + 1);
          const mutated = body.slice(0, i) + insert + body.slice(Math.min(body.length, i + (cut % 8)));
          try {
            parseInbound(mutated);
          } catch (err) {
            expect(err instanceof XmlError || err instanceof WechatPayloadError).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
