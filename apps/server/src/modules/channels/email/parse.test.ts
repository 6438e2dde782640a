import { describe, expect, it } from "vitest";
import { parseEmail } from "./parse.ts";
import { sanitizeEmailHtml } from "./sanitize.ts";
import { sendErrorOf } from "./send.ts";
import { replySubject, tokenInSubject } from "./threading.ts";
import { trimReply } from "./trim.ts";

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, "\r\n"), "latin1");

describe("email parsing", () => {
  it("reads ids, sender, subject and both bodies, and trims quoted history and signature from the displayed text", async () => {
    const p = await parseEmail(
      crlf(`From: =?UTF-8?B?5p2O5Lyf?= <Li.Wei@Example.com>
To: support@acme.test
Subject: =?UTF-8?Q?Re:_Commande_arriv=C3=A9e?=
Message-ID: <c2@customer.test>
In-Reply-To: <rapport.0190a5b0-0000-7000-8000-000000000001@acme.test>
References: <c1@customer.test> <rapport.0190a5b0-0000-7000-8000-000000000001@acme.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thanks, it arrived.

-- 
Li Wei, Shanghai

On Mon, 1 Dec 2026 at 10:00, Acme <support@acme.test> wrote:
> Your parcel is on its way.
`),
    );
    expect(p.parseError).toBeNull();
    expect(p.from).toEqual({ address: "li.wei@example.com", name: "李伟" });
    expect(p.subject).toBe("Re: Commande arrivée");
    expect(p.messageId).toBe("<c2@customer.test>");
    expect(p.inReplyTo).toEqual(["<rapport.0190a5b0-0000-7000-8000-000000000001@acme.test>"]);
    expect(p.references).toHaveLength(2);
    expect(p.text).toBe("Thanks, it arrived.");
    expect(p.fullText).toContain("Your parcel is on its way.");
    expect(p.automated).toBeNull();
  });

  it("trims Outlook, Gmail and Chinese quote headers but shows a forward without comment whole", () => {
    expect(trimReply("Yes please.\n\nFrom: Acme <a@b.c>\nSent: Monday\nTo: me\n\nold")).toBe("Yes please.");
    expect(trimReply("Ok\n\nOn Mon, 1 Dec 2026 at 10:00, Ann <ann@example.com>\nwrote:\n> hi")).toBe("Ok");
    expect(trimReply("好的\n\n在 2026年12月1日 写道：\n> 你好")).toBe("好的");
    expect(trimReply("Hi\n-----Original Message-----\nold")).toBe("Hi");
    expect(trimReply("Hi there\n\nSent from my iPhone")).toBe("Hi there");
    expect(trimReply("> only a quote\n> here")).toBe("> only a quote\n> here");
  });

  it("flags automatic mail: Auto-Submitted, X-Autoreply, Precedence, lists, mailer-daemon", async () => {
    const mail = (headers: string, from = "ann@example.com") =>
      parseEmail(crlf(`From: ${from}\nTo: s@acme.test\nSubject: x\nMessage-ID: <a@b>\n${headers}\n\nbody\n`));
    expect((await mail("Auto-Submitted: auto-replied")).automated).toBe("auto-submitted: auto-replied");
    expect((await mail("Auto-Submitted: no")).automated).toBeNull();
    expect((await mail("X-Autoreply: yes")).automated).toBe("x-autoreply");
    expect((await mail("Precedence: bulk")).automated).toBe("precedence: bulk");
    expect((await mail("Precedence: junk")).automated).toBe("precedence: junk");
    expect((await mail("List-Id: <news.example.com>")).automated).toBe("mailing list");
    expect((await mail("X-Other: 1", "MAILER-DAEMON@mx.example.com")).automated).toBe("sender mailer-daemon");
    expect((await mail("X-Other: 1", "no-reply@shop.example")).automated).toBe("sender no-reply");
  });

  it("reads a delivery status notification: the failed message id, recipient and diagnostic", async () => {
    const p = await parseEmail(
      crlf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: support@acme.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn1@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; gone@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown

--B
Content-Type: text/rfc822-headers

From: Acme <support@acme.test>
To: gone@example.com
Subject: Re: Help [#ABCDEF]
Message-ID: <rapport.0190a5b0-0000-7000-8000-000000000002@acme.test>

--B--
`),
    );
    expect(p.bounce).toEqual({
      originalMessageId: "<rapport.0190a5b0-0000-7000-8000-000000000002@acme.test>",
      recipient: "gone@example.com",
      reason: "Bounced: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown",
    });
    expect(p.automated).not.toBeNull();
  });

  it("does not crash on malformed MIME, an unknown charset or missing headers", async () => {
    const broken = await parseEmail(
      crlf(`From: ann@example.com
Subject: broken
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/plain; charset=x-klingon-9
Content-Transfer-Encoding: base64

!!!not base64!!!
--never-closed
Content-Type: text/html; charset="utf-8
`),
    );
    expect(broken.parseError).toBeNull();
    expect(broken.messageId).toMatch(/@no-message-id\.rapport\.invalid>$/);
    const unknownCharset = await parseEmail(
      crlf(
        "From: ann@example.com\nSubject: =?x-unknown?Q?caf=E9?=\nMessage-ID: <u@x>\nContent-Type: text/plain; charset=x-unknown\n\ncaf\xe9 au lait\n",
      ),
    );
    expect(unknownCharset.text).toContain("caf");
    const empty = await parseEmail(Buffer.from(""));
    expect(empty.from).toBeNull();
    const garbage = await parseEmail(Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]));
    expect(garbage.messageId).toMatch(/^</);
  });

  it("decodes legacy charsets (GB2312, ISO-8859-1)", async () => {
    const gb = Buffer.concat([
      crlf(
        "From: a@b.cn\nSubject: =?GB2312?B?xOO6ww==?=\nMessage-ID: <g@b>\nContent-Type: text/plain; charset=GB2312\n\n",
      ),
      Buffer.from([0xc4, 0xe3, 0xba, 0xc3]),
    ]);
    const p = await parseEmail(gb);
    expect(p.subject).toBe("你好");
    expect(p.text).toBe("你好");
  });
});

describe("HTML sanitising", () => {
  it("drops scripts, iframes, event handlers, javascript: links, styles and remote images (tracking pixels)", () => {
    const { html, remoteImagesBlocked } = sanitizeEmailHtml(
      `<style>body{display:none}</style><p onclick="steal()">Hello <b>there</b></p>
       <script>alert(1)</script><iframe src="https://evil.example"></iframe>
       <a href="javascript:alert(1)">x</a><a href="https://shop.example/order">order</a>
       <img src="https://track.example/p.gif?u=1" width="1" height="1"><img src="cid:logo@x" alt="logo">
       <form action="https://evil.example"><input name="pw"></form><object data="x.swf"></object>
       <svg onload="alert(1)"></svg>`,
      (cid) => (cid === "logo@x" ? "/api/v1/email/attachments/1" : undefined),
    );
    for (const bad of [
      "<script",
      "alert",
      "<iframe",
      "onclick",
      "javascript:",
      "track.example",
      "<form",
      "<input",
      "<object",
      "<svg",
      "<style",
      "display:none",
    ]) {
      expect(html).not.toContain(bad);
    }
    expect(html).toContain("<b>there</b>");
    expect(html).toContain('href="https://shop.example/order"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('src="/api/v1/email/attachments/1"');
    expect(remoteImagesBlocked).toBe(1);
  });
});

describe("reply subjects and SMTP errors", () => {
  it("adds Re: and the thread token once", () => {
    expect(replySubject("Where is my order?", "ABCDEF")).toBe("Re: Where is my order? [#ABCDEF]");
    expect(replySubject("RE: Re: Where is my order? [#ABCDEF]", "ABCDEF")).toBe("Re: Where is my order? [#ABCDEF]");
    expect(replySubject("", "ABCDEF")).toBe("Re: (no subject) [#ABCDEF]");
    expect(tokenInSubject("Re: x [#K7QX3M]")).toBe("K7QX3M");
    expect(tokenInSubject("Re: order #123")).toBeUndefined();
  });

  it("maps SMTP 5xx to permanent failures and 4xx or connection errors to retries", () => {
    expect(sendErrorOf({ responseCode: 550, response: "550 5.1.1 unknown user" }).permanent).toBe(true);
    expect(sendErrorOf({ responseCode: 451, response: "451 try later" }).permanent).toBe(false);
    expect(sendErrorOf({ code: "ECONNECTION", message: "connect ECONNREFUSED" }).permanent).toBe(false);
    expect(sendErrorOf({ code: "EAUTH", responseCode: 535, response: "535 bad" }).message).toMatch(/authentication/);
  });
});
