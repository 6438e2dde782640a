/**
 * The IMAP loop against a real Dovecot on loopback (a private instance per suite: its own config, a
 * passwd-file user, maildir in a temp dir). Mail is put in the mailbox with IMAP APPEND, as a delivery agent
 * would. Skipped, loudly, where Dovecot is not installed (`apt-get install -y dovecot-imapd`; .ci/run does).
 */
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { type EmailMailboxes, startEmailMailboxes } from "./imap.ts";
import { eq } from "./repository.ts";
import { type Dovecot, HAS_DOVECOT, startDovecot } from "./test-servers.ts";

if (!HAS_DOVECOT) {
  console.warn(
    "\n!!!!!!!!\n!!! SKIPPING the IMAP tests of the email channel: Dovecot is not installed.\n" +
      "!!! Install it with: apt-get update && apt-get install -y dovecot-imapd   (.ci/run does this)\n!!!!!!!!\n",
  );
}

async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mail = (n: number, extra = "") =>
  [
    `From: Customer ${n} <c${n}@customer.test>`,
    "To: support@acme.test",
    `Subject: Question ${n}`,
    `Message-ID: <imap-${n}@customer.test>`,
    "Date: Wed, 02 Dec 2026 09:00:00 +0000",
    extra,
    "Content-Type: text/plain; charset=utf-8",
    "",
    `Body of question ${n}`,
    "",
  ]
    .filter((l, i) => l !== "" || i > 4)
    .join("\r\n");

describe.skipIf(!HAS_DOVECOT).each(TEST_DATABASES)("the IMAP loop against a real Dovecot on %s", (kind) => {
  let env: TestEnv;
  let dovecot: Dovecot;
  let channelId: string;
  let mailboxes: EmailMailboxes | undefined;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    dovecot = await startDovecot();
    const a = await buildWorkspace(env);
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: {
        type: "email",
        name: "Support",
        config: {
          fromAddress: "support@acme.test",
          imapHost: "127.0.0.1",
          imapPort: dovecot.port,
          imapTls: false,
          imapUser: dovecot.user,
          imapPassword: dovecot.password,
          // Long enough that only IDLE can explain a quick pick-up.
          imapPollSeconds: 120,
          allowPrivateNetwork: true,
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    channelId = created.json().channel.id;
    const tested = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/test`,
      headers: a.auth("admin"),
    });
    expect(tested.json(), tested.body).toMatchObject({ ok: true, detail: expect.stringContaining("IMAP") });
  }, 60_000);
  afterAll(async () => {
    await mailboxes?.stop();
    await dovecot?.destroy();
    await env?.close();
  });

  async function append(...raws: string[]) {
    const client = new ImapFlow({
      host: "127.0.0.1",
      port: dovecot.port,
      secure: false,
      auth: { user: dovecot.user, pass: dovecot.password },
      logger: false,
    });
    await client.connect();
    for (const raw of raws) await client.append("INBOX", Buffer.from(raw, "latin1"));
    await client.logout();
  }
  const stored = async () =>
    (
      await env.database.query<{ n: number }>(
        "select count(*)::int as n from messages where channel_id = $1 and direction = 'inbound'",
        [channelId],
      )
    ).rows[0]?.n ?? 0;
  const lastUid = async () =>
    Number(
      (
        await eq(env.database.db)
          .selectFrom("email_imap_state")
          .select("last_uid")
          .where("channel_id", "=", channelId)
          .executeTakeFirst()
      )?.last_uid ?? 0,
    );

  it("ingests the mail waiting in the box, then new mail as IDLE announces it, each once", async () => {
    await append(mail(1), mail(2));
    mailboxes = startEmailMailboxes(env, { rescanMs: 200 });
    await waitFor(async () => (await stored()) === 2);
    const started = Date.now();
    await append(mail(3));
    await waitFor(async () => (await stored()) === 3, 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await lastUid()).toBe(3);
    expect(mailboxes.running()).toEqual([channelId]);
  }, 60_000);

  it("keeps going after malformed mail and after the server goes away, resuming from the recorded UID", async () => {
    await append(
      'From: broken@customer.test\r\nSubject: =?x-nope?B?!!!?=\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=x-nope\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%\r\n',
      mail(4),
    );
    await waitFor(async () => (await stored()) === 5);
    await dovecot.stop();
    await new Promise((r) => setTimeout(r, 500));
    await dovecot.start();
    await append(mail(5), mail(6));
    await waitFor(async () => (await stored()) === 7, 40_000);
    expect(await lastUid()).toBe(7);
  }, 90_000);

  it("never ingests a message twice: not after a worker restart, not when the UID state is lost", async () => {
    await mailboxes?.stop();
    await append(mail(7));
    mailboxes = startEmailMailboxes(env, { rescanMs: 200 });
    await waitFor(async () => (await stored()) === 8);
    await mailboxes.stop();
    // A lost position (or a new UIDVALIDITY) means reading the folder again: Message-ID dedupe keeps each once.
    await eq(env.database.db).deleteFrom("email_imap_state").where("channel_id", "=", channelId).execute();
    mailboxes = startEmailMailboxes(env, { rescanMs: 200 });
    await waitFor(async () => (await lastUid()) === 8);
    expect(await stored()).toBe(8);
    const rows = await env.database.query<{ n: number }>(
      "select count(distinct platform_message_id)::int as n from messages where channel_id = $1",
      [channelId],
    );
    expect(rows.rows[0]?.n).toBe(8);
  }, 60_000);
});
