// bench/email-ingest: emails/s ingested from IMAP by the email channel (FETCH of the sources, mailparser,
// HTML sanitising, threading, contact resolution, message/conversation/case/outbox rows, the UID recorded per
// message) against the raw IMAP FETCH rate of the same messages from the same Dovecot in the same run (the
// baseline). Target (issue 6): ≥ 100 messages/s. Needs Dovecot (`apt-get install -y dovecot-imapd`).
// Usage: node --import tsx bench/email-ingest.ts [--db=pglite|postgres] [--messages=1000] [--customers=200]
import { ImapFlow } from "imapflow";
import { syncFolder } from "../apps/server/src/modules/channels/email/imap.ts";
import { HAS_DOVECOT, startDovecot } from "../apps/server/src/modules/channels/email/test-servers.ts";
import { findChannel } from "../apps/server/src/modules/channels/repository.ts";
import { buildWorkspace } from "../apps/server/test/factories.ts";
import { openTestEnv } from "../apps/server/test/harness.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const count = Number(arg("messages", "1000"));
const customers = Number(arg("customers", "200"));
const kind = arg("db", "pglite") as "pglite" | "postgres";
if (!HAS_DOVECOT) {
  console.error("Dovecot is not installed: apt-get install -y dovecot-imapd");
  process.exit(2);
}
if (kind === "postgres") process.env.TEST_DATABASE_URL ??= "postgres://root@127.0.0.1:5432/test";

const dovecot = await startDovecot();
const env = await openTestEnv(kind);
const connect = async () => {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: dovecot.port,
    secure: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  });
  await client.connect();
  return client;
};
try {
  const ws = await buildWorkspace(env);
  const created = await env.app.inject({
    method: "POST",
    url: "/api/v1/channels",
    headers: ws.auth("admin"),
    payload: {
      type: "email",
      name: "Bench",
      config: {
        fromAddress: "support@acme.test",
        imapHost: "127.0.0.1",
        imapPort: dovecot.port,
        imapTls: false,
        imapUser: dovecot.user,
        imapPassword: dovecot.password,
        allowPrivateNetwork: true,
      },
    },
  });
  const channel = await findChannel(env.database.db, ws.workspace.id, created.json().channel.id);
  if (!channel) throw new Error(`could not create the channel: ${created.body}`);

  // A realistic mix: plain and HTML bodies, quoted replies, a few threads per customer.
  const writer = await connect();
  for (let i = 0; i < count; i++) {
    const c = i % customers;
    const html = i % 2 === 0;
    const raw = [
      `From: Customer ${c} <customer${c}@example.com>`,
      "To: support@acme.test",
      `Subject: Order ${i % (customers * 3)} question`,
      `Message-ID: <bench-${i}@example.com>`,
      "Date: Wed, 02 Dec 2026 09:00:00 +0000",
      "MIME-Version: 1.0",
      html ? 'Content-Type: multipart/alternative; boundary="b"' : "Content-Type: text/plain; charset=utf-8",
      "",
      ...(html
        ? [
            "--b",
            "Content-Type: text/plain; charset=utf-8",
            "",
            `Hello, where is my order ${i}?`,
            "--b",
            "Content-Type: text/html; charset=utf-8",
            "",
            `<p>Hello, where is my <b>order ${i}</b>?</p><img src="https://t.example/p.gif"><script>x()</script>`,
            "--b--",
          ]
        : [`Hello, where is my order ${i}?`, "", "On Mon, Acme wrote:", "> earlier message"]),
      "",
    ].join("\r\n");
    await writer.append("INBOX", Buffer.from(raw));
  }
  await writer.logout();

  // Baseline: FETCH every source, nothing else.
  const reader = await connect();
  await reader.mailboxOpen("INBOX");
  let t = performance.now();
  let fetched = 0;
  for await (const msg of reader.fetch("1:*", { uid: true, source: true }, { uid: true })) {
    if (msg.source) fetched++;
  }
  const fetchSeconds = (performance.now() - t) / 1000;

  // The channel's IMAP sync over the same folder.
  t = performance.now();
  const ingested = await syncFolder(env, channel, reader, "INBOX");
  const ingestSeconds = (performance.now() - t) / 1000;
  await reader.logout();
  if (ingested !== count || fetched !== count) throw new Error(`fetched ${fetched}, ingested ${ingested} of ${count}`);

  const fetchRate = fetched / fetchSeconds;
  const ingestRate = ingested / ingestSeconds;
  console.log(`email ingest from IMAP on ${kind}: ${count} messages, ${customers} customers`);
  console.log(`  raw IMAP FETCH (baseline): ${fetchRate.toFixed(0)} msg/s`);
  console.log(`  ingested by the channel:   ${ingestRate.toFixed(0)} msg/s   (target ≥ 100 msg/s)`);
  console.log(`  ratio ingest / FETCH:      ${(ingestRate / fetchRate).toFixed(3)}`);
} finally {
  await env.close();
  await dovecot.destroy();
}
