import type { LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeChannel,
  type FakeWechat,
  pushPlain,
  startFakeWechat,
} from "../src/modules/channels/wechat/test-fake-wechat.ts";
import { ingestEvents } from "../src/modules/profiles/index.ts";
import { createDispatcher, type Dispatcher } from "../src/platform/outbox.ts";
import { subscribeHandlers } from "../src/wiring.ts";
import { buildWorkspace } from "./factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "./harness.ts";
import { sleep, waitFor } from "./wait.ts";

type Workspace = Awaited<ReturnType<typeof buildWorkspace>>;
type Send = { touser: string; msgtype: string; [key: string]: unknown };
type CaseView = {
  id: string;
  contactId: string;
  control: string | null;
  handover: { reason: string } | null;
  teamId: string | null;
};

/**
 * The WeChat service scenarios of issue #8, end to end: installed through the API, driven by signed webhook pushes
 * (plain mode) and answered through the fake WeChat API, whose customer-service sends are asserted.
 */
describe.each(TEST_DATABASES)("WeChat service scenarios on %s", (kind) => {
  let env: TestEnv;
  let a: Workspace;
  let b: Workspace;
  let fake: FakeWechat;
  let channelId: string;
  let dispatcher: Dispatcher | undefined;
  const installs: { id: string; ws: Workspace }[] = [];

  beforeAll(async () => {
    env = await openTestEnv(kind, { OUTBOUND_RETRY_DELAY_SECONDS: "1" });
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    await env.jobs.start({ work: true, supervise: false });
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await dispatcher.start();
    fake = await startFakeWechat();
    channelId = await createFakeChannel(env, a.auth("admin"), fake);
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await fake?.close();
    await env?.close();
  });
  // Each test's installs are removed after it (so keywords and menu keys do not meet across tests).
  afterEach(async () => {
    for (const i of installs.splice(0)) {
      const r = await call("DELETE", `/api/v1/automation/scenarios/installs/${i.id}`, i.ws.auth("supervisor"));
      expect(r.statusCode, r.body).toBe(204);
    }
  });

  const call = (
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => env.app.inject({ method, url, headers, ...(payload ? { payload } : {}) }) as Promise<LightMyRequestResponse>;
  const install = async (scenario: string, params: object, ws: Workspace = a) => {
    const r = await call("POST", `/api/v1/automation/scenarios/${scenario}/install`, ws.auth("supervisor"), params);
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json() as { install: { id: string; ruleIds: string[]; menuId: string | null } };
    installs.push({ id: body.install.id, ws });
    return body;
  };

  let seq = 1;
  const push = async (openId: string, body: string) => {
    const xml = `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000) + seq++}</CreateTime>${body}</xml>`;
    const r = await pushPlain(env, channelId, xml);
    expect(r.body).toBe("success");
  };
  let msgId = 700_000;
  const say = (openId: string, text: string) =>
    push(openId, `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content><MsgId>${msgId++}</MsgId>`);
  const click = (openId: string, key: string) =>
    push(
      openId,
      `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[${key}]]></EventKey>`,
    );
  const follow = (openId: string, scene?: string) =>
    push(
      openId,
      `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>${scene ? `<EventKey><![CDATA[qrscene_${scene}]]></EventKey><Ticket><![CDATA[t-${scene}]]></Ticket>` : ""}`,
    );
  const scan = (openId: string, scene: string) =>
    push(
      openId,
      `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[${scene}]]></EventKey><Ticket><![CDATA[t-${scene}]]></Ticket>`,
    );

  const sendsTo = (openId: string) => (fake.state.sends as Send[]).filter((s) => s.touser === openId);
  const textOf = (s: Send | undefined) => (s?.text as { content?: string } | undefined)?.content ?? "";
  /** Waits for the openId's nth send (1-based) and returns it. */
  const nextSend = async (openId: string, n: number) => {
    await waitFor(() => sendsTo(openId).length >= n, 15_000);
    return sendsTo(openId)[n - 1] as Send;
  };
  /** Nothing more reaches the customer for a while (the handlers ran and stayed silent). */
  const staysAt = async (openId: string, n: number) => {
    await sleep(1500);
    expect(sendsTo(openId)).toHaveLength(n);
  };
  const casesOf = async (openId: string) => {
    const contact = await contactOf(openId);
    const list = (await call("GET", "/api/v1/cases?limit=100", a.auth("agent"))).json().data as CaseView[];
    return list.filter((c) => c.contactId === contact);
  };
  const caseOfCustomer = async (openId: string) => {
    await waitFor(async () => (await casesOf(openId)).length > 0);
    const [c] = await casesOf(openId);
    return (await call("GET", `/api/v1/cases/${c?.id}`, a.auth("agent"))).json() as CaseView;
  };
  const contactOf = async (openId: string) => {
    const r = await env.database.query<{ contact_id: string }>(
      `select contact_id from contact_identities where workspace_id = '${a.workspace.id}' and external_id = '${openId}'`,
    );
    return r.rows[0]?.contact_id ?? "";
  };

  it("1. menu → numbered keywords → each keyword's reply, for a follower with no case yet", async () => {
    await install("menu-keywords", {
      menuKey: "CUSTOMER_SERVICE",
      intro: "Reply with a number:",
      options: [
        {
          keyword: "1",
          label: "Track your delivery",
          reply: { kind: "article", title: "Track it", url: "https://t.example/" },
        },
        { keyword: "2", label: "Opening hours", reply: { kind: "text", text: "9:00–18:00" } },
      ],
    });
    await click("o-s1", "CUSTOMER_SERVICE");
    const menu = await nextSend("o-s1", 1);
    expect(menu).toMatchObject({ msgtype: "text" });
    expect(textOf(menu)).toBe("Reply with a number:\n1. Track your delivery\n2. Opening hours");
    expect(await casesOf("o-s1")).toHaveLength(0);
    // Recorded on the contact, sent through the click's window.
    const recorded = (
      await call("GET", `/api/v1/contacts/${await contactOf("o-s1")}/channel-messages`, a.auth("agent"))
    ).json().data as { status: string; authorType: string; type: string }[];
    await waitFor(async () =>
      (
        (await call("GET", `/api/v1/contacts/${await contactOf("o-s1")}/channel-messages`, a.auth("agent"))).json()
          .data as {
          status: string;
        }[]
      ).every((m) => m.status === "sent"),
    );
    expect(recorded).toMatchObject([{ authorType: "bot", type: "text" }]);

    await say("o-s1", "１"); // full-width digit: NFKC-folded like any keyword
    expect(await nextSend("o-s1", 2)).toMatchObject({ msgtype: "news", news: { articles: [{ title: "Track it" }] } });
    await say("o-s1", "2");
    expect(textOf(await nextSend("o-s1", 3))).toBe("9:00–18:00");
  });

  it('2. menu → "How can I help?" → the customer\'s next message opens a case for an agent (of the team)', async () => {
    const team = (await call("POST", "/api/v1/teams", a.auth("admin"), { name: "Service desk" })).json() as {
      id: string;
    };
    await install("menu-ask-agent", {
      menuKey: "ASK",
      handoverText: "Thanks, an agent will answer here.",
      teamId: team.id,
    });
    await click("o-ask", "ASK");
    expect(textOf(await nextSend("o-ask", 1))).toBe("How can I help?");
    await say("o-ask", "My parcel arrived broken");
    expect(textOf(await nextSend("o-ask", 2))).toBe("Thanks, an agent will answer here.");
    await waitFor(async () => (await caseOfCustomer("o-ask")).control === "agent");
    const c = await caseOfCustomer("o-ask");
    expect(c.handover?.reason).toBe("menu_request");
    expect(c.teamId).toBe(team.id);
    // The prompt is over: the next message is the agents' alone.
    await say("o-ask", "Photos attached");
    await staysAt("o-ask", 2);
  });

  it("3. follow → welcome with keywords (a QR follow gets its scene's welcome), then keyword replies", async () => {
    await install("welcome", {
      text: "Welcome!",
      options: [{ keyword: "7", label: "Opening hours", reply: { kind: "text", text: "We open at nine." } }],
      scenes: [{ scene: "store_paris", text: "Welcome, Paris store visitor!" }],
    });
    await follow("o-w1");
    expect(textOf(await nextSend("o-w1", 1))).toBe("Welcome!\n7. Opening hours");
    await follow("o-w2", "store_paris");
    expect(textOf(await nextSend("o-w2", 1))).toBe("Welcome, Paris store visitor!\n7. Opening hours");
    await staysAt("o-w2", 1);
    // The QR code is credited (qrscene_ attribution) and the welcome went out without a case.
    const log = (await call("GET", "/api/v1/automation/log?limit=50", a.auth("supervisor"))).json().data as {
      ruleName: string;
      contactId: string;
      results: { action: string; ok: boolean; detail?: string }[];
    }[];
    const w2 = await contactOf("o-w2");
    const mine = log.filter((l) => l.contactId === w2);
    expect(mine.map((l) => l.ruleName)).toEqual(["Welcome from QR store_paris"]);
    expect(mine[0]?.results[0]).toMatchObject({ ok: true, detail: expect.stringMatching(/without a case/) });
    await say("o-w1", "7");
    expect(textOf(await nextSend("o-w1", 2))).toBe("We open at nine.");
  });

  it("4. a keyword → the service QR code; scanning it opens customer service for the next message", async () => {
    await install("qr-to-service", {
      entry: { keywords: ["qr"] },
      scene: "service",
      imageUrl: "https://img.example/qr.png",
      caption: "Scan me",
    });
    await say("o-q1", "QR");
    expect(await nextSend("o-q1", 1)).toMatchObject({
      msgtype: "news",
      news: { articles: [{ title: "Scan me", picurl: "https://img.example/qr.png" }] },
    });
    await scan("o-q2", "service");
    expect(textOf(await nextSend("o-q2", 1))).toBe("Welcome to customer service. How can we help?");
    await say("o-q2", "I need help with my invoice");
    await waitFor(async () => (await caseOfCustomer("o-q2")).control === "agent");
    expect((await caseOfCustomer("o-q2")).handover?.reason).toBe("qr_service");
  });

  it("5. menu → the service mini program's card", async () => {
    await install("mini-program", {
      entry: { menuKey: "MINI" },
      title: "Service app",
      appId: "wx0123456789abcdef",
      pagePath: "pages/service/index",
      thumbMediaId: "THUMB1",
    });
    await click("o-mp", "MINI");
    expect(await nextSend("o-mp", 1)).toMatchObject({
      msgtype: "miniprogrampage",
      miniprogrampage: {
        title: "Service app",
        appid: "wx0123456789abcdef",
        pagepath: "pages/service/index",
        thumb_media_id: "THUMB1",
      },
    });
  });

  it("6. a keyword → an agent's name card", async () => {
    await install("agent-card", { entry: { keywords: ["advisor"] }, agentId: a.users.agent.id, note: "Your advisor" });
    await say("o-card", "advisor");
    const card = await nextSend("o-card", 1);
    expect(card.msgtype).toBe("news");
    expect((card.news as { articles: { description: string }[] }).articles[0]?.description).toBe("Your advisor");
  });

  it("8. a payment → a follow-up that opens customer service for that order", async () => {
    await install("payment-follow-up", { statuses: ["paid"], handoverText: "An agent will look at your order." });
    await say("o-pay", "hello");
    const contactId = await contactOf("o-pay");
    await caseOfCustomer("o-pay");
    await ingestEvents(env, { type: "system", workspaceId: a.workspace.id }, [
      { id: "pay-1", type: "order.paid", contactId, properties: { orderId: "A-1001" } },
    ]);
    expect(textOf(await nextSend("o-pay", 1))).toMatch(/^Thank you for your order!/);
    await say("o-pay", "Can I change the address?");
    expect(textOf(await nextSend("o-pay", 2))).toBe("An agent will look at your order.");
    await waitFor(async () => (await caseOfCustomer("o-pay")).control === "agent");
    expect((await caseOfCustomer("o-pay")).handover?.reason).toBe("order_question");
  });

  it("greets the first message within business hours and sends the away message outside them", async () => {
    const open = {
      timeZone: "UTC",
      weekly: Object.fromEntries(DAYS.map((d) => [d, [{ start: "00:00", end: "24:00" }]])),
    };
    const closedDay = DAYS[(new Date().getUTCDay() + 3) % 7] as string;
    const closed = { timeZone: "UTC", weekly: { [closedDay]: [{ start: "00:00", end: "24:00" }] } };
    expect((await call("PUT", "/api/v1/business-hours", a.auth("supervisor"), { calendar: open })).statusCode).toBe(
      200,
    );
    await install("greeting", { text: "Hello, an agent is on the way." });
    await install("away", { text: "We are closed; we answer tomorrow." });
    await say("o-greet", "hi there");
    expect(textOf(await nextSend("o-greet", 1))).toBe("Hello, an agent is on the way.");
    await say("o-greet", "anyone?");
    await staysAt("o-greet", 1);

    expect((await call("PUT", "/api/v1/business-hours", a.auth("supervisor"), { calendar: closed })).statusCode).toBe(
      200,
    );
    await say("o-away", "hi at night");
    expect(textOf(await nextSend("o-away", 1))).toBe("We are closed; we answer tomorrow.");
    await staysAt("o-away", 1);
  });

  it("runs a multi-level keyword menu: levels, 0 back, a wrong key, leaves of any kind, the timeout, a handover", async () => {
    const { install: inst } = await install("keyword-menu", {
      entry: { menuKey: "IVR", keywords: ["menu"] },
      tree: {
        text: "Main menu:",
        options: [
          {
            key: "1",
            label: "Orders",
            text: "Orders:",
            options: [
              { key: "1", label: "Track", reply: { kind: "text", text: "Tracking: https://t.example/" } },
              { key: "2", label: "An agent", handover: { text: "Passing you to an agent.", reason: "ivr_agent" } },
            ],
          },
          { key: "2", label: "Our shop", reply: { kind: "image", mediaId: "SHOP_PHOTO" } },
        ],
      },
      timeoutMinutes: 5,
    });
    const top = "Main menu:\n1. Orders\n2. Our shop";
    const orders = "Orders:\n1. Track\n2. An agent\n0. Back";
    await say("o-ivr", "menu");
    expect(textOf(await nextSend("o-ivr", 1))).toBe(top);
    await say("o-ivr", "1");
    expect(textOf(await nextSend("o-ivr", 2))).toBe(orders);
    await say("o-ivr", "9");
    expect(textOf(await nextSend("o-ivr", 3))).toBe(`Sorry, that is not one of the options.\n${orders}`);
    await say("o-ivr", "0");
    expect(textOf(await nextSend("o-ivr", 4))).toBe(top);
    await say("o-ivr", "orders"); // a label works like its key
    expect(textOf(await nextSend("o-ivr", 5))).toBe(orders);
    await say("o-ivr", "1");
    expect(textOf(await nextSend("o-ivr", 6))).toBe("Tracking: https://t.example/");

    // The timeout puts the customer back at the top: "2" is now the top level's "Our shop".
    const expire = () =>
      env.database.query(
        `update automation_menu_sessions set expires_at = now() - interval '1 minute' where workspace_id = '${a.workspace.id}' and menu_id = '${inst.menuId}'`,
      );
    await expire();
    await say("o-ivr", "2");
    expect(await nextSend("o-ivr", 7)).toMatchObject({ msgtype: "image", image: { media_id: "SHOP_PHOTO" } });
    // After a timeout, a message that is no key ends the menu silently.
    await expire();
    await say("o-ivr", "thanks, bye");
    await staysAt("o-ivr", 7);
    await say("o-ivr", "2");
    await staysAt("o-ivr", 7);

    await click("o-ivr", "IVR");
    expect(textOf(await nextSend("o-ivr", 8))).toBe(top);
    await say("o-ivr", "1");
    await nextSend("o-ivr", 9);
    await say("o-ivr", "2");
    expect(textOf(await nextSend("o-ivr", 10))).toBe("Passing you to an agent.");
    await waitFor(async () => (await caseOfCustomer("o-ivr")).control === "agent");
    expect((await caseOfCustomer("o-ivr")).handover?.reason).toBe("ivr_agent");
  });

  it("7. bot first: the bot answers, and hands over when the customer asks for a human", async () => {
    await install("bot-first", { maxFallbacks: 2 });
    try {
      // The shipped "order status" flow comes with it.
      const intents = (await call("GET", "/api/v1/bot/intents", a.auth("agent"))).json().data as { name: string }[];
      expect(intents.map((i) => i.name)).toContain("order.status");
      await say("o-bot", "qwertyuiop asdfgh");
      const fallback = await nextSend("o-bot", 1);
      expect(textOf(fallback)).toMatch(/didn't understand|n'ai pas compris|no he entendido|没有理解/);
      await say("o-bot", "I want to talk to a human");
      await waitFor(async () => (await caseOfCustomer("o-bot")).control === "agent", 20_000);
      expect((await caseOfCustomer("o-bot")).handover?.reason).toBe("customer_asked");
    } finally {
      expect((await call("PUT", "/api/v1/bot/settings", a.auth("supervisor"), { enabled: false })).statusCode).toBe(
        200,
      );
    }
  });

  it("validates parameters with the path of each problem, refuses a reinstall and keywords another rule answers", async () => {
    const bad = async (scenario: string, params: object) => {
      const r = await call("POST", `/api/v1/automation/scenarios/${scenario}/install`, a.auth("supervisor"), params);
      expect(r.statusCode, r.body).toBe(400);
      return r.json().error as { reason: string; details: { field: string; problems: string[] } };
    };
    const tree = await bad("keyword-menu", {
      entry: { keywords: ["m"] },
      tree: {
        text: "Menu",
        options: [
          { key: "1", label: "A", reply: { kind: "text", text: "a" } },
          { key: "１", label: "B", reply: { kind: "text", text: "b" } },
          { key: "2", label: "C", text: "C:", options: [{ key: "0", label: "Z", reply: { kind: "text", text: "z" } }] },
          { key: "3", label: "D", text: "D:", options: [] },
        ],
      },
    });
    expect(tree.reason).toBe("scenario_invalid");
    expect(tree.details.field).toBe("tree.options[1].key");
    expect(tree.details.problems).toEqual([
      'tree.options[1].key: duplicate key "１" (options[0].key has it), so this option could never be reached',
      'tree.options[2].options[0].key: "0" is reserved for going back, so this option could never be reached',
      "tree.options[3].options: an empty submenu is a dead end: give it options",
    ]);
    const form = await bad("menu-keywords", {
      menuKey: "bad key",
      options: [{ keyword: "1", label: "x", reply: { kind: "nope" } }],
    });
    expect(form.details.problems[0]).toMatch(/^menuKey: /);
    expect(form.details.problems.some((p) => p.startsWith("options[0].reply.kind"))).toBe(true);
    const entry = await bad("agent-card", { entry: {}, agentId: b.users.agent.id });
    expect(entry.details.problems).toEqual(["entry: give a menuKey, keywords, or both"]);
    const agent = await bad("agent-card", { entry: { keywords: ["x"] }, agentId: b.users.agent.id });
    expect(agent.details.problems).toEqual([`agentId: agent ${b.users.agent.id} does not exist in this workspace`]);

    await install("greeting", { text: "Hi" });
    const again = await call("POST", "/api/v1/automation/scenarios/greeting/install", a.auth("supervisor"), {
      text: "Hi again",
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.reason).toBe("scenario_installed");
    expect(again.json().error.details.installId).toBe(installs[0]?.id);

    await install("menu-keywords", {
      menuKey: "K1",
      options: [{ keyword: "5", label: "x", reply: { kind: "text", text: "x" } }],
    });
    const taken = await bad("welcome", {
      text: "Hi",
      options: [{ keyword: "5", label: "y", reply: { kind: "text", text: "y" } }],
    });
    expect(taken.details.problems).toEqual([
      'options[0].keyword: the keyword "5" is already answered by the rule "Customer service: 5 → x"',
    ]);
    const agentOnly = await call("POST", "/api/v1/automation/scenarios/greeting/install", a.auth("agent"), {
      text: "Hi",
    });
    expect(agentOnly.statusCode).toBe(403);
    expect((await call("POST", "/api/v1/automation/scenarios/nope/install", a.auth("supervisor"), {})).statusCode).toBe(
      404,
    );
  });

  it("records a message without a case that WeChat refuses as failed, with WeChat's reason", async () => {
    await install("welcome", { text: "Welcome!" });
    fake.state.script.push(45015);
    await follow("o-refused");
    const contactId = await contactOf("o-refused");
    const messages = async () =>
      (await call("GET", `/api/v1/contacts/${contactId}/channel-messages`, a.auth("agent"))).json().data as {
        status: string;
        error: string | null;
      }[];
    await waitFor(async () => (await messages())[0]?.status === "failed", 15_000);
    expect((await messages())[0]?.error).toMatch(/^reply_window_closed: WeChat refused the message \(45015/);
    expect(sendsTo("o-refused")).toHaveLength(0);
  });

  it("keeps each workspace's scenarios, menus and messages to itself", async () => {
    const mine = await install("welcome", { text: "Welcome to A" });
    const theirs = await install("welcome", { text: "Welcome to B" }, b);
    const listB = (await call("GET", "/api/v1/automation/scenarios", b.auth("agent"))).json().data as {
      id: string;
      installs: { id: string }[];
    }[];
    expect(listB.find((s) => s.id === "welcome")?.installs.map((i) => i.id)).toEqual([theirs.install.id]);
    expect(
      (await call("DELETE", `/api/v1/automation/scenarios/installs/${mine.install.id}`, b.auth("supervisor")))
        .statusCode,
    ).toBe(404);
    const menu = await install("menu-ask-agent", { menuKey: "ISO" });
    expect(
      (await call("GET", `/api/v1/automation/keyword-menus/${menu.install.menuId}`, b.auth("agent"))).statusCode,
    ).toBe(404);
    expect(
      (await call("GET", `/api/v1/automation/keyword-menus/${menu.install.menuId}`, a.auth("agent"))).statusCode,
    ).toBe(200);

    await follow("o-iso");
    expect(textOf(await nextSend("o-iso", 1))).toBe("Welcome to A");
    await staysAt("o-iso", 1);
    const contactId = await contactOf("o-iso");
    expect((await call("GET", `/api/v1/contacts/${contactId}/channel-messages`, b.auth("agent"))).json().data).toEqual(
      [],
    );
    expect(
      (await call("GET", `/api/v1/contacts/${contactId}/channel-messages`, a.auth("agent"))).json().data,
    ).toHaveLength(1);
  });
});

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
