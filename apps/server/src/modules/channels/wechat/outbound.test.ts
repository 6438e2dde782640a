import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace, TEST_PASSWORD } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { createDispatcher, type Dispatcher, runTransaction } from "../../../platform/outbox.ts";
import { subscribeHandlers } from "../../../wiring.ts";
import { resolveContact } from "../../profiles/index.ts";
import { SESSION_COOKIE } from "../../tenancy/index.ts";
import { customSendBody } from "./adapter.ts";
import { apiFixture, FAKE_APP_ID, FAKE_SECRET, FakeRaw, pushPlain, startFakeWechat } from "./test-fake-wechat.ts";
import { openWindow, spendReply } from "./window.ts";

const APP_ID = FAKE_APP_ID;
const SECRET = FAKE_SECRET;
const TOKEN = "pamtest";

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("customer-service message bodies", () => {
  const msg = (type: string, content: Record<string, unknown>, text = "") =>
    customSendBody({ type, text, content }, "OPENID");
  it("maps each content type to the documented JSON", () => {
    expect(msg("text", {}, "Hello World")).toEqual({
      touser: "OPENID",
      msgtype: "text",
      text: { content: "Hello World" },
    });
    expect(msg("image", { mediaId: "M" })).toEqual({ touser: "OPENID", msgtype: "image", image: { media_id: "M" } });
    expect(msg("news", { title: "T", url: "https://x", picUrl: "https://p" })).toMatchObject({
      msgtype: "news",
      news: { articles: [{ title: "T", url: "https://x", picurl: "https://p" }] },
    });
    expect(
      msg("msgmenu", { headContent: "Happy?", list: [{ id: "101", content: "Yes" }], tailContent: "Thanks" }),
    ).toEqual({
      touser: "OPENID",
      msgtype: "msgmenu",
      msgmenu: { head_content: "Happy?", list: [{ id: "101", content: "Yes" }], tail_content: "Thanks" },
    });
    expect(msg("miniprogrampage", { title: "t", appId: "wxa", pagePath: "p/i", thumbMediaId: "th" })).toMatchObject({
      miniprogrampage: { title: "t", appid: "wxa", pagepath: "p/i", thumb_media_id: "th" },
    });
    expect(() => msg("image", {})).toThrow(/mediaId/);
    expect(() => msg("text", {}, "  ")).toThrow(/empty/);
  });
});

