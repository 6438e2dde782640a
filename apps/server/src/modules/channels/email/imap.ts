/**
 * The IMAP side of email channels: one loop per mailbox, run by the worker role. A loop connects, opens the
 * folder, ingests every message above the last recorded UID (the UID is recorded in the transaction that
 * stores the message, so a crash neither skips nor repeats one), then waits in IDLE until the server
 * announces new mail or the poll interval passes. Any error closes the connection and reconnects with
 * backoff (1 s doubling to 60 s); a supervisor re-reads the channel list so new, changed or disabled
 * mailboxes are picked up.
 */
import { createHash } from "node:crypto";
import { ImapFlow } from "imapflow";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { type ChannelRow, q } from "../repository.ts";
import { type EmailAccount, emailAccountOf } from "./config.ts";
import { ingestEmail, ingestEmails } from "./ingest.ts";
import { eq } from "./repository.ts";

/** The running IMAP loops of a process. */
export type EmailMailboxes = { stop(): Promise<void>; running(): string[] };

const DEFAULT_POLL_SECONDS = 60;
const FETCH_BATCH = 50;
/** A message that fails to ingest this many times in a row is skipped (left on the server) and logged. */
const MAX_MESSAGE_FAILURES = 5;

/** The imapflow client of a mailbox. */
export function imapClientOf(account: EmailAccount): ImapFlow {
  const { config, secrets } = account;
  const port = config.imapPort ?? (config.imapTls === false ? 143 : 993);
  return new ImapFlow({
    host: config.imapHost,
    port,
    secure: config.imapTls ?? port === 993,
    auth: { user: config.imapUser ?? "", pass: secrets.imapPassword ?? "" },
    tls: { rejectUnauthorized: config.tlsAllowSelfSigned !== true },
    logger: false,
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 5 * 60_000,
    maxIdleTime: 4 * 60_000,
    // Enter IDLE a second after the last command (imapflow's default waits 15 s).
    autoIdleDelay: 1000,
  });
}

const failures = new Map<string, number>();

/**
 * Ingests the messages of the open folder above the recorded UID; returns how many were ingested. Throws on
 * a connection or database error (the loop reconnects and resumes from the recorded UID).
 */
