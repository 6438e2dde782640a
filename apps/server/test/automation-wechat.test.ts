import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AutomationWorld, setUpAutomationWorld } from "../src/modules/automation/test-factories.ts";
import { sendRuleTemplate, TEMPLATE_JOB, TemplateJobData } from "../src/modules/automation/webhooks.ts";
import {
  createFakeChannel,
  type FakeWechat,
  pushPlain,
  startFakeWechat,
} from "../src/modules/channels/wechat/test-fake-wechat.ts";
import { TEST_DATABASES, type TestEnv } from "./harness.ts";
import { waitFor } from "./wait.ts";

const TEMPLATE = "tpl-order-shipped";

describe.each(TEST_DATABASES)("rules on a WeChat channel on %s", (kind) => {
  const world = setUpAutomationWorld(kind);
  let env: TestEnv;
  let a: AutomationWorld["a"];
  let fake: FakeWechat;
  let channelId: string;
  beforeAll(async () => {
    ({ env, a } = world);
    fake = await startFakeWechat();
    channelId = await createFakeChannel(env, a.auth("admin"), fake);
    fake.on("/cgi-bin/template/get_all_private_template", () => ({
      template_list: [
        { template_id: TEMPLATE, title: "Order shipped", content: "{{first.DATA}}\n{{remark.DATA}}", example: "" },
      ],
    }));
    fake.on("/cgi-bin/message/template/send", () => ({ errcode: 0, errmsg: "ok", msgid: 4242 }));
    const synced = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/wechat/templates/sync`,
      headers: a.auth("admin"),
    });
    expect(synced.statusCode, synced.body).toBe(200);
  });
  afterAll(() => fake?.close());

  let seq = 1;
  const xml = (openId: string, body: string) =>
    `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000) + seq++}</CreateTime>${body}</xml>`;
  const push = async (openId: string, body: string) =>
    expect((await pushPlain(env, channelId, xml(openId, body))).body).toBe("success");
  const messagesOf = async (caseId: string) =>
    (await env.app.inject({ url: `/api/v1/cases/${caseId}/messages`, headers: a.auth("agent") })).json().data as {
      type: string;
      direction: string;
      private: boolean;
      text: string;
      content: Record<string, unknown> | null;
    }[];

  it("answers a menu click with a news card and a template message, and tags a follow from a QR scene", async () => {
    const rules = [
      {
        name: "Menu → card + template",
        trigger: "menu.clicked",
        keys: ["SERVICE"],
        actions: [
          { type: "reply", content: { kind: "article", title: "How can we help?", url: "https://help.example/" } },
          {
            type: "send_template",
            templateId: TEMPLATE,
            data: { first: "Hello {{contact.displayName}}", remark: "Reply 1 to track" },
          },
          { type: "reply", content: { kind: "quick_replies", text: "Pick", options: [{ id: "1", label: "Track" }] } },
        ],
      },
      { name: "Spring QR", trigger: "qr.scanned", keys: ["spring"], actions: [{ type: "add_tags", tags: ["spring"] }] },
    ];
    for (const r of rules) expect((await world.createRule(r)).statusCode).toBe(201);

    await push(
      "o-rule-1",
      "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>9001</MsgId>",
    );
    let caseId = "";
    await waitFor(async () => {
      const list = (await env.app.inject({ url: "/api/v1/cases?limit=100", headers: a.auth("agent") })).json().data as {
        id: string;
        subject: string;
      }[];
      caseId = list.find((c) => c.subject === "hello")?.id ?? "";
      return caseId !== "";
    });
    await push(
      "o-rule-1",
      "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[SERVICE]]></EventKey>",
    );
    await push(
      "o-rule-1",
      "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[spring]]></EventKey><Ticket><![CDATA[t1]]></Ticket>",
    );
    await waitFor(async () => (await messagesOf(caseId)).filter((m) => m.direction === "outbound").length === 2);
    const out = (await messagesOf(caseId))
      .filter((m) => m.direction === "outbound")
      .map((m) => m.type)
      .sort();
    expect(out).toEqual(["msgmenu", "news"]);
    await waitFor(async () =>
      (
        (await env.app.inject({ url: `/api/v1/cases/${caseId}`, headers: a.auth("agent") })).json().tags as string[]
      ).includes("spring"),
    );

    // The template goes out by its job, once however often the job runs.
    const jobs = await env.database.query<{ data: unknown }>(
      `select data from ${env.jobsSchema}.job where name = '${TEMPLATE_JOB}'`,
    );
    expect(jobs.rows).toHaveLength(1);
    const data = TemplateJobData.parse(jobs.rows[0]?.data);
    expect(data).toMatchObject({ channelId, openId: "o-rule-1", templateId: TEMPLATE, caseId });
    await sendRuleTemplate(env, data);
    await sendRuleTemplate(env, data);
    const sent = fake.requestsTo("/cgi-bin/message/template/send");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({ touser: "o-rule-1", template_id: TEMPLATE, client_msg_id: data.clientMsgId });
  });
});
