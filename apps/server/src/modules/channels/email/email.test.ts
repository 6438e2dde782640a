/**
 * The email channel against real mail servers on loopback: customers write with Python's smtplib to an SMTP
 * relay (the `smtp-server` library) that forwards the raw message to `POST /webhooks/email/{id}`, as an MTA
 * pipe would; agents' replies leave through nodemailer to another real SMTP peer standing in for the
 * customer's mail server.
 */
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { createDispatcher, type Dispatcher, runTransaction } from "../../../platform/outbox.ts";
import { subscribeHandlers } from "../../../wiring.ts";
import { sendReply } from "../../conversations/index.ts";
import { findChannel } from "../repository.ts";
import { emailChannel } from "./adapter.ts";
import { ingestEmails } from "./ingest.ts";
import { eq } from "./repository.ts";
import { sendRawWithSmtplib, sendWithSmtplib, startSmtpPeer } from "./test-servers.ts";

type Peer = Awaited<ReturnType<typeof startSmtpPeer>>;

async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CUSTOMER = "Li Wei <li.wei@customer.test>";

describe.each(TEST_DATABASES)("the email channel through real SMTP servers on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let dispatcher: Dispatcher;
  let outbound: Peer;
  let relay: Peer;
  let channelId: string;
  let secret: string;
  let otherChannelId: string;
  const refuse = new Map<string, { message: string; responseCode: number; once?: boolean }>();
  const refused: string[] = [];

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    outbound = await startSmtpPeer({
      users: { "support@acme.test": "smtp-secret-1" },
      rcptError: (address) => {
        const refusal = refuse.get(address);
        if (refusal) refused.push(`${address} ${refusal.responseCode}`);
        if (refusal?.once) refuse.delete(address);
        return refusal;
      },
    });
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: {
        type: "email",
        name: "Acme Support",
        config: {
          fromAddress: "support@acme.test",
          fromName: "Acme Support",
          signature: "Acme Support team\nhttps://acme.test/help",
          smtpHost: "127.0.0.1",
          smtpPort: outbound.port,
          smtpTls: false,
          smtpUser: "support@acme.test",
          smtpPassword: "smtp-secret-1",
          allowPrivateNetwork: true,
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    channelId = created.json().channel.id;
    secret = created.json().webhookSecret;
    // Workspace b has a channel too: its id must not reach a's mailbox, and a's secret must not open it.
    const other = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: b.auth("admin"),
      payload: { type: "email", name: "B", config: { fromAddress: "help@b.test" } },
    });
    expect(other.statusCode, other.body).toBe(201);
    otherChannelId = other.json().channel.id;
    // The customer's MTA: every message it accepts is piped to the webhook, and refused if the webhook fails.
    relay = await startSmtpPeer({
      async onMessage(message) {
        const res = await env.app.inject({
          method: "POST",
          url: `/webhooks/email/${channelId}`,
          headers: { "content-type": "message/rfc822", "x-rapport-email-secret": secret },
          payload: message.raw,
        });
        if (res.statusCode !== 202) {
          throw Object.assign(new Error(`webhook answered ${res.statusCode}`), { responseCode: 451 });
        }
      },
    });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await outbound?.close();
    await relay?.close();
    await env?.close();
  });

  const get = (url: string, auth = a.auth("agent")) => env.app.inject({ url, headers: auth });
  const emailRow = (messageId: string) =>
    eq(env.database.db)
      .selectFrom("email_messages")
      .selectAll()
      .where("channel_id", "=", channelId)
      .where("message_id", "=", messageId)
      .executeTakeFirst();
  /** The Rapport message and case of an email, once ingested. */
  const ingested = async (messageId: string) => {
    const row = await waitFor(() => emailRow(messageId));
    const email = await get(`/api/v1/email/messages/${row.rapport_message_id}`);
    return { row, email };
  };
  const caseOfEmail = async (messageId: string) => {
    const row = await waitFor(() => emailRow(messageId));
    return (
      await env.database.query<{ case_id: string }>("select case_id from messages where id = $1", [
        row.rapport_message_id,
      ])
    ).rows[0]?.case_id as string;
  };
  const messagesOf = async (caseId: string) => (await get(`/api/v1/cases/${caseId}/messages?limit=100`)).json().data;
  const reply = async (caseId: string, text: string) => {
    const res = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: { text },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const delivered = (count: number) => waitFor(() => outbound.received.length >= count && outbound.received);

  it("never shows the passwords or the webhook secret again", async () => {
    expect(secret).toMatch(/^whsec_/);
    const shown = await get(`/api/v1/channels/${channelId}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain("smtp-secret-1");
    expect(shown.body).not.toContain(secret);
    expect(shown.json().webhookUrl).toMatch(new RegExp(`/webhooks/email/${channelId}$`));
  });

  it("round trip: a customer's mail opens a case, the agent's reply leaves by SMTP as a threaded reply, the customer's answer lands in the same case", async () => {
    const first = await sendWithSmtplib(relay.port, {
      from: CUSTOMER,
      to: "support@acme.test",
      subject: "Where is my order #1001?",
      text: "Hello,\n\nmy order has not arrived.\n\nThanks,\nLi",
    });
    const caseId = await caseOfEmail(first);
    const messages = await messagesOf(caseId);
    expect(messages).toHaveLength(1);
    expect(messages[0].text).toContain("my order has not arrived");
    expect(messages[0].content.email.subject).toBe("Where is my order #1001?");

    // Written by a signed-in agent (user "agent" of the factory): their name goes in From.
    const agent = { type: "user" as const, id: a.users.agent.id, workspaceId: a.workspace.id, role: "agent" as const };
    const replyId = (
      await runTransaction(env.database, (tx) =>
        sendReply(tx, agent, caseId, { text: "Hi Li,\n\nit left our warehouse today." }),
      )
    ).id;
    const [sent] = await delivered(1);
    if (!sent) throw new Error("nothing delivered");
    expect(sent.user).toBe("support@acme.test");
    expect(sent.to).toEqual(["li.wei@customer.test"]);
    const mail = await simpleParser(sent.raw);
    expect(mail.from?.value[0]).toMatchObject({ address: "support@acme.test" });
    expect(mail.from?.value[0]?.name).toBe("agent (Acme Support)");
    expect(mail.inReplyTo).toBe(first);
    expect(String(mail.references)).toContain(first);
    expect(mail.subject).toMatch(/^Re: Where is my order #1001\? \[#[A-Z2-9]{6}\]$/);
    expect(mail.messageId).toBe(`<rapport.${replyId}@acme.test>`);
    expect(mail.text).toContain("it left our warehouse today.");
    expect(mail.text).toContain("-- \nAcme Support team");
    expect(mail.html).toContain("<p>Hi Li,</p>");
    expect(mail.headers.get("x-auto-response-suppress")).toBe("All");
    await waitFor(
      async () => (await messagesOf(caseId)).find((m: { id: string }) => m.id === replyId)?.status === "sent",
    );

    const answer = await sendWithSmtplib(relay.port, {
      from: CUSTOMER,
      to: "support@acme.test",
      subject: mail.subject ?? "",
      text: `Great, thank you!\n\nOn Tue, Acme wrote:\n> it left our warehouse today.`,
      headers: { "In-Reply-To": mail.messageId ?? "", References: `${first} ${mail.messageId}` },
    });
    expect(await caseOfEmail(answer)).toBe(caseId);
    const after = await messagesOf(caseId);
    expect(after.map((m: { text: string }) => m.text)).toEqual([
      expect.stringContaining("my order has not arrived"),
      expect.stringContaining("warehouse"),
      "Great, thank you!",
    ]);
  });

  it("threads a 5-message exchange into one case, and a new subject from the same customer into a new one", async () => {
    const from = "Ann <ann@customer.test>";
    const m1 = await sendWithSmtplib(relay.port, { from, to: "support@acme.test", subject: "Refund", text: "1" });
    const caseId = await caseOfEmail(m1);
    const r2 = await reply(caseId, "2");
    const sent2 = await simpleParser((await delivered(2))[1]?.raw ?? Buffer.from(""));
    expect(sent2.inReplyTo).toBe(m1);
    const m3 = await sendWithSmtplib(relay.port, {
      from,
      to: "support@acme.test",
      subject: sent2.subject ?? "",
      text: "3",
      headers: { "In-Reply-To": `<rapport.${r2}@acme.test>`, References: `${m1} <rapport.${r2}@acme.test>` },
    });
    expect(await caseOfEmail(m3)).toBe(caseId);
    await reply(caseId, "4");
    const sent4 = await simpleParser((await delivered(3))[2]?.raw ?? Buffer.from(""));
    expect(sent4.inReplyTo).toBe(m3);
    expect(String(sent4.references)).toContain(m1);
    // The fifth has lost its headers (a client that drops them): the subject token still threads it.
    const m5 = await sendWithSmtplib(relay.port, {
      from,
      to: "support@acme.test",
      subject: sent4.subject ?? "",
      text: "5",
    });
    expect(await caseOfEmail(m5)).toBe(caseId);
    expect((await messagesOf(caseId)).map((m: { text: string }) => m.text)).toEqual(["1", "2", "3", "4", "5"]);

    const other = await sendWithSmtplib(relay.port, { from, to: "support@acme.test", subject: "New topic", text: "6" });
    const otherCase = await caseOfEmail(other);
    expect(otherCase).not.toBe(caseId);
    // One contact for both cases (identity kind email).
    const cases = await Promise.all([caseId, otherCase].map(async (id) => (await get(`/api/v1/cases/${id}`)).json()));
    expect(cases[0].contactId ?? cases[0].contact?.id).toBe(cases[1].contactId ?? cases[1].contact?.id);
  });

  it("stores an auto-reply flagged and never answers it; a bounce marks the failed reply with its reason", async () => {
    const from = "Bob <bob@customer.test>";
    const m1 = await sendWithSmtplib(relay.port, {
      from,
      to: "support@acme.test",
      subject: "Broken zip",
      text: "help",
    });
    const caseId = await caseOfEmail(m1);
    const replyId = await reply(caseId, "Which model?");
    const sent = await simpleParser(
      (await waitFor(() => outbound.received.find((r) => r.to.includes("bob@customer.test"))))?.raw,
    );
    const before = outbound.received.length;

    const auto = await sendWithSmtplib(relay.port, {
      from,
      to: "support@acme.test",
      subject: `Automatic reply: ${sent.subject}`,
      text: "I am out of the office until Monday.",
      headers: { "Auto-Submitted": "auto-replied", "X-Autoreply": "yes", "In-Reply-To": sent.messageId ?? "" },
    });
    const { row, email } = await ingested(auto);
    expect(row.flags).toContain("automated");
    expect(email.json().flags).toContain("automated");
    expect(await caseOfEmail(auto)).toBe(caseId);
    const stored = (await messagesOf(caseId)).at(-1);
    expect(stored.content.email).toMatchObject({ automated: "auto-submitted: auto-replied", noAutoReply: true });

    const bulk = await sendWithSmtplib(relay.port, {
      from: "news@shop.example",
      to: "support@acme.test",
      subject: "Our December deals",
      text: "50% off",
      headers: { Precedence: "bulk", "List-Unsubscribe": "<mailto:u@shop.example>" },
    });
    expect((await ingested(bulk)).row.flags).toContain("automated");

    const dsn = [
      "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>",
      "To: support@acme.test",
      "Subject: Undelivered Mail Returned to Sender",
      "Message-ID: <dsn-1@mx.customer.test>",
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"',
      "",
      "--XX",
      "Content-Type: text/plain",
      "",
      "Your message could not be delivered.",
      "",
      "--XX",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.customer.test",
      "",
      "Final-Recipient: rfc822; bob@customer.test",
      "Action: failed",
      "Status: 5.2.2",
      "Diagnostic-Code: smtp; 552 5.2.2 mailbox full",
      "",
      "--XX",
      "Content-Type: text/rfc822-headers",
      "",
      `Message-ID: ${sent.messageId}`,
      `Subject: ${sent.subject}`,
      "",
      "--XX--",
      "",
    ].join("\r\n");
    await sendRawWithSmtplib(relay.port, "", "support@acme.test", dsn);
    await waitFor(
      async () => (await messagesOf(caseId)).find((m: { id: string }) => m.id === replyId)?.status === "failed",
    );
    const failed = (await messagesOf(caseId)).find((m: { id: string }) => m.id === replyId);
    expect(failed.error).toContain("552 5.2.2 mailbox full");
    // Nothing was sent in answer to the auto-reply, the newsletter or the bounce, and no case was opened for them.
    await new Promise((r) => setTimeout(r, 300));
    expect(outbound.received.length).toBe(before);
    expect((await emailRow("<dsn-1@mx.customer.test>"))?.flags).toEqual(["bounce"]);
    const all = await get("/api/v1/cases?limit=100");
    expect(all.json().data.some((c: { subject: string }) => /Undelivered/.test(c.subject))).toBe(false);
  });

  it("lets an automation rule answer a person but never an auto-reply (loop protection)", async () => {
    const rule = await env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules",
      headers: a.auth("supervisor"),
      payload: {
        name: "acknowledge",
        trigger: "message.received",
        conditions: { field: "message.text", op: "contains", value: "LOOPTEST" },
        actions: [{ type: "reply", text: "We received your email." }],
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    try {
      const human = await sendWithSmtplib(relay.port, {
        from: "gil@customer.test",
        to: "support@acme.test",
        subject: "Question LOOPTEST",
        text: "LOOPTEST: a question",
      });
      const humanCase = await caseOfEmail(human);
      const ack = await waitFor(() => outbound.received.find((r) => r.to.includes("gil@customer.test")));
      expect((await simpleParser(ack.raw)).text).toContain("We received your email.");
      const before = outbound.received.length;
      const auto = await sendWithSmtplib(relay.port, {
        from: "gil@customer.test",
        to: "support@acme.test",
        subject: "Out of office: LOOPTEST",
        text: "LOOPTEST I am away.",
        headers: { "Auto-Submitted": "auto-replied", References: human },
      });
      expect(await caseOfEmail(auto)).toBe(humanCase);
      const refused = await waitFor(async () =>
        (await messagesOf(humanCase)).find(
          (m: { direction: string; status: string }) => m.direction === "outbound" && m.status === "failed",
        ),
      );
      expect(refused.authorType).toBe("bot");
      expect(refused.error).toMatch(/loop protection/);
      expect(outbound.received.length).toBe(before);
    } finally {
      await env.app.inject({
        method: "DELETE",
        url: `/api/v1/automation/rules/${rule.json().id}`,
        headers: a.auth("supervisor"),
      });
    }
  });

  it("maps SMTP refusals: 550 fails the reply at once, 451 is retried", async () => {
    const from = "Carl <carl@customer.test>";
    const m1 = await sendWithSmtplib(relay.port, { from, to: "support@acme.test", subject: "Hello", text: "hi" });
    const caseId = await caseOfEmail(m1);
    refuse.set("carl@customer.test", { message: "5.1.1 No such user", responseCode: 550 });
    const replyId = await reply(caseId, "Hello Carl");
    const failed = await waitFor(async () =>
      (await messagesOf(caseId)).find((m: { id: string; status: string }) => m.id === replyId && m.status === "failed"),
    );
    expect(failed.error).toMatch(/550/);

    const dan = await sendWithSmtplib(relay.port, {
      from: "dan@customer.test",
      to: "support@acme.test",
      subject: "Later",
      text: "hi",
    });
    const danCase = await caseOfEmail(dan);
    refuse.set("dan@customer.test", { message: "4.7.1 Try again later", responseCode: 451, once: true });
    const retried = await reply(danCase, "Hello Dan");
    const sent = await waitFor(
      async () =>
        (await messagesOf(danCase)).find(
          (m: { id: string; status: string }) => m.id === retried && m.status === "sent",
        ),
      40_000,
    );
    expect(sent.error).toBeNull();
    expect(refused).toContain("dan@customer.test 451");
    expect(outbound.received.some((r) => r.to.includes("dan@customer.test"))).toBe(true);
  }, 60_000);

  it("renders HTML with script, iframe and tracking pixel safely, keeps attachments and the raw source", async () => {
    const html = `<p onmouseover="x()">Photo of the <b>damage</b></p><script>alert(document.cookie)</script>
      <iframe src="https://evil.example/"></iframe><img src="https://t.example/open.gif?id=42" width="1" height="1">`;
    const id = await sendWithSmtplib(relay.port, {
      from: "Dee <dee@customer.test>",
      to: "support@acme.test",
      subject: "Damaged",
      text: "Photo of the damage",
      html,
      attachments: [
        {
          filename: "reçu.pdf",
          contentType: "application/pdf",
          base64: Buffer.from("%PDF-1.4 test").toString("base64"),
        },
      ],
    });
    const { row, email } = await ingested(id);
    expect(row.flags).toContain("remote-images-blocked");
    const caseId = await caseOfEmail(id);
    const [message] = await messagesOf(caseId);
    const shown = message.content.email.html as string;
    expect(shown).toContain("<b>damage</b>");
    for (const bad of ["<script", "<iframe", "onmouseover", "t.example", "document.cookie"])
      expect(shown).not.toContain(bad);
    const raw = await get(`/api/v1/email/messages/${row.rapport_message_id}/raw`);
    expect(raw.statusCode).toBe(200);
    expect(raw.headers["content-type"]).toMatch(/^text\/plain/);
    expect(raw.body).toContain("<script>alert(document.c");
    expect(email.json().rawSize).toBeGreaterThan(100);
    const [attachment] = email.json().attachments;
    expect(attachment).toMatchObject({ filename: "reçu.pdf", contentType: "application/pdf", size: 13 });
    expect(message.content.email.attachments[0].id).toBe(attachment.id);
    const file = await get(`/api/v1/email/attachments/${attachment.id}`);
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-disposition"]).toMatch(/^attachment;/);
    expect(file.body).toBe("%PDF-1.4 test");
    expect((await get(`/api/v1/email/attachments/${attachment.id}`, b.auth("admin"))).statusCode).toBe(404);
  });

  it("keeps malformed MIME and unknown charsets, and never loses an email", async () => {
    const malformed = [
      "From: eve@customer.test",
      "To: support@acme.test",
      "Subject: =?x-unknown-charset?Q?caf=E9?=",
      "Message-ID: <malformed-1@customer.test>",
      'Content-Type: multipart/mixed; boundary="open"',
      "",
      "--open",
      "Content-Type: text/plain; charset=x-klingon",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "caf=E9 =ZZ broken =",
      "--open",
      'Content-Type: application/octet-stream; name="a.bin"',
      "Content-Transfer-Encoding: base64",
      "",
      "!!! not base64 !!!",
      "",
    ].join("\r\n");
    await sendRawWithSmtplib(relay.port, "eve@customer.test", "support@acme.test", malformed);
    const { row } = await ingested("<malformed-1@customer.test>");
    expect(Buffer.from(row.raw ?? []).toString("latin1")).toContain("=ZZ broken");
    const caseId = await caseOfEmail("<malformed-1@customer.test>");
    const [message] = await messagesOf(caseId);
    expect(message.text).toContain("caf");
  });

  it("sends an agent's file reply with the file attached and its caption as the text; a mailbox may set its own sending rate", async () => {
    const first = await sendWithSmtplib(relay.port, {
      from: "iris@customer.test",
      to: "support@acme.test",
      subject: "Invoice please",
      text: "Could you send me the invoice?",
    });
    const caseId = await caseOfEmail(first);
    const pdf = Buffer.from("%PDF-1.4\n% invoice 2026-117\n%%EOF\n");
    const upload = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/attachments?fileName=invoice-117.pdf`,
      headers: { ...a.auth("agent"), "content-type": "application/pdf" },
      payload: pdf,
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const before = outbound.received.length;
    const res = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: a.auth("agent"),
      payload: {
        content: { type: "file", attachmentId: upload.json().id, name: "invoice-117.pdf", caption: "Here it is." },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const sent = await waitFor(() => outbound.received.slice(before).find((m) => m.to.includes("iris@customer.test")));
    const mail = await simpleParser(sent.raw);
    expect(mail.text).toContain("Here it is.");
    expect(mail.text).not.toContain("[file]");
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ filename: "invoice-117.pdf", contentType: "application/pdf" });
    expect(mail.attachments[0]?.content.equals(pdf)).toBe(true);

    // sendsPerMinute: validated with its field named, then used as the mailbox's rate.
    const patch = (config: Record<string, unknown>) =>
      env.app.inject({
        method: "PATCH",
        url: `/api/v1/channels/${channelId}`,
        headers: a.auth("admin"),
        payload: { config },
      });
    const wrong = await patch({ sendsPerMinute: 0 });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.field).toBe("config.sendsPerMinute");
    expect((await patch({ sendsPerMinute: 120 })).statusCode).toBe(200);
    const channel = await findChannel(env.database.db, a.workspace.id, channelId);
    if (!channel) throw new Error("channel missing");
    expect(emailChannel.rateOf?.(channel)).toBe(2);
    expect((await patch({ sendsPerMinute: 300 })).statusCode).toBe(200);
  });

  it("stores a fetch batch in one go: a reply to an email earlier in the batch joins its thread, a repeat is stored once", async () => {
    const channel = await findChannel(env.database.db, a.workspace.id, channelId);
    if (!channel) throw new Error("channel missing");
    const mail = (id: string, headers: string[], body: string) =>
      Buffer.from(
        [
          "From: Gus <gus@customer.test>",
          "To: support@acme.test",
          `Message-ID: <${id}@customer.test>`,
          ...headers,
          'Content-Type: multipart/mixed; boundary="b"',
          "",
          "--b",
          "Content-Type: text/plain; charset=utf-8",
          "",
          body,
          "--b",
          'Content-Type: text/plain; name="note.txt"',
          'Content-Disposition: attachment; filename="note.txt"',
          "",
          `note of ${id}`,
          "--b--",
          "",
        ].join("\r\n"),
      );
    const first = mail("batch-1", ["Subject: Order 77 is late"], "Where is order 77?");
    const results = await ingestEmails(env, channel, [
      first,
      mail("batch-2", ["Subject: Re: Order 77 is late", "In-Reply-To: <batch-1@customer.test>"], "Any news?"),
      first,
      mail("batch-3", ["Subject: A new question"], "Do you ship to Lyon?"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["stored", "stored", "duplicate", "stored"]);
    const [one, two, , three] = results;
    expect(two?.threadId).toBe(one?.threadId);
    expect(two?.caseId).toBe(one?.caseId);
    expect(three?.caseId).not.toBe(one?.caseId);
    const stored = await env.database.query<{ n: number }>(
      "select count(*)::int as n from messages where workspace_id = $1 and case_id = $2",
      [a.workspace.id, one?.caseId],
    );
    expect(stored.rows[0]?.n).toBe(2);
    const files = await eq(env.database.db)
      .selectFrom("email_attachments")
      .select(["message_id", "filename"])
      .where("workspace_id", "=", a.workspace.id)
      .where("message_id", "like", "<batch-%")
      .orderBy("message_id")
      .execute();
    expect(files.map((f) => f.message_id)).toEqual([
      "<batch-1@customer.test>",
      "<batch-2@customer.test>",
      "<batch-3@customer.test>",
    ]);
    // The same batch again (a restart before the UID was recorded) stores nothing new.
    const again = await ingestEmails(env, channel, [first]);
    expect(again[0]?.status).toBe("duplicate");
  });

  it("refuses a wrong secret, and answers 404 for another workspace's or an unknown channel", async () => {
    const raw = Buffer.from("From: x@y.test\r\nSubject: s\r\nMessage-ID: <iso@y.test>\r\n\r\nhello\r\n");
    const post = (id: string, headers: Record<string, string>, url = `/webhooks/email/${id}`) =>
      env.app.inject({ method: "POST", url, headers: { "content-type": "message/rfc822", ...headers }, payload: raw });
    expect((await post(channelId, {})).statusCode).toBe(401);
    expect((await post(channelId, { "x-rapport-email-secret": "whsec_wrong-wrong-wrong" })).statusCode).toBe(401);
    // a's secret does not open b's mailbox.
    expect((await post(otherChannelId, { "x-rapport-email-secret": secret })).statusCode).toBe(401);
    expect((await post("0190a5b0-0000-7000-8000-00000000dead", { "x-rapport-email-secret": secret })).statusCode).toBe(
      404,
    );
    expect((await post("not-a-uuid", { "x-rapport-email-secret": secret })).statusCode).toBe(404);
    const apiChannel = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: b.auth("admin"),
      payload: { type: "api", name: "api" },
    });
    expect((await post(apiChannel.json().channel.id, { "x-rapport-email-secret": secret })).statusCode).toBe(404);
    const viaQuery = await post(channelId, {}, `/webhooks/email/${channelId}?secret=${encodeURIComponent(secret)}`);
    expect(viaQuery.statusCode, viaQuery.body).toBe(202);
    const again = await post(channelId, { "x-rapport-email-secret": secret });
    expect(again.json().status).toBe("duplicate");
    // Our own mail coming back (a Bcc, a Sent folder, a loop) is kept and goes no further.
    const own = await env.app.inject({
      method: "POST",
      url: `/webhooks/email/${channelId}`,
      headers: { "content-type": "message/rfc822", "x-rapport-email-secret": secret },
      payload:
        "From: Acme <support@acme.test>\r\nTo: x@y.test\r\nSubject: Re: s\r\nMessage-ID: <own-1@acme.test>\r\n\r\nhi\r\n",
    });
    expect(own.json()).toMatchObject({ status: "own", rapportMessageId: null, caseId: null });
    const echoed = outbound.received[0];
    if (echoed) {
      const back = await post(channelId, { "x-rapport-email-secret": secret }).then(() =>
        env.app.inject({
          method: "POST",
          url: `/webhooks/email/${channelId}`,
          headers: { "content-type": "message/rfc822", "x-rapport-email-secret": secret },
          payload: echoed.raw,
        }),
      );
      expect(back.json().status).toBe("duplicate");
    }
    // Workspace b cannot read a's email source or attachments.
    const row = await emailRow("<iso@y.test>");
    expect((await get(`/api/v1/email/messages/${row?.rapport_message_id}`, b.auth("admin"))).statusCode).toBe(404);
    expect((await get(`/api/v1/email/messages/${row?.rapport_message_id}/raw`, b.auth("admin"))).statusCode).toBe(404);
  });
});