export async function syncFolder(
  ctx: AppContext,
  channel: ChannelRow,
  client: ImapFlow,
  folder: string,
): Promise<number> {
  // Servers update their view of the folder at the end of a command: a NOOP first makes EXISTS current.
  await client.noop();
  const mailbox = client.mailbox;
  if (!mailbox) throw new Error("No IMAP folder is open.");
  const uidValidity = String(mailbox.uidValidity);
  const state = await eq(ctx.database.db)
    .selectFrom("email_imap_state")
    .selectAll()
    .where("workspace_id", "=", channel.workspace_id)
    .where("channel_id", "=", channel.id)
    .where("folder", "=", folder)
    .executeTakeFirst();
  // A new UIDVALIDITY renumbers the folder: read it again (Message-ID dedupe keeps each email once).
  const lastUid = state && state.uid_validity === uidValidity ? Number(state.last_uid) : 0;
  // (UIDNEXT is only known from SELECT; EXISTS, kept current by the server's untagged responses, is.)
  if (mailbox.exists === 0) return 0;
  const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
  const uids = (found || []).filter((u) => u > lastUid).sort((a, b) => a - b);
  let ingested = 0;
  for (let i = 0; i < uids.length; i += FETCH_BATCH) {
    const batch = uids.slice(i, i + FETCH_BATCH);
    const sources: { uid: number; source: Buffer }[] = [];
    for await (const msg of client.fetch(batch.join(","), { uid: true, source: true }, { uid: true })) {
      if (msg.source) sources.push({ uid: msg.uid, source: msg.source });
    }
    sources.sort((a, b) => a.uid - b.uid);
    const keyOf = (uid: number) => `${channel.id}:${uidValidity}:${uid}`;
    // The UID is recorded in the transaction that stores the email: a crash neither skips nor repeats it.
    const record = (uid: number) => async (tx: Executor) => {
      await eq(tx)
        .insertInto("email_imap_state")
        .values({
          workspace_id: channel.workspace_id,
          channel_id: channel.id,
          folder,
          uid_validity: uidValidity,
          last_uid: uid,
        })
        .onConflict((oc) =>
          oc
            .columns(["workspace_id", "channel_id", "folder"])
            .doUpdateSet({ uid_validity: uidValidity, last_uid: uid, updated_at: new Date() }),
        )
        .execute();
    };
    const last = sources.at(-1);
    if (!last) continue;
    // The whole fetch batch in one transaction; should it fail, one by one, so that one bad email neither holds
    // the others back nor is retried forever.
    const stored = await ingestEmails(
      ctx,
      channel,
      sources.map((m) => m.source),
      record(last.uid),
    ).then(
      () => true,
      () => false,
    );
    if (stored) {
      for (const { uid } of sources) failures.delete(keyOf(uid));
      ingested += sources.length;
      continue;
    }
    for (const { uid, source } of sources) {
      const key = keyOf(uid);
      try {
        await ingestEmail(ctx, channel, source, record(uid));
        failures.delete(key);
        ingested++;
      } catch (err) {
        const count = (failures.get(key) ?? 0) + 1;
        failures.set(key, count);
        if (count < MAX_MESSAGE_FAILURES) throw err;
        failures.delete(key);
        ctx.logger.error(
          { err, channelId: channel.id, folder, uid },
          "email: skipping a message that failed to ingest repeatedly (it stays on the IMAP server)",
        );
        await ctx.database.db.transaction().execute(record(uid));
      }
    }
  }
  return ingested;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/** Runs one mailbox until `signal` aborts: connect, sync, IDLE, and reconnect after any error. */
export async function runMailbox(ctx: AppContext, channel: ChannelRow, signal: AbortSignal): Promise<void> {
  let backoff = 1000;
  while (!signal.aborted) {
    let client: ImapFlow | undefined;
    let closeOnAbort: (() => void) | undefined;
    try {
      const account = emailAccountOf(ctx, channel);
      const folder = account.config.imapFolder ?? "INBOX";
      const pollMs = (account.config.imapPollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
      const connection = imapClientOf(account);
      client = connection;
      let wake = () => {};
      connection.on("exists", () => wake());
      connection.on("close", () => wake());
      // imapflow emits socket errors as events; the loop notices through `usable` and reconnects.
      connection.on("error", (err: unknown) => {
        ctx.logger.warn({ err, channelId: channel.id }, "email: IMAP connection error");
        wake();
      });
      closeOnAbort = () => connection.close();
      signal.addEventListener("abort", closeOnAbort, { once: true });
      await connection.connect();
      await connection.mailboxOpen(folder);
      backoff = 1000;
      while (!signal.aborted && connection.usable) {
        await syncFolder(ctx, channel, connection, folder);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            wake = () => {};
            resolve();
          };
          const timer = setTimeout(done, pollMs);
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
      }
    } catch (err) {
      if (!signal.aborted) ctx.logger.warn({ err, channelId: channel.id }, "email: IMAP loop failed; reconnecting");
    } finally {
      if (closeOnAbort) signal.removeEventListener("abort", closeOnAbort);
      const c = client;
      if (c) {
        await Promise.race([c.logout().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
        c.close();
      }
    }
    if (signal.aborted) break;
    await sleep(backoff, signal);
    backoff = Math.min(backoff * 2, 60_000);
  }
}

/**
 * Starts the IMAP loops of every enabled email channel with an IMAP server, and keeps the set current
 * (every `rescanMs`). Called by the worker role; `stop` ends every loop.
 */
export function startEmailMailboxes(ctx: AppContext, options: { rescanMs?: number } = {}): EmailMailboxes {
  const loops = new Map<string, { version: string; controller: AbortController; done: Promise<void> }>();
  const stopping = new AbortController();
  const versionOf = (c: ChannelRow) =>
    createHash("sha256")
      .update(JSON.stringify(c.config) + (c.secrets_encrypted ?? ""))
      .digest("hex");

  async function rescan() {
    const channels = await q(ctx.database.db)
      .selectFrom("channels")
      .selectAll()
      .where("type", "=", "email")
      .where("disabled_at", "is", null)
      .execute();
    const wanted = new Map(
      channels.filter((c) => (c.config as { imapHost?: unknown }).imapHost).map((c) => [c.id, c] as const),
    );
    for (const [id, loop] of loops) {
      const channel = wanted.get(id);
      if (!channel || versionOf(channel) !== loop.version) {
        loop.controller.abort();
        loops.delete(id);
      }
    }
    for (const [id, channel] of wanted) {
      if (loops.has(id) || stopping.signal.aborted) continue;
      const controller = new AbortController();
      const done = runMailbox(ctx, channel, controller.signal).catch((err: unknown) =>
        ctx.logger.error({ err, channelId: id }, "email: IMAP loop ended unexpectedly"),
      );
      loops.set(id, { version: versionOf(channel), controller, done });
    }
  }

  const supervisor = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await rescan();
      } catch (err) {
        ctx.logger.warn({ err }, "email: could not list the mailboxes; retrying");
      }
      await sleep(options.rescanMs ?? 30_000, stopping.signal);
    }
  })();

  return {
    running: () => [...loops.keys()],
    async stop() {
      stopping.abort();
      await supervisor;
      const all = [...loops.values()];
      for (const loop of all) loop.controller.abort();
      await Promise.all(all.map((l) => l.done));
      loops.clear();
    },
  };
}
