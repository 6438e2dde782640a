/**
 * The widget's pre-chat form, offline form and emailed transcript; the email legs go through a real SMTP peer
 * (the `smtp-server` library on loopback, as in the email channel's tests).
 */
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../../test/harness.ts";
import { startSmtpPeer } from "../email/test-servers.ts";
import { setupWebchatTests, waitFor } from "./test-helpers.ts";
import { renderTranscript } from "./transcript.ts";

type Peer = Awaited<ReturnType<typeof startSmtpPeer>>;

describe("the transcript's rendering", () => {
  it("escapes every text in the HTML part and keeps the plain part readable", () => {
    const at = "2026-12-05T09:30:00.000Z";
    const base = { clientMessageId: null, type: "text", attachment: null, createdAt: at } as const;
    const rendered = renderTranscript("Your conversation with <Acme>", [
      { ...base, id: "1", direction: "inbound", author: "visitor", text: "<img src=x onerror=alert(1)> & hi" },
      {
        ...base,
        id: "2",
        direction: "outbound",
        author: "agent",
        type: "image",
        text: "",
        attachment: { id: "a", name: "cup.png", contentType: "image/png", size: 1 },
      },
    ]);
    expect(rendered.html).not.toContain("<img");
    expect(rendered.html).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; hi");
    expect(rendered.html).toContain("Your conversation with &lt;Acme&gt;");
    expect(rendered.text).toContain("[2026-12-05 09:30 UTC] You: <img src=x onerror=alert(1)> & hi");
    expect(rendered.text).toContain("Support: [image: cup.png]");
  });
});

