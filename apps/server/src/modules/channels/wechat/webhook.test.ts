import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { setWechatPassiveReplier } from "../index.ts";
import { aesKeyOf, decryptMessage, encryptMessage, wechatSignature } from "./crypto.ts";
import { fieldsOf, parseXml } from "./xml.ts";

const APP_ID = "wxb11529c136998cb6";
const OTHER_APP = "wx2c2769f8efd9abc2";
const TOKEN = "pamtest";
const KEY_1 = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KEY_2 = "A".repeat(43);
const SECRET = "0123456789abcdef0123456789abcdef";

const textXml = (openId: string, msgId: string, content: string, createTime = Math.floor(Date.now() / 1000)) =>
  `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
const eventXml = (openId: string, event: string, extra = "", createTime = Math.floor(Date.now() / 1000)) =>
  `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>${extra}</xml>`;

describe.each(TEST_DATABASES)("WeChat webhook on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  const ids: Record<"plain" | "safe" | "compat", string> = { plain: "", safe: "", compat: "" };

  const create = (config: Record<string, unknown>, auth = a.auth("admin")) =>
    env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: auth,
      payload: { type: "wechat", name: "OA", config },
    });

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    for (const mode of ["plain", "safe", "compat"] as const) {
      const res = await create({
        appId: APP_ID,
        appSecret: SECRET,
        token: TOKEN,
        messageMode: mode,
        ...(mode === "plain" ? {} : { encodingAesKey: KEY_1 }),
      });
      expect(res.statusCode, res.body).toBe(201);
      ids[mode] = res.json().channel.id;
    }
  });
  afterAll(async () => {
    await env?.close();
  });
  afterEach(() => setWechatPassiveReplier(null));

  const now = () => String(Math.floor(Date.now() / 1000));
  const count = async (table: "inbound_payloads" | "messages") =>
    Number(
      (
        await sql<{
          n: string;
        }>`select count(*) as n from ${sql.table(table)} where workspace_id = ${a.workspace.id}`.execute(
          env.database.db,
        )
      ).rows[0]?.n,
    );

  function plainPush(channelId: string, xml: string, o: { ts?: string; nonce?: string; signature?: string } = {}) {
    const ts = o.ts ?? now();
    const nonce = o.nonce ?? "1514711492";
    const signature = o.signature ?? wechatSignature([TOKEN, ts, nonce]);
    return env.app.inject({
      method: "POST",
      url: `/webhooks/wechat/${channelId}?signature=${signature}&timestamp=${ts}&nonce=${nonce}&openid=x`,
      headers: { "content-type": "text/xml" },
      payload: xml,
    });
  }

  function encryptedPush(
    channelId: string,
    xml: string,
    o: { key?: string; appId?: string; plaintextCopy?: boolean; msgSignature?: string; random?: Buffer } = {},
  ) {
    const ts = now();
    const nonce = "298025754";
    const encrypt = encryptMessage(aesKeyOf(o.key ?? KEY_1), o.appId ?? APP_ID, xml, o.random);
    const inner = o.plaintextCopy ? xml.replace(/^<xml>|<\/xml>$/g, "").replace("Hello", "PLAINTEXT COPY") : "";
    const body = `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>${inner}<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const msgSignature = o.msgSignature ?? wechatSignature([TOKEN, ts, nonce, encrypt]);
    return env.app.inject({
      method: "POST",
      url: `/webhooks/wechat/${channelId}?signature=${wechatSignature([TOKEN, ts, nonce])}&timestamp=${ts}&nonce=${nonce}&openid=x&encrypt_type=aes&msg_signature=${msgSignature}`,
      headers: { "content-type": "text/xml" },
      payload: body,
    });
  }

  const messagesOf = async (openId: string) =>
    (
      await sql<{ text: string; type: string; content: Record<string, unknown> }>`
        select m.text, m.type, m.content from messages m join conversations c
          on c.workspace_id = m.workspace_id and c.id = m.conversation_id
        where m.workspace_id = ${a.workspace.id} and c.external_thread_id = ${openId} order by m.id`.execute(
        env.database.db,
      )
    ).rows;

  it("creates a WeChat channel: 201 with its webhook URL, secrets write-only, keys checked against the rule", async () => {
    const res = await create({ appId: APP_ID, appSecret: SECRET, token: TOKEN, encodingAesKey: KEY_1 });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.webhookUrl).toMatch(new RegExp(`^http://[^/]+/webhooks/wechat/${body.channel.id}$`));
    expect(body.channel.config).toEqual({
      appId: APP_ID,
      messageMode: "safe",
      apiBaseUrl: "https://api.weixin.qq.com",
      maxClockSkewSeconds: 300,
    });
    for (const secret of [SECRET, TOKEN, KEY_1]) expect(res.body).not.toContain(secret);
    const shown = await env.app.inject({ url: `/api/v1/channels/${body.channel.id}`, headers: a.auth("agent") });
    for (const secret of [SECRET, KEY_1]) expect(shown.body).not.toContain(secret);
    expect(shown.json().webhookUrl).toBe(body.webhookUrl);
    const stored = await sql<{
      s: string;
    }>`select secrets_encrypted as s from channels where id = ${body.channel.id}`.execute(env.database.db);
    expect(stored.rows[0]?.s).toMatch(/^v1\./);
    expect(stored.rows[0]?.s).not.toContain(KEY_1);

    const badKey = await create({
      appId: APP_ID,
      appSecret: SECRET,
      token: TOKEN,
      encodingAesKey: `${KEY_1.slice(0, 42)}+`,
    });
    expect(badKey.statusCode).toBe(400);
    expect(badKey.json().error).toMatchObject({
      reason: "channel_config_invalid",
      details: { field: "config.encodingAesKey" },
    });
    expect(badKey.json().error.message).toContain("exactly 43 characters");
    const short = await create({ appId: APP_ID, appSecret: SECRET, token: TOKEN, encodingAesKey: "abc" });
    expect(short.json().error.message).toContain("43 characters");
    const safeWithoutKey = await create({ appId: APP_ID, appSecret: SECRET, token: TOKEN, messageMode: "safe" });
    expect(safeWithoutKey.json().error.details.field).toBe("config.encodingAesKey");
    const plainWithoutKey = await create({ appId: APP_ID, appSecret: SECRET, token: TOKEN, messageMode: "plain" });
    expect(plainWithoutKey.statusCode).toBe(201);
    const badApp = await create({ appId: "nope", appSecret: SECRET, token: TOKEN, messageMode: "plain" });
    expect(badApp.json().error.details.field).toBe("config.appId");
    const privateApi = await create({
      appId: APP_ID,
      appSecret: SECRET,
      token: TOKEN,
      messageMode: "plain",
      apiBaseUrl: "http://127.0.0.1:9",
    });
    expect(privateApi.json().error.reason).toBe("url_private_network");
    expect((await create({ appId: APP_ID, appSecret: SECRET, token: TOKEN }, a.auth("agent"))).statusCode).toBe(403);
  });

  it("answers the server URL verification with echostr (official example) and refuses a wrong signature", async () => {
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: {
        type: "wechat",
        name: "Doc example",
        config: { appId: APP_ID, appSecret: SECRET, token: "AAAAA", messageMode: "plain", maxClockSkewSeconds: 0 },
      },
    });
    const id = res.json().channel.id;
    const ok = await env.app.inject({
      url: `/webhooks/wechat/${id}?signature=f464b24fc39322e44b38aa78f5edd27bd1441696&echostr=4375120948345356249&timestamp=1714036504&nonce=1514711492`,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe("4375120948345356249");
    const bad = await env.app.inject({
      url: `/webhooks/wechat/${id}?signature=f464b24fc39322e44b38aa78f5edd27bd1441697&echostr=4375120948345356249&timestamp=1714036504&nonce=1514711492`,
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).not.toContain("4375120948345356249");
    // With the default 300 s skew, the 2024 timestamp is a replay.
    const fresh = await env.app.inject({
      url: `/webhooks/wechat/${ids.plain}?signature=${wechatSignature([TOKEN, "1714036504", "1"])}&echostr=e&timestamp=1714036504&nonce=1`,
    });
    expect(fresh.statusCode).toBe(401);
    expect(
      (
        await env.app.inject({
          url: "/webhooks/wechat/00000000-0000-7000-8000-000000000000?timestamp=1&nonce=1&echostr=1",
        })
      ).statusCode,
    ).toBe(404);
  });

  it("stores a plain-mode message in a case under the customer's OpenID@AppID, and answers success", async () => {
    const res = await plainPush(ids.plain, textXml("o-plain-1", "6054768590064713728", "Where is my order?"));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("success");
    const rows = await messagesOf("o-plain-1");
    expect(rows).toEqual([{ text: "Where is my order?", type: "text", content: { text: "Where is my order?" } }]);
    const identity = await sql<{ kind: string; namespace: string }>`
      select kind, namespace from contact_identities where workspace_id = ${a.workspace.id} and external_id = 'o-plain-1'`.execute(
      env.database.db,
    );
    expect(identity.rows).toEqual([{ kind: "wechat_openid", namespace: APP_ID }]);
    const platformId = await sql<{
      p: string;
    }>`select platform_message_id as p from messages where workspace_id = ${a.workspace.id} and text = 'Where is my order?'`.execute(
      env.database.db,
    );
    expect(platformId.rows[0]?.p).toBe("6054768590064713728");
  });

  it("refuses a wrong signature, a stale timestamp or a plaintext push to a safe channel with 401 and stores nothing", async () => {
    const before = [await count("inbound_payloads"), await count("messages")];
    const xml = textXml("o-bad", "111", "forged");
    expect((await plainPush(ids.plain, xml, { signature: "0".repeat(40) })).statusCode).toBe(401);
    expect((await plainPush(ids.plain, xml, { signature: "" })).statusCode).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 301);
    expect((await plainPush(ids.plain, xml, { ts: old })).statusCode).toBe(401);
    expect((await plainPush(ids.safe, xml)).statusCode).toBe(401);
    expect((await encryptedPush(ids.safe, xml, { appId: OTHER_APP })).statusCode).toBe(401);
    expect((await encryptedPush(ids.safe, xml, { msgSignature: "1".repeat(40) })).statusCode).toBe(401);
    expect([await count("inbound_payloads"), await count("messages")]).toEqual(before);
  });

  it("stores one message for WeChat's 4 deliveries of it (3 retries), sequential or concurrent", async () => {
    const xml = textXml("o-retry", "900000000000000001", "retry me");
    const payloadsBefore = await count("inbound_payloads");
    for (let i = 0; i < 2; i++) expect((await plainPush(ids.plain, xml)).body).toBe("success");
    const parallel = await Promise.all([plainPush(ids.plain, xml), plainPush(ids.plain, xml)]);
    expect(parallel.map((r) => r.body)).toEqual(["success", "success"]);
    expect(await messagesOf("o-retry")).toHaveLength(1);
    expect((await count("inbound_payloads")) - payloadsBefore).toBe(1);
  });

  it("group-commits concurrent pushes: deliveries of one new message meet in a batch, customers keep their order", async () => {
    const payloadsBefore = await count("inbound_payloads");
    const xml = textXml("o-burst-dup", "900000000000000777", "once only");
    const burst = Array.from({ length: 30 }, (_, i) =>
      textXml(`o-burst-${i % 3}`, String(910000000000000000n + BigInt(i)), `burst ${String(i).padStart(2, "0")}`),
    );
    const answers = await Promise.all([
      plainPush(ids.plain, xml),
      plainPush(ids.plain, xml),
      plainPush(ids.plain, xml),
      ...burst.map((b) => plainPush(ids.plain, b)),
    ]);
    expect(new Set(answers.map((r) => `${r.statusCode} ${r.body}`))).toEqual(new Set(["200 success"]));
    expect(await messagesOf("o-burst-dup")).toHaveLength(1);
    for (let c = 0; c < 3; c++) {
      const texts = (await messagesOf(`o-burst-${c}`)).map((m) => m.text);
      const expected = Array.from({ length: 10 }, (_, k) => `burst ${String(c + 3 * k).padStart(2, "0")}`);
      expect(texts).toEqual(expected);
    }
    expect((await count("inbound_payloads")) - payloadsBefore).toBe(31);
  });

  it("decrypts a safe-mode push, and a compat-mode push prefers its encrypted copy", async () => {
    const safe = await encryptedPush(ids.safe, textXml("o-safe", "900000000000000002", "Hello 你好"));
    expect(safe.statusCode).toBe(200);
    expect(safe.body).toBe("success");
    expect((await messagesOf("o-safe"))[0]?.text).toBe("Hello 你好");
    const compat = await encryptedPush(ids.compat, textXml("o-compat", "900000000000000003", "Hello encrypted"), {
      plaintextCopy: true,
    });
    expect(compat.statusCode).toBe(200);
    expect((await messagesOf("o-compat"))[0]?.text).toBe("Hello encrypted");
    // Compat mode also accepts a plaintext push.
    expect((await plainPush(ids.compat, textXml("o-compat", "900000000000000004", "plain too"))).body).toBe("success");
    expect(await messagesOf("o-compat")).toHaveLength(2);
  });

  it("turns follow, QR scan and menu events into profile timeline events, once each", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const follow = eventXml(
      "o-events",
      "subscribe",
      "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
      ts,
    );
    for (let i = 0; i < 3; i++) expect((await plainPush(ids.plain, follow)).body).toBe("success");
    expect(
      (await plainPush(ids.plain, eventXml("o-events", "CLICK", "<EventKey><![CDATA[MENU_1]]></EventKey>", ts + 1)))
        .body,
    ).toBe("success");
    expect((await plainPush(ids.plain, eventXml("o-events", "MASSSENDJOBFINISH", "", ts + 2))).body).toBe("success");
    const events = await sql<{ type: string; properties: Record<string, unknown>; contact_id: string }>`
      select type, properties, contact_id from timeline_events where workspace_id = ${a.workspace.id}
        and client_event_id like ${`wechat:${ids.plain}:event:o-events:%`} order by occurred_at, id`.execute(
      env.database.db,
    );
    expect(events.rows.map((e) => e.type)).toEqual(["wechat.followed", "wechat.menu-clicked"]);
    expect(events.rows[0]?.properties).toMatchObject({ scene: "123123", ticket: "TICKET", eventKey: "qrscene_123123" });
    const timeline = await env.app.inject({
      url: `/api/v1/contacts/${events.rows[0]?.contact_id}/timeline`,
      headers: a.auth("agent"),
    });
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(JSON.stringify(timeline.json())).toContain("wechat.followed");
    // Events are not messages: no case was opened.
    expect(await messagesOf("o-events")).toHaveLength(0);
  });

  it("turns each menu button's event into its timeline event with what the customer scanned, sent or chose", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const pushes: [string, string][] = [
      [
        "scancode_push",
        "<EventKey><![CDATA[scan]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[https://example.com/t/1]]></ScanResult></ScanCodeInfo>",
      ],
      [
        "scancode_waitmsg",
        "<EventKey><![CDATA[wait]]></EventKey><ScanCodeInfo><ScanType><![CDATA[barcode]]></ScanType><ScanResult><![CDATA[6901234567892]]></ScanResult></ScanCodeInfo>",
      ],
      [
        "pic_sysphoto",
        "<EventKey><![CDATA[camera]]></EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo>",
      ],
      [
        "pic_photo_or_album",
        "<EventKey><![CDATA[album]]></EventKey><SendPicsInfo><Count>0</Count><PicList></PicList></SendPicsInfo>",
      ],
      [
        "pic_weixin",
        "<EventKey><![CDATA[wx]]></EventKey><SendPicsInfo><Count>0</Count><PicList></PicList></SendPicsInfo>",
      ],
      [
        "location_select",
        "<EventKey><![CDATA[where]]></EventKey><SendLocationInfo><Location_X><![CDATA[23]]></Location_X><Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale><Label><![CDATA[Guangzhou]]></Label><Poiname><![CDATA[]]></Poiname></SendLocationInfo>",
      ],
      ["view_miniprogram", "<EventKey><![CDATA[pages/index]]></EventKey><MenuId>7</MenuId>"],
    ];
    for (const [i, [event, extra]] of pushes.entries()) {
      const xml = eventXml("o-menu", event, extra, ts + i);
      // WeChat retries: the second delivery is a duplicate.
      for (let n = 0; n < 2; n++) expect((await plainPush(ids.plain, xml)).body).toBe("success");
    }
    const events = await sql<{ type: string; properties: Record<string, unknown> }>`
      select type, properties from timeline_events where workspace_id = ${a.workspace.id}
        and client_event_id like ${`wechat:${ids.plain}:event:o-menu:%`} order by occurred_at, id`.execute(
      env.database.db,
    );
    expect(events.rows.map((e) => [e.type, e.properties.event])).toEqual([
      ["wechat.menu-scanned", "scancode_push"],
      ["wechat.menu-scanned", "scancode_waitmsg"],
      ["wechat.menu-photo-sent", "pic_sysphoto"],
      ["wechat.menu-photo-sent", "pic_photo_or_album"],
      ["wechat.menu-photo-sent", "pic_weixin"],
      ["wechat.menu-location-sent", "location_select"],
      ["wechat.menu-miniprogram-opened", "view_miniprogram"],
    ]);
    expect(events.rows[0]?.properties).toMatchObject({
      eventKey: "scan",
      scanCode: { type: "qrcode", result: "https://example.com/t/1" },
    });
    expect(events.rows[2]?.properties).toMatchObject({
      pictures: { count: 1, md5: ["1b5f7c23b5bf75682a53e7b6d163e185"] },
    });
    expect(events.rows[5]?.properties).toMatchObject({
      location: { latitude: 23, longitude: 113, scale: 15, label: "Guangzhou" },
    });
    expect(await messagesOf("o-menu")).toHaveLength(0);
  });

  it("stores an unreadable but verified payload raw and still acks success", async () => {
    const before = await count("inbound_payloads");
    const broken = await plainPush(ids.plain, "<xml><FromUserName>o-x</FromUserName><Oops></xml>");
    expect(broken.statusCode).toBe(200);
    expect(broken.body).toBe("success");
    const bomb = await plainPush(ids.plain, '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>');
    expect(bomb.body).toBe("success");
    const unknown = await plainPush(
      ids.plain,
      textXml("o-unknown", "900000000000000005", "x").replace("[text]", "[hologram]"),
    );
    expect(unknown.body).toBe("success");
    expect((await count("inbound_payloads")) - before).toBe(3);
    const raw = await sql<{
      payload: { error?: string };
    }>`select payload from inbound_payloads where workspace_id = ${a.workspace.id} order by id desc limit 3`.execute(
      env.database.db,
    );
    expect(raw.rows.filter((r) => r.payload.error)).toHaveLength(2);
    expect((await messagesOf("o-unknown"))[0]?.type).toBe("unsupported");
  });

  it("refuses an oversize body with 413", async () => {
    const res = await plainPush(ids.plain, `<xml><Content>${"x".repeat(300 * 1024)}</Content></xml>`);
    expect(res.statusCode).toBe(413);
  });

  it("answers a safe-mode message with an encrypted, signed passive reply, the same one for its retries", async () => {
    let calls = 0;
    setWechatPassiveReplier(async ({ inbound }) => {
      calls++;
      return { type: "text", content: `Echo ${inbound.openId}` };
    });
    const xml = textXml("o-reply", "900000000000000006", "ping");
    const first = await encryptedPush(ids.safe, xml);
    const second = await encryptedPush(ids.safe, xml);
    expect(calls).toBe(1);
    const open = (body: string) => {
      const f = fieldsOf(parseXml(body));
      const encrypt = f.Encrypt ?? "";
      expect(f.MsgSignature).toBe(wechatSignature([TOKEN, f.TimeStamp ?? "", f.Nonce ?? "", encrypt]));
      expect(f.Nonce).toBe("298025754");
      return fieldsOf(parseXml(decryptMessage(aesKeyOf(KEY_1), APP_ID, encrypt).msg));
    };
    const reply = open(first.body);
    expect(reply).toMatchObject({
      ToUserName: "o-reply",
      FromUserName: "gh_0123456789ab",
      MsgType: "text",
      Content: "Echo o-reply",
    });
    expect(open(second.body).Content).toBe("Echo o-reply");
  });

  it("answers success when the passive replier is slower than its budget", async () => {
    setWechatPassiveReplier(() => new Promise((r) => setTimeout(() => r({ type: "text", content: "late" }), 500)), 50);
    const res = await encryptedPush(ids.safe, textXml("o-slow", "900000000000000007", "slow"));
    expect(res.body).toBe("success");
  });

  it("keeps the previous EncodingAESKey as a fallback after a rotation and replies with the key that worked", async () => {
    const created = await create({ appId: APP_ID, appSecret: SECRET, token: TOKEN, encodingAesKey: KEY_1 });
    const id = created.json().channel.id;
    const rotated = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/channels/${id}`,
      headers: a.auth("admin"),
      payload: { config: { encodingAesKey: KEY_2 } },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.body).not.toContain(KEY_2);
    setWechatPassiveReplier(async () => ({ type: "text", content: "rotated" }));
    const withOld = await encryptedPush(id, textXml("o-rot", "900000000000000008", "old key"), { key: KEY_1 });
    const oldReply = fieldsOf(parseXml(withOld.body)).Encrypt ?? "";
    expect(fieldsOf(parseXml(decryptMessage(aesKeyOf(KEY_1), APP_ID, oldReply).msg)).Content).toBe("rotated");
    const withNew = await encryptedPush(id, textXml("o-rot", "900000000000000009", "new key"), { key: KEY_2 });
    const newReply = fieldsOf(parseXml(withNew.body)).Encrypt ?? "";
    expect(fieldsOf(parseXml(decryptMessage(aesKeyOf(KEY_2), APP_ID, newReply).msg)).Content).toBe("rotated");
    expect((await messagesOf("o-rot")).map((m) => m.text)).toEqual(["old key", "new key"]);
    // A second rotation drops the oldest key.
    await env.app.inject({
      method: "PATCH",
      url: `/api/v1/channels/${id}`,
      headers: a.auth("admin"),
      payload: { config: { encodingAesKey: "B".repeat(43) } },
    });
    const tooOld = await encryptedPush(id, textXml("o-rot", "900000000000000010", "oldest key"), { key: KEY_1 });
    expect(tooOld.body).toBe("success");
    expect(await messagesOf("o-rot")).toHaveLength(2);
  });
});