describe.each(TEST_DATABASES)("WeChat outbound and reply windows on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let fake: Awaited<ReturnType<typeof startFakeWechat>>;
  let dispatcher: Dispatcher;
  let channelId: string;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    fake = await startFakeWechat();
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: {
        type: "wechat",
        name: "OA",
        config: {
          appId: APP_ID,
          appSecret: SECRET,
          token: TOKEN,
          messageMode: "plain",
          apiBaseUrl: fake.url,
          allowPrivateNetwork: true,
          kfAccount: "kf1@gh_test",
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    channelId = created.json().channel.id;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await fake?.close();
    await env?.close();
  });

  let msgSeq = 1;
  async function customerWrites(openId: string, text: string): Promise<string> {
    const ts = String(Math.floor(Date.now() / 1000));
    const xml = `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content><MsgId>${Date.now()}${msgSeq++}</MsgId></xml>`;
    const res = await pushPlain(env, channelId, xml, TOKEN);
    expect(res.body).toBe("success");
    const row = await sql<{
      case_id: string;
    }>`select case_id from conversations where workspace_id = ${a.workspace.id} and external_thread_id = ${openId}`.execute(
      env.database.db,
    );
    return row.rows[0]?.case_id ?? "";
  }
  const reply = (caseId: string, text: string) =>
    env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text },
    });
  const messageOf = async (caseId: string, id: string) =>
    (await env.app.inject({ url: `/api/v1/cases/${caseId}/messages?limit=200`, headers: a.auth("agent") }))
      .json()
      .data.find((m: { id: string }) => m.id === id) as { status: string; error: string | null };

  it("sends 5 concurrent replies with one token fetch, then refuses the 6th before calling WeChat", async () => {
    const caseId = await customerWrites("o-cs-1", "Hi, my parcel?");
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => reply(caseId, `Reply ${n}`)));
    expect(replies.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    await waitFor(async () => {
      const states = await Promise.all(replies.map((r) => messageOf(caseId, r.json().id)));
      return states.every((m) => m.status === "sent");
    });
    expect(fake.state.tokenCalls).toEqual([{ appid: APP_ID, force: false }]);
    expect(fake.state.sends).toHaveLength(5);
    expect(fake.state.sends[0]).toMatchObject({
      touser: "o-cs-1",
      msgtype: "text",
      customservice: { kf_account: "kf1@gh_test" },
    });
    expect(fake.state.sends.map((s) => (s.text as { content: string }).content).sort()).toEqual(
      [1, 2, 3, 4, 5].map((n) => `Reply ${n}`),
    );

    const attempts = fake.state.sendAttempts;
    const sixth = await reply(caseId, "Reply 6");
    expect(sixth.statusCode).toBe(409);
    expect(sixth.json().error.reason).toBe("reply_quota_exhausted");
    expect(sixth.json().error.message).toContain("customer writes");
    expect(sixth.json().error.details.reopensWhen).toHaveLength(3);
    expect(fake.state.sendAttempts).toBe(attempts);

    // The token is cached encrypted: its value is nowhere in the table.
    const stored = await sql<{
      t: string;
    }>`select token_encrypted as t from wechat_access_tokens where workspace_id = ${a.workspace.id}`.execute(
      env.database.db,
    );
    expect(stored.rows[0]?.t).toMatch(/^v1\./);
    expect(stored.rows[0]?.t).not.toContain("ACCESS_TOKEN");

    // The customer writes again: a new window of 5.
    await customerWrites("o-cs-1", "Any news?");
    const seventh = await reply(caseId, "Reply 7");
    expect(seventh.statusCode).toBe(201);
    await waitFor(async () => (await messageOf(caseId, seventh.json().id)).status === "sent");
  });

  it("sends an agent's replies as the kf account mapped to the agent", async () => {
    fake.on("/customservice/kfaccount/add", () => ({ errcode: 0, errmsg: "ok" }));
    const mapped = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/wechat/kf-accounts`,
      headers: a.auth("admin"),
      payload: { kfAccount: "anna@gh_test", nickname: "Anna", userId: a.users.agent.id },
    });
    expect(mapped.statusCode, mapped.body).toBe(201);
    const caseId = await customerWrites("o-cs-kf", "Hello");
    // Signed in as the agent (an API token's messages have no agent behind them).
    const login = await env.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: a.users.agent.email, password: TEST_PASSWORD },
    });
    const session = login.cookies.find((c) => c.name === SESSION_COOKIE)?.value ?? "";
    const sent = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: { cookie: `${SESSION_COOKIE}=${session}` },
      payload: { text: "Anna here" },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    await waitFor(async () => (await messageOf(caseId, sent.json().id)).status === "sent");
    expect(fake.state.sends.at(-1)).toMatchObject({ touser: "o-cs-kf", customservice: { kf_account: "anna@gh_test" } });
    await env.app.inject({
      method: "PATCH",
      url: `/api/v1/channels/${channelId}/wechat/kf-accounts/anna@gh_test`,
      headers: a.auth("admin"),
      payload: { userId: null },
    });
  });

  it("syncs templates, fills variables from the profile, dedupes by client_msg_id, tracks TEMPLATESENDJOBFINISH and offers templates when the window is closed", async () => {
    const TEMPLATE = "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s";
    fake.on("/cgi-bin/template/get_all_private_template", () => ({
      template_list: [
        {
          template_id: TEMPLATE,
          title: "Order shipped",
          primary_industry: "IT科技",
          deputy_industry: "互联网|电子商务",
          content: "{{first.DATA}}\n订单号：{{keyword1.DATA}}\n{{remark.DATA}}",
          example: "",
        },
      ],
    }));
    let msgid = 200228332;
    fake.on("/cgi-bin/message/template/send", ({ body }) =>
      body.touser === "o-not-following"
        ? { errcode: 43004, errmsg: "require subscribe" }
        : { errcode: 0, errmsg: "ok", msgid: msgid++ },
    );
    const base = `/api/v1/channels/${channelId}/wechat`;
    const synced = await env.app.inject({ method: "POST", url: `${base}/templates/sync`, headers: a.auth("admin") });
    expect(synced.statusCode, synced.body).toBe(200);
    expect(synced.json().data).toMatchObject([
      { templateId: TEMPLATE, title: "Order shipped", variables: ["first", "keyword1", "remark"] },
    ]);

    const caseId = await customerWrites("o-cs-tpl", "Where is my order?");
    const contact = await resolveContact(
      env.database.db,
      { workspaceId: a.workspace.id },
      { kind: "wechat_openid", externalId: "o-cs-tpl", namespace: APP_ID },
    );
    await env.app.inject({
      method: "PATCH",
      url: `/api/v1/contacts/${contact.contactId}`,
      headers: a.auth("agent"),
      payload: { displayName: "Li Lei" },
    });
    const payload = {
      openId: "o-cs-tpl",
      templateId: TEMPLATE,
      clientMsgId: "order-42-shipped",
      url: "https://shop.example.com/orders/42",
      data: {
        first: "Hi {{contact.displayName}}, your order is on its way",
        keyword1: "42",
        remark: { value: "Thanks", color: "#173177" },
      },
    };
    const send = (p: object) =>
      env.app.inject({ method: "POST", url: `${base}/template-messages`, headers: a.auth("agent"), payload: p });
    const first = await send(payload);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      status: "sent",
      msgId: "200228332",
      clientMsgId: "order-42-shipped",
      duplicate: false,
    });
    const calls = fake.requestsTo("/cgi-bin/message/template/send");
    expect(calls.at(-1)?.body).toEqual({
      touser: "o-cs-tpl",
      template_id: TEMPLATE,
      client_msg_id: "order-42-shipped",
      url: "https://shop.example.com/orders/42",
      data: {
        first: { value: "Hi Li Lei, your order is on its way" },
        keyword1: { value: "42" },
        remark: { value: "Thanks", color: "#173177" },
      },
    });
    const again = await send(payload);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, duplicate: true });
    expect(fake.requestsTo("/cgi-bin/message/template/send")).toHaveLength(calls.length);

    const bad = await send({ ...payload, clientMsgId: "x1", data: { ...payload.data, keyword9: "?" } });
    expect(bad.json().error).toMatchObject({ reason: "template_data_invalid", details: { field: "data.keyword9" } });
    const missing = await send({ ...payload, clientMsgId: "x2", data: { first: "a", keyword1: "b" } });
    expect(missing.json().error.details.field).toBe("data.remark");
    const unknownVar = await send({
      ...payload,
      clientMsgId: "x3",
      data: { ...payload.data, keyword1: "{{contact.iban}}" },
    });
    expect(unknownVar.json().error.reason).toBe("template_variable_unknown");
    const refused = await send({ ...payload, openId: "o-not-following", clientMsgId: "x4" });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details.code).toBe(43004);

    // WeChat reports the outcome later.
    const t = String(Math.floor(Date.now() / 1000));
    const finished = await pushPlain(
      env,
      channelId,
      `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o-cs-tpl]]></FromUserName><CreateTime>${t}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200228332</MsgID><Status><![CDATA[success]]></Status></xml>`,
      TOKEN,
    );
    expect(finished.body).toBe("success");
    const status = await env.app.inject({
      url: `${base}/template-messages/${first.json().id}`,
      headers: a.auth("agent"),
    });
    expect(status.json()).toMatchObject({ status: "delivered", msgId: "200228332" });
    expect(status.json().finishedAt).toBeTruthy();

    // The window closes: a reply is refused with the templates that can still reach the customer.
    await sql`update wechat_reply_windows set expires_at = now() - interval '1 second' where open_id = 'o-cs-tpl'`.execute(
      env.database.db,
    );
    const late = await reply(caseId, "Anything else?");
    expect(late.statusCode).toBe(409);
    expect(late.json().error.reason).toBe("reply_window_closed");
    expect(late.json().error.message).toContain('"Order shipped"');
    expect(late.json().error.details.templates).toEqual([
      { templateId: TEMPLATE, title: "Order shipped", variables: ["first", "keyword1", "remark"] },
    ]);
  });

  it("downloads inbound image and video media in a job and uploads outbound media within WeChat's limits", async () => {
    env.config.DATA_DIR = mkdtempSync(join(tmpdir(), "rapport-wechat-media-"));
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 1)]);
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypmp42"), Buffer.alloc(5000, 2)]);
    const amr = Buffer.concat([Buffer.from("#!AMR\n"), Buffer.alloc(800, 3)]);
    fake.on("/cgi-bin/media/get", ({ query }) => {
      const id = query.get("media_id");
      if (id === "IMG1")
        return new FakeRaw(jpeg, "image/jpeg", 200, { "content-disposition": 'attachment; filename="a.jpg"' });
      if (id === "VID1") return { video_url: `${fake.url}/cdn/video/1.mp4` };
      if (id === "VOICE1") return new FakeRaw(amr, "audio/amr");
      return { errcode: 40007, errmsg: "invalid media_id" };
    });
    fake.on("/cdn/video/1.mp4", () => new FakeRaw(mp4, "video/mp4"));
    fake.on("/cgi-bin/media/upload", ({ query }) => ({ ...apiFixture("api-media-upload"), type: query.get("type") }));

    const push = (xml: string) => pushPlain(env, channelId, xml, TOKEN);
    const media = (type: string, fields: string, id: number) =>
      `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o-media]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[${type}]]></MsgType>${fields}<MsgId>${id}</MsgId></xml>`;
    expect(
      (
        await push(
          media("image", "<PicUrl><![CDATA[http://mmbiz/x]]></PicUrl><MediaId><![CDATA[IMG1]]></MediaId>", 9001),
        )
      ).body,
    ).toBe("success");
    // WeChat's retry stores and fetches nothing twice.
    await push(media("image", "<PicUrl><![CDATA[http://mmbiz/x]]></PicUrl><MediaId><![CDATA[IMG1]]></MediaId>", 9001));
    await push(media("video", "<MediaId><![CDATA[VID1]]></MediaId><ThumbMediaId><![CDATA[T]]></ThumbMediaId>", 9002));
    await push(media("voice", "<MediaId><![CDATA[GONE]]></MediaId><Format><![CDATA[amr]]></Format>", 9003));
    await push(
      media(
        "voice",
        "<MediaId><![CDATA[VOICE1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[你好]]></Recognition>",
        9004,
      ),
    );

    const base = `/api/v1/channels/${channelId}/wechat/media`;
    const status = async (id: string) =>
      (await env.app.inject({ url: `${base}/${id}`, headers: a.auth("agent") })).json();
    await waitFor(async () => (await status("IMG1")).status === "stored" && (await status("VID1")).status === "stored");
    await waitFor(async () => (await status("GONE")).status === "failed");
    expect(await status("IMG1")).toMatchObject({ kind: "image", contentType: "image/jpeg", bytes: jpeg.length });
    expect((await status("GONE")).error).toContain("40007");
    const file = await env.app.inject({ url: `${base}/IMG1/file`, headers: a.auth("agent") });
    expect(file.headers["content-type"]).toBe("image/jpeg");
    expect(file.rawPayload.equals(jpeg)).toBe(true);
    expect((await env.app.inject({ url: `${base}/VID1/file`, headers: a.auth("agent") })).rawPayload.equals(mp4)).toBe(
      true,
    );
    expect(fake.requestsTo("/cgi-bin/media/get").filter((r) => r.query.get("media_id") === "IMG1")).toHaveLength(1);
    // The stored file is an attachment of the message's case, named by the message's content.media.
    const img = await status("IMG1");
    const stored = await sql<{ content: Record<string, unknown>; case_id: string }>`
      select content, case_id from messages where workspace_id = ${a.workspace.id} and id = ${img.messageId}`.execute(
      env.database.db,
    );
    const content = stored.rows[0]?.content ?? {};
    expect(content).toMatchObject({
      mediaId: "IMG1",
      media: { attachmentId: img.attachmentId, mimeType: "image/jpeg", size: jpeg.length },
    });
    const viaAttachments = await env.app.inject({
      url: `/api/v1/attachments/${img.attachmentId}`,
      headers: a.auth("agent"),
    });
    expect(viaAttachments.rawPayload.equals(jpeg)).toBe(true);
    const listed = await env.app.inject({
      url: `/api/v1/cases/${stored.rows[0]?.case_id}/attachments`,
      headers: a.auth("agent"),
    });
    expect(listed.json().data).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: img.attachmentId, contentType: "image/jpeg" })]),
    );
    await waitFor(async () => (await status("VOICE1")).status === "stored");
    const voice = await status("VOICE1");
    const voiceRow = await sql<{ content: Record<string, unknown> }>`
      select content from messages where workspace_id = ${a.workspace.id} and id = ${voice.messageId}`.execute(
      env.database.db,
    );
    expect(voiceRow.rows[0]?.content).toMatchObject({
      transcript: "你好",
      media: { attachmentId: voice.attachmentId, mimeType: "audio/amr", size: amr.length },
    });
    const other = await buildWorkspace(env);
    expect(
      (await env.app.inject({ url: `/api/v1/attachments/${img.attachmentId}`, headers: other.auth("agent") }))
        .statusCode,
    ).toBe(404);
    expect((await env.app.inject({ url: `${base}/GONE/file`, headers: a.auth("agent") })).statusCode).toBe(409);

    const upload = (type: string, contentType: string, body: Buffer) =>
      env.app.inject({
        method: "POST",
        url: `${base}?type=${type}`,
        headers: { ...a.auth("agent"), "content-type": contentType },
        payload: body,
      });
    const ok = await upload("image", "image/jpeg", jpeg);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ type: "image", mediaId: "12345678" });
    const sent = fake.requestsTo("/cgi-bin/media/upload").at(-1);
    expect(sent?.headers["content-type"]).toMatch(/^multipart\/form-data/);
    expect(sent?.raw.includes(jpeg)).toBe(true);
    const calls = fake.requestsTo("/cgi-bin/media/upload").length;
    const big = await upload("image", "image/jpeg", Buffer.concat([jpeg, Buffer.alloc(10 * 1024 * 1024)]));
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ reason: "wechat_media_too_large" });
    expect(big.json().error.message).toContain("10 MB");
    const thumb = await upload("thumb", "image/jpeg", Buffer.concat([jpeg, Buffer.alloc(64 * 1024)]));
    expect(thumb.json().error.reason).toBe("wechat_media_too_large");
    const mislabelled = await upload("image", "image/png", jpeg);
    expect(mislabelled.statusCode).toBe(415);
    expect(mislabelled.json().error.reason).toBe("wechat_media_format");
    const voiceAsVideo = await upload("video", "audio/amr", Buffer.from("#!AMR\n...."));
    expect(voiceAsVideo.json().error.reason).toBe("wechat_media_format");
    expect(fake.requestsTo("/cgi-bin/media/upload")).toHaveLength(calls);
    expect((await upload("voice", "audio/amr", Buffer.from("#!AMR\n...."))).statusCode).toBe(201);
  });

  it("shows the typing indicator only while the customer's window is open", async () => {
    fake.on("/cgi-bin/message/custom/typing", () => ({ errcode: 0, errmsg: "ok" }));
    const typing = (openId: string, on: boolean) =>
      env.app.inject({
        method: "POST",
        url: `/api/v1/channels/${channelId}/wechat/typing`,
        headers: a.auth("agent"),
        payload: { openId, typing: on },
      });
    await customerWrites("o-typing", "Hello?");
    expect((await typing("o-typing", true)).statusCode).toBe(204);
    expect((await typing("o-typing", false)).statusCode).toBe(204);
    expect(fake.requestsTo("/cgi-bin/message/custom/typing").map((r) => r.body)).toEqual([
      { touser: "o-typing", command: "Typing" },
      { touser: "o-typing", command: "CancelTyping" },
    ]);
    const closed = await typing("o-never-wrote", true);
    expect(closed.statusCode).toBe(409);
    expect(fake.requestsTo("/cgi-bin/message/custom/typing")).toHaveLength(2);
  });

  it("refreshes the token once and retries once when WeChat says it expired (42001)", async () => {
    const caseId = await customerWrites("o-cs-2", "Hello");
    fake.rotate();
    const calls = fake.state.tokenCalls.length;
    const sent = await reply(caseId, "after rotation");
    await waitFor(async () => (await messageOf(caseId, sent.json().id)).status === "sent");
    expect(fake.state.tokenCalls.slice(calls)).toEqual([{ appid: APP_ID, force: false }]);
    expect(fake.state.sends.at(-1)).toMatchObject({ touser: "o-cs-2", text: { content: "after rotation" } });
  });

  it("refreshes the token ahead of time when 5 minutes or less remain", async () => {
    const caseId = await customerWrites("o-cs-3", "Hello");
    await sql`update wechat_access_tokens set expires_at = now() + interval '4 minutes' where workspace_id = ${a.workspace.id}`.execute(
      env.database.db,
    );
    const calls = fake.state.tokenCalls.length;
    const attempts = fake.state.sendAttempts;
    const sent = await reply(caseId, "fresh token");
    await waitFor(async () => (await messageOf(caseId, sent.json().id)).status === "sent");
    expect(fake.state.tokenCalls.length - calls).toBe(1);
    expect(fake.state.sendAttempts - attempts).toBe(1);
  });

  it("maps 45015 to reply_window_closed and refuses the next reply before calling WeChat", async () => {
    const caseId = await customerWrites("o-cs-4", "Hello");
    fake.state.script.push(45015);
    const sent = await reply(caseId, "too late");
    await waitFor(async () => (await messageOf(caseId, sent.json().id)).status === "failed");
    expect((await messageOf(caseId, sent.json().id)).error).toMatch(/^reply_window_closed: .*45015/);
    const attempts = fake.state.sendAttempts;
    const next = await reply(caseId, "again");
    expect(next.statusCode).toBe(409);
    expect(next.json().error.reason).toBe("reply_window_closed");
    expect(fake.state.sendAttempts).toBe(attempts);
  });

  it("maps 45047 to reply_quota_exhausted, and does not retry 45009 (daily quota)", async () => {
    const caseId = await customerWrites("o-cs-5", "Hello");
    fake.state.script.push(45047);
    const first = await reply(caseId, "quota");
    await waitFor(async () => (await messageOf(caseId, first.json().id)).status === "failed");
    expect((await messageOf(caseId, first.json().id)).error).toMatch(/^reply_quota_exhausted: /);
    expect((await reply(caseId, "more")).json().error.reason).toBe("reply_quota_exhausted");

    const other = await customerWrites("o-cs-6", "Hello");
    fake.state.script.push(45009);
    const attempts = fake.state.sendAttempts;
    const daily = await reply(other, "daily");
    await waitFor(async () => (await messageOf(other, daily.json().id)).status === "failed");
    expect((await messageOf(other, daily.json().id)).error).toContain("45009");
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.state.sendAttempts - attempts).toBe(1);
  });

  it("reports wrong credentials as 'WeChat rejected the credentials (40125)'", async () => {
    const ok = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/test`,
      headers: a.auth("admin"),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    fake.state.secret = "another-secret";
    const bad = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/test`,
      headers: a.auth("admin"),
    });
    fake.state.secret = SECRET;
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({
      reason: "wechat_credentials_rejected",
      message: "WeChat rejected the credentials (40125)",
    });
    expect(bad.body).not.toContain(SECRET);
  });

  it("applies §2.9 exactly: 5 in 48 h per message, 3 in 1 min per click/follow/scan, unlimited 48 h per payment", async () => {
    const scope = { workspaceId: a.workspace.id, channelId, openId: "o-window" };
    const t0 = new Date("2026-03-01T10:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const spend = (when: Date) => runTransaction(env.database, (tx) => spendReply(tx, scope, when));
    const reason = async (when: Date) => {
      try {
        await spend(when);
        return "ok";
      } catch (err) {
        return (err as { reason: string }).reason;
      }
    };
    expect(await reason(t0)).toBe("reply_window_closed");

    await runTransaction(env.database, (tx) => openWindow(tx, scope, "message", t0));
    for (let i = 0; i < 5; i++) expect(await reason(at(3600_000))).toBe("ok");
    expect(await reason(at(3600_000))).toBe("reply_quota_exhausted");

    // A menu click adds its own 3 replies for one minute.
    await runTransaction(env.database, (tx) => openWindow(tx, scope, "interaction", at(7200_000)));
    for (let i = 0; i < 3; i++) expect(await reason(at(7200_000 + 10_000))).toBe("ok");
    expect(await reason(at(7200_000 + 20_000))).toBe("reply_quota_exhausted");

    // A new customer message: allowed at 47 h 59 m, refused at 48 h.
    const t1 = at(10 * 3600_000);
    await runTransaction(env.database, (tx) => openWindow(tx, scope, "message", t1));
    expect(await reason(new Date(t1.getTime() + (47 * 60 + 59) * 60_000))).toBe("ok");
    expect(await reason(new Date(t1.getTime() + 48 * 3600_000))).toBe("reply_window_closed");

    // A follow alone: 3 within the minute, none after it.
    const scan = { ...scope, openId: "o-window-2" };
    await runTransaction(env.database, (tx) => openWindow(tx, scan, "interaction", t0));
    const spendScan = (when: Date) => runTransaction(env.database, (tx) => spendReply(tx, scan, when));
    await spendScan(at(59_000));
    await expect(spendScan(at(61_000))).rejects.toMatchObject({ reason: "reply_window_closed" });

    // A payment: unlimited replies for 48 h.
    const paid = { ...scope, openId: "o-window-3" };
    await runTransaction(env.database, (tx) => openWindow(tx, paid, "payment", t0));
    for (let i = 0; i < 20; i++) await runTransaction(env.database, (tx) => spendReply(tx, paid, at(47 * 3600_000)));
    await expect(
      runTransaction(env.database, (tx) => spendReply(tx, paid, at(48 * 3600_000 + 1))),
    ).rejects.toMatchObject({ reason: "reply_window_closed" });

    // An older action delivered late does not shorten a newer window.
    await runTransaction(env.database, (tx) => openWindow(tx, paid, "payment", at(-3600_000)));
    await runTransaction(env.database, (tx) => spendReply(tx, paid, at(47 * 3600_000 + 1800_000)));
  });

  it("creates parametric QR codes within WeChat's limits and credits them with scans and new followers", async () => {
    const qr = (payload: object) =>
      env.app.inject({
        method: "POST",
        url: `/api/v1/channels/${channelId}/wechat/qr-codes`,
        headers: a.auth("admin"),
        payload,
      });
    const created = await qr({ name: "Summer flyer", campaign: "summer", permanent: true, sceneStr: "summer-2026" });
    expect(created.statusCode, created.body).toBe(201);
    const ticket = apiFixture("api-qrcode-create").ticket as string;
    expect(created.json()).toMatchObject({
      name: "Summer flyer",
      permanent: true,
      scene: "summer-2026",
      expiresAt: null,
      imageUrl: `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`,
    });
    expect(fake.state.qrRequests.at(-1)).toEqual({
      action_name: "QR_LIMIT_STR_SCENE",
      action_info: { scene: { scene_str: "summer-2026" } },
    });
    const temporary = await qr({ name: "Booth", sceneId: 42, expireSeconds: 86_400 });
    expect(temporary.statusCode).toBe(201);
    expect(fake.state.qrRequests.at(-1)).toMatchObject({ action_name: "QR_SCENE", expire_seconds: 86_400 });
    expect(Date.parse(temporary.json().expiresAt)).toBeGreaterThan(Date.now());

    const requests = fake.state.qrRequests.length;
    for (const bad of [
      { name: "x", permanent: true, sceneId: 100_001 },
      { name: "x", permanent: true, sceneId: 0 },
      { name: "x", sceneStr: "s".repeat(65) },
      { name: "x", sceneId: 1, sceneStr: "both" },
      { name: "x", sceneId: 1, expireSeconds: 2_592_001 },
      { name: "x", permanent: true, sceneId: 5, expireSeconds: 600 },
    ]) {
      expect((await qr(bad)).statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect(fake.state.qrRequests.length).toBe(requests);

    const ts = Math.floor(Date.now() / 1000);
    const push = (xml: string) => pushPlain(env, channelId, xml, TOKEN);
    const event = (openId: string, name: string, key: string, at: number) =>
      `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${at}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${name}]]></Event><EventKey><![CDATA[${key}]]></EventKey><Ticket><![CDATA[${ticket}]]></Ticket></xml>`;
    await push(event("o-qr-1", "subscribe", "qrscene_summer-2026", ts));
    await push(event("o-qr-1", "subscribe", "qrscene_summer-2026", ts));
    await push(event("o-qr-2", "SCAN", "summer-2026", ts));
    await push(event("o-qr-3", "subscribe", "qrscene_42", ts));
    const list = await env.app.inject({
      url: `/api/v1/channels/${channelId}/wechat/qr-codes`,
      headers: a.auth("agent"),
    });
    const byName = Object.fromEntries(
      list
        .json()
        .data.map((q: { name: string; scans: number; newFollowers: number }) => [q.name, [q.scans, q.newFollowers]]),
    );
    expect(byName).toEqual({ "Summer flyer": [2, 1], Booth: [1, 1] });

    // The image, fetched by the server from showqrcode (on the fake, as apiBaseUrl is not WeChat's).
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
    fake.on("/cgi-bin/showqrcode", ({ query }) =>
      query.get("ticket") === ticket ? new FakeRaw(png, "image/png") : new FakeRaw("no", "text/plain", 404),
    );
    const imagePath = created.json().imagePath as string;
    expect(imagePath).toBe(`/api/v1/channels/${channelId}/wechat/qr-codes/${created.json().id}/image`);
    const image = await env.app.inject({ url: imagePath, headers: a.auth("agent") });
    expect(image.statusCode).toBe(200);
    expect(image.headers["content-type"]).toBe("image/png");
    expect(image.rawPayload.equals(png)).toBe(true);
    const stranger = await buildWorkspace(env);
    expect((await env.app.inject({ url: imagePath, headers: stranger.auth("admin") })).statusCode).toBe(404);
  });
});