describe.each(TEST_DATABASES)("web chat forms and transcripts on %s", (kind) => {
  const { t, createChannel, patchChannel, widget, startSession, say, caseWith, messagesOf } = setupWebchatTests(kind);
  let peer: Peer;
  let channelId: string;
  let plainChannelId: string;
  let otherChannelId: string;

  beforeAll(async () => {
    peer = await startSmtpPeer({ users: { "support@acme.test": "smtp-secret" } });
    // Workspace a answers by email; workspace b has no email channel.
    await createChannel(
      t.a,
      {
        fromAddress: "support@acme.test",
        fromName: "Acme Support",
        smtpHost: "127.0.0.1",
        smtpPort: peer.port,
        smtpTls: false,
        smtpUser: "support@acme.test",
        smtpPassword: "smtp-secret",
        allowPrivateNetwork: true,
      },
      "email",
    );
    channelId = (
      await createChannel(t.a, {
        preChatForm: {
          enabled: true,
          fields: [
            { kind: "name", required: true },
            { kind: "email", required: true },
            { kind: "phone" },
            { kind: "custom", key: "order", label: { en: "Order number", fr: "Numéro de commande" } },
            { kind: "custom", key: "plan", label: { en: "Plan" } },
          ],
        },
      })
    ).channel.id;
    // "plan" is also a contact attribute of workspace a: its answer goes there, typed.
    const plan = await t.env.app.inject({
      method: "POST",
      url: "/api/v1/contact-attributes",
      headers: t.a.auth("admin"),
      payload: { key: "plan", label: "Plan", type: "select", options: ["Basic", "Pro"] },
    });
    expect(plan.statusCode, plan.body).toBe(201);
    plainChannelId = (await createChannel(t.a, { offlineForm: { enabled: true } })).channel.id;
    otherChannelId = (await createChannel(t.b, { offlineForm: { enabled: true } })).channel.id;
  });
  afterAll(async () => {
    await peer?.close();
  });

  const mailsTo = (address: string) => peer.received.filter((m) => m.to.includes(address));

  it("asks the pre-chat form first, names every invalid answer, and puts the answers on the contact and the case", async () => {
    const config = (await widget(channelId, "GET", "/config")).json();
    expect(config.preChatForm.fields).toEqual([
      { id: "name", kind: "name", label: {}, required: true },
      { id: "email", kind: "email", label: {}, required: true },
      { id: "phone", kind: "phone", label: {}, required: false },
      { id: "order", kind: "custom", label: { en: "Order number", fr: "Numéro de commande" }, required: false },
      { id: "plan", kind: "custom", label: { en: "Plan" }, required: false },
    ]);
    const { token } = await startSession(channelId);
    expect((await widget(channelId, "GET", "/conversation", { token })).json().preChat).toBe("needed");
    const early = await say(channelId, token, "hello?");
    expect(early.statusCode).toBe(409);
    expect(early.json().error.reason).toBe("prechat_required");

    const bad = await widget(channelId, "POST", "/pre-chat", {
      token,
      payload: { values: { name: " ", email: "mei@", phone: "call me", coupon: "X" } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ reason: "prechat_invalid", details: { field: "values.coupon" } });
    expect(bad.json().error.details.problems.map((p: { field: string }) => p.field)).toEqual([
      "values.coupon",
      "values.name",
      "values.email",
      "values.phone",
    ]);
    expect(bad.json().error.message).toContain("values.email must be an email address");

    const ok = await widget(channelId, "POST", "/pre-chat", {
      token,
      payload: {
        values: {
          name: "Mei Chen",
          email: "Mei@Example.com",
          phone: "+33 6 12 34 56 78",
          order: "A-1042",
          plan: "pro",
        },
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await widget(channelId, "GET", "/conversation", { token })).json()).toMatchObject({
      preChat: "done",
      email: "mei@example.com",
    });
    expect((await say(channelId, token, "Where is my teapot order?")).statusCode).toBe(201);
    const found = await caseWith(t.a, "teapot order");

    const contact = await t.env.app.inject({ url: `/api/v1/contacts/${found.contactId}`, headers: t.a.auth("agent") });
    expect(contact.body).toContain("Mei Chen");
    expect(contact.body).toContain("mei@example.com");
    expect(contact.body).toContain("+33612345678");
    // The answer naming an attribute is stored in it, as the attribute's option; the other stays on the timeline.
    expect(contact.json().attributes).toEqual({ plan: "Pro" });
    const timeline = await t.env.app.inject({
      url: `/api/v1/contacts/${found.contactId}/timeline`,
      headers: t.a.auth("agent"),
    });
    expect(timeline.body).toContain("prechat_form");
    expect(timeline.body).toContain("A-1042");
    const note = await waitFor(async () => (await messagesOf(t.a, found.id)).find((m) => m.private));
    expect(note.text).toBe(
      "Pre-chat form\nName: Mei Chen\nEmail: mei@example.com\nPhone: +33 6 12 34 56 78\nPlan: pro\nOrder number: A-1042",
    );
    // The visitor never sees the note.
    expect((await widget(channelId, "GET", "/conversation", { token })).body).not.toContain("Pre-chat form");
    const late = await widget(channelId, "POST", "/pre-chat", {
      token,
      payload: { values: { name: "X", email: "x@y.z" } },
    });
    expect(late.json().error.reason).toBe("prechat_too_late");
  });

  it("refuses a pre-chat config it cannot show, naming the field", async () => {
    const res = await patchChannel(t.a, channelId, {
      preChatForm: { enabled: true, fields: [{ kind: "custom", label: { en: "Order" } }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.field).toBe("config.preChatForm.fields[0].key");
    const twice = await patchChannel(t.a, channelId, {
      preChatForm: { enabled: true, fields: [{ kind: "email" }, { kind: "email" }] },
    });
    expect(twice.json().error.details.field).toBe("config.preChatForm.fields[1]");
  });

  it("turns the offline form into an email case whose reply leaves by SMTP to the customer", async () => {
    // Off unless the channel turns it on.
    expect((await widget(channelId, "GET", "/config")).json().offlineForm).toBe(false);
    const off = await startSession(channelId);
    const refused = await widget(channelId, "POST", "/offline-messages", {
      token: off.token,
      payload: { name: "Li", email: "li@customer.test", message: "hi" },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.reason).toBe("offline_form_disabled");
    expect((await widget(plainChannelId, "GET", "/config")).json().offlineForm).toBe(true);

    const { token } = await startSession(plainChannelId);
    const unique = Date.now().toString(36);
    const bad = await widget(plainChannelId, "POST", "/offline-messages", {
      token,
      payload: { name: "Li", email: "not-an-email", message: "" },
    });
    expect(bad.statusCode).toBe(400);
    const sent = await widget(plainChannelId, "POST", "/offline-messages", {
      token,
      payload: { name: "Li Wei", email: "li.wei@customer.test", message: `Do you ship to Chengdu? ${unique}\nThanks` },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toEqual({ replyBy: "email" });
    const found = await caseWith(t.a, `Chengdu? ${unique}`);
    const conversations = await t.env.app.inject({
      url: `/api/v1/cases/${found.id}/conversations`,
      headers: t.a.auth("agent"),
    });
    expect(conversations.body).toContain('"channelType":"email"');
    const reply = await t.env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${found.id}/messages`,
      headers: t.a.auth("agent"),
      payload: { text: `Yes, in 5 days (${unique}).` },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const mail = await waitFor(() =>
      mailsTo("li.wei@customer.test").find((m) => m.raw.toString().includes(`in 5 days (${unique})`)),
    );
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toMatch(new RegExp(`^Re: Do you ship to Chengdu\\? ${unique} \\[#[A-Z0-9]{6}\\]$`));
    expect(parsed.from?.value[0]?.address).toBe("support@acme.test");
    expect(mail.user).toBe("support@acme.test");
    // The customer's email is their contact's identity.
    const contact = await t.env.app.inject({ url: `/api/v1/contacts/${found.contactId}`, headers: t.a.auth("agent") });
    expect(contact.body).toContain("li.wei@customer.test");
  });

  it("keeps an offline message as a web chat case, saying so on it, where the workspace has no email channel", async () => {
    const { token } = await startSession(otherChannelId);
    const sent = await widget(otherChannelId, "POST", "/offline-messages", {
      token,
      payload: { name: "Ana", email: "ana@customer.test", message: "Is the shop open on Sunday?" },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toEqual({ replyBy: "chat" });
    const found = await caseWith(t.b, "open on Sunday");
    const note = await waitFor(async () => (await messagesOf(t.b, found.id)).find((m) => m.private));
    expect(note.text).toContain("no email channel");
    expect(note.text).toContain("ana@customer.test");
    // Workspace a sees nothing of it.
    const aCases = await t.env.app.inject({ url: "/api/v1/cases?limit=100", headers: t.a.auth("agent") });
    expect(aCases.body).not.toContain("open on Sunday");
    expect((await t.env.app.inject({ url: `/api/v1/cases/${found.id}`, headers: t.a.auth("agent") })).statusCode).toBe(
      404,
    );
  });

  it("emails the transcript, escaped, to the visitor's address through the workspace's mailbox, rate-limited", async () => {
    const { token } = await startSession(plainChannelId);
    const unique = Date.now().toString(36);
    expect((await say(plainChannelId, token, `Transcript question ${unique}`)).statusCode).toBe(201);
    const found = await caseWith(t.a, `Transcript question ${unique}`);
    await t.env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${found.id}/messages`,
      headers: t.a.auth("agent"),
      payload: { text: "Try <b>green</b> & black tea" },
    });
    await t.env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${found.id}/messages`,
      headers: t.a.auth("agent"),
      payload: { text: "internal: VIP", private: true },
    });
    const noEmail = await widget(plainChannelId, "POST", "/transcript", { token, payload: {} });
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.json().error).toMatchObject({ reason: "transcript_email_required", details: { field: "email" } });
    expect((await widget(plainChannelId, "GET", "/config")).json().transcript).toBe(true);

    const to = `visitor-${unique}@customer.test`;
    const sent = await widget(plainChannelId, "POST", "/transcript", { token, payload: { email: to } });
    expect(sent.statusCode, sent.body).toBe(202);
    expect(sent.json()).toEqual({ email: to, messages: 2 });
    const mail = await waitFor(() => mailsTo(to)[0]);
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe("Your conversation with Acme Support");
    expect(parsed.headers.get("auto-submitted")).toBe("auto-generated");
    expect(parsed.text).toContain(`You: Transcript question ${unique}`);
    expect(parsed.text).toContain("Support: Try <b>green</b> & black tea");
    expect(parsed.html).toContain("Try &lt;b&gt;green&lt;/b&gt; &amp; black tea");
    expect(parsed.html).not.toContain("<b>green");
    expect(mail.raw.toString()).not.toContain("VIP");

    // Bursts of 3 per visitor (the refused request without an email counted) and per recipient, then 429.
    const more = [];
    for (let i = 0; i < 3; i += 1) {
      more.push((await widget(plainChannelId, "POST", "/transcript", { token, payload: { email: to } })).statusCode);
    }
    expect(more).toEqual([202, 429, 429]);
    // Another visitor asking for the same address is held by the recipient's bucket.
    const other = await startSession(plainChannelId);
    await say(plainChannelId, other.token, "me too");
    const ask = () => widget(plainChannelId, "POST", "/transcript", { token: other.token, payload: { email: to } });
    expect((await ask()).statusCode).toBe(202);
    const flood = await ask();
    expect(flood.statusCode).toBe(429);
    expect(flood.json().error.reason).toBe("widget_rate_limited");
  });

  it("writes the transcript in the visitor's language", async () => {
    const session = await widget(plainChannelId, "POST", "/sessions", { payload: { language: "fr" } });
    const { token } = session.json() as { token: string };
    await say(plainChannelId, token, "Bonjour, livrez-vous à Lyon ?");
    const to = `fr-${Date.now().toString(36)}@customer.test`;
    expect((await widget(plainChannelId, "POST", "/transcript", { token, payload: { email: to } })).statusCode).toBe(
      202,
    );
    const parsed = await simpleParser((await waitFor(() => mailsTo(to)[0])).raw);
    expect(parsed.subject).toBe("Votre conversation avec Acme Support");
    expect(parsed.text).toContain("Vous: Bonjour, livrez-vous à Lyon ?");
  });

  it("says clearly that transcripts need an email channel, and keeps other workspaces' visitors out", async () => {
    const { token } = await startSession(otherChannelId);
    expect((await widget(otherChannelId, "GET", "/config")).json().transcript).toBe(false);
    await say(otherChannelId, token, "A question in workspace b");
    const res = await widget(otherChannelId, "POST", "/transcript", { token, payload: { email: "x@customer.test" } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.reason).toBe("transcript_unavailable");

    // A token of workspace b's channel on workspace a's channels.
    const calls: [string, object][] = [
      ["/pre-chat", { values: {} }],
      ["/offline-messages", { name: "x", email: "x@customer.test", message: "x" }],
      ["/transcript", { email: "x@customer.test" }],
    ];
    for (const [path, payload] of calls) {
      const cross = await widget(plainChannelId, "POST", path, { token, payload });
      expect(cross.statusCode, path).toBe(401);
      expect(cross.json().error.reason).toBe("visitor_token_invalid");
    }
  });
});
