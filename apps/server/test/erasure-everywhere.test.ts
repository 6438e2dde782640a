/**
 * Erasure leaves no trace (issue 3): a person reaches Rapport through the api channel, web chat and email;
 * agents write about them (notes, replies, case fields, attachments, merges); automation analyses their
 * messages; WeChat rows name their OpenID. After erasing them, every table of the database is scanned for
 * their marker and external ids. Another workspace holding the same external ids keeps all of its data.
 */
import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KyselyPlugin } from "kysely";
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wechatSignature } from "../src/modules/channels/wechat/crypto.ts";
import { receiveMessages } from "../src/modules/conversations/index.ts";
import { registerContactEraser, resolveContact } from "../src/modules/profiles/index.ts";
import { eraseContact } from "../src/modules/profiles/use-cases/privacy.ts";
import { createDispatcher, type Dispatcher, runTransaction } from "../src/platform/outbox.ts";
import { subscribeHandlers } from "../src/wiring.ts";
import { buildWorkspace } from "./factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "./harness.ts";
import { waitFor } from "./wait.ts";

type Ws = Awaited<ReturnType<typeof buildWorkspace>>;

const RUN = randomBytes(5).toString("hex");
/** External ids both workspaces hold for their own customer (same values: erasing a's must not touch b's). */
const SHARED = {
  crmId: `ext-${RUN}`,
  openId: `o${RUN}wechatopenid`,
  email: `cust.${RUN}@example.com`,
  phone: "+33612345678",
};
/** Text only the customer's data holds, per workspace. */
const markerOf = (w: "a" | "b") => `mk${w}${RUN}`;

const WECHAT_TOKEN = "erasuretoken";
const WECHAT_SECRET = "0123456789abcdef0123456789abcdef";
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What one workspace's population left behind, to check afterwards. */
type Population = {
  contactId: string;
  apiCaseId: string;
  messageIds: string[];
  attachmentFile: string;
};

describe.each(TEST_DATABASES)("erasure everywhere on %s", (kind) => {
  let env: TestEnv;
  let dataDir: string;
  let dispatcher: Dispatcher;
  let a: Ws;
  let b: Ws;
  const populated = new Map<string, Population>();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "rapport-erasure-"));
    env = await openTestEnv(kind, { DATA_DIR: dataDir });
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await env?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const call = async (w: Ws, method: "GET" | "POST" | "PATCH" | "PUT", url: string, payload?: unknown) => {
    const res = await env.app.inject({
      method,
      url,
      headers: w.auth("admin"),
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const widget = async (channel: string, path: string, token: string | undefined, payload: unknown) => {
    const res = await env.app.inject({
      method: "POST",
      url: `/widget/v1/channels/${channel}${path}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      payload: payload as object,
    });
    expect(res.statusCode, `${path}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const idle = () =>
    waitFor(async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from outbox where dispatched_at is null`.execute(env.database.db);
      return rows[0]?.n === 0;
    }, 20_000);

  /** Writes the customer's marker into every personal field of every module, through the public paths. */
  async function populate(w: Ws, marker: string): Promise<Population> {
    const ws = w.workspace.id;
    const appId = `wx${randomBytes(8).toString("hex")}`;
    const wechat: string = (
      await call(w, "POST", "/api/v1/channels", {
        type: "wechat",
        name: "OA",
        config: { appId, appSecret: WECHAT_SECRET, token: WECHAT_TOKEN, messageMode: "plain" },
      })
    ).channel.id;
    const contact = await call(w, "POST", "/api/v1/contacts", {
      displayName: `Name ${marker}`,
      emails: [SHARED.email],
      phones: [SHARED.phone],
      company: `Company ${marker}`,
      identities: [
        { kind: "crm_id", externalId: SHARED.crmId },
        { kind: "wechat_openid", namespace: appId, externalId: SHARED.openId },
      ],
    });
    await call(w, "POST", "/api/v1/events", {
      contactId: contact.id,
      type: "note",
      properties: { text: `timeline ${marker}` },
    });
    // An event that rules react to: announced in the outbox (contact.event-recorded) with its properties.
    await call(w, "POST", "/api/v1/events", {
      contactId: contact.id,
      type: "order.placed",
      properties: { shippingNote: `leave with ${marker}` },
    });

    // A contacts import that failed (its file stays: a failed import never resumes) on a file naming them.
    const upload = await env.app.inject({
      method: "POST",
      url: "/api/v1/contacts/imports",
      headers: { ...w.auth("admin"), "content-type": "text/csv" },
      // Latin-1, not UTF-8: the import fails on line 1 and keeps its file.
      payload: Buffer.from(
        `email,display_name,st\u00e4dt\n${SHARED.email.toUpperCase()},M\u00fcller ${marker},\n`,
        "latin1",
      ),
    });
    expect(upload.statusCode, upload.body).toBe(202);
    let imported: Record<string, unknown> = {};
    await waitFor(async () => {
      imported = await call(w, "GET", `/api/v1/contacts/imports/${upload.json().id}`);
      return imported.state === "failed";
    }).catch(() => {
      throw new Error(`the import did not fail: ${JSON.stringify(imported)}`);
    });

    // The api channel: the person's message in a batch with another customer's.
    const api = (await call(w, "POST", "/api/v1/channels", { type: "api", name: "Shop" })).channel.id;
    const inbound = await call(w, "POST", `/api/v1/channels/${api}/inbound`, {
      messages: [
        {
          externalMessageId: `m1-${marker}`,
          // The address as the sender typed it: found whatever its case.
          from: {
            externalId: SHARED.crmId,
            name: `Name ${marker}`,
            email: SHARED.email.toUpperCase(),
            phone: SHARED.phone,
          },
          text: `hello ${marker}`,
        },
        { externalMessageId: `other-${RUN}`, from: { externalId: `other-${RUN}` }, text: "an unrelated customer" },
      ],
    });
    const apiCaseId: string = inbound.data[0].caseId;
    const firstMessage: string = inbound.data[0].messageId;
    await call(w, "POST", `/api/v1/channels/${api}/inbound`, {
      externalMessageId: `m2-${marker}`,
      from: { externalId: SHARED.crmId },
      text: `second ${marker}`,
    });

    // A handover recorded on the case: its transcript summary quotes the customer (cases.handover, case history).
    await call(w, "POST", `/api/v1/cases/${apiCaseId}/bot/take-over`);

    // Agents: a note, a reply, a custom field, an attachment.
    await call(w, "POST", `/api/v1/cases/${apiCaseId}/messages`, {
      text: `note ${marker} for @${w.users.agent.email}`,
      private: true,
    });
    await call(w, "POST", `/api/v1/cases/${apiCaseId}/messages`, { text: `reply ${marker}` });
    // A reply that needs approval, rejected with a reason naming the customer.
    await call(w, "PUT", "/api/v1/approval-settings", { roles: ["agent"] });
    const pending = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${apiCaseId}/messages`,
      headers: w.auth("agent"),
      payload: { text: `draft ${marker}` },
    });
    expect(pending.json().status, pending.body).toBe("pending_approval");
    await call(w, "POST", `/api/v1/approvals/${pending.json().id}/reject`, { reason: `rejected ${marker}` });
    await call(w, "PUT", "/api/v1/approval-settings", { roles: [] });
    await call(w, "POST", "/api/v1/case-fields", { key: "order_ref", label: "Order ref", type: "text" });
    await call(w, "PATCH", `/api/v1/cases/${apiCaseId}`, { customFields: { order_ref: `ref ${marker}` } });
    const uploaded = await env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${apiCaseId}/attachments?fileName=${encodeURIComponent(`scan-${marker}.png`)}`,
      headers: { ...w.auth("agent"), "content-type": "image/png" },
      payload: Buffer.concat([PNG, Buffer.from(`pixels ${marker}`)]),
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachmentFile = join(dataDir, "attachments", ws, uploaded.json().id);
    expect(existsSync(attachmentFile)).toBe(true);

    // Web chat: the visitor identifies as the same customer (crm id), writes, and rates the solved case.
    const created = await call(w, "POST", "/api/v1/channels", { type: "webchat", name: "Site" });
    const webchat: string = created.channel.id;
    const session = await widget(webchat, "/sessions", undefined, {});
    await widget(webchat, "/identify", session.token, {
      userId: SHARED.crmId,
      hash: createHmac("sha256", created.identitySecret).update(SHARED.crmId).digest("hex"),
      email: SHARED.email,
      name: `Name ${marker}`,
    });
    await widget(webchat, "/page-views", session.token, { url: `https://shop.test/${marker}`, title: marker });
    await widget(webchat, "/messages", session.token, {
      clientMessageId: `c-${marker}`,
      text: `webchat ${marker}`,
    });
    const visitor = await sql<{ case_id: string | null }>`
      select case_id from webchat_visitors where workspace_id = ${ws} and id = ${session.visitorId}`.execute(
      env.database.db,
    );
    const webchatCaseId = visitor.rows[0]?.case_id;
    if (!webchatCaseId) throw new Error("the visitor has no case");
    await call(w, "PATCH", `/api/v1/cases/${webchatCaseId}`, { status: "solved" });
    await widget(webchat, "/csat", session.token, { caseId: webchatCaseId, rating: 2, comment: `csat ${marker}` });

    // Email: a message with an attachment from the customer's address (a contact of its own, merged below).
    const email = await call(w, "POST", "/api/v1/channels", {
      type: "email",
      name: "Support",
      config: {
        fromAddress: "support@acme.test",
        smtpHost: "127.0.0.1",
        smtpPort: 2525,
        smtpTls: false,
        allowPrivateNetwork: true,
      },
    });
    const raw = [
      `From: Name ${marker} <${SHARED.email}>`,
      "To: support@acme.test",
      `Subject: subject ${marker}`,
      `Message-ID: <${marker}.1@customer.test>`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      `email body ${marker}`,
      "--b1",
      `Content-Type: text/plain; name="file-${marker}.txt"`,
      `Content-Disposition: attachment; filename="file-${marker}.txt"`,
      "",
      `attachment body ${marker}`,
      "--b1--",
      "",
    ].join("\r\n");
    const ingested = await env.app.inject({
      method: "POST",
      url: `/webhooks/email/${email.channel.id}`,
      headers: { "content-type": "message/rfc822", "x-rapport-email-secret": email.webhookSecret },
      payload: raw,
    });
    expect(ingested.statusCode, ingested.body).toBe(202);
    const emailCase = await sql<{ id: string; contact_id: string }>`
      select id, contact_id from cases where workspace_id = ${ws} and id <> all(${[apiCaseId, webchatCaseId]}::uuid[])
      order by created_at desc limit 1`.execute(env.database.db);
    const emailCaseRow = emailCase.rows[0];
    if (!emailCaseRow) throw new Error("the email made no case");
    if (emailCaseRow.contact_id !== contact.id) {
      await call(w, "POST", `/api/v1/contacts/${contact.id}/merge`, {
        sourceId: emailCaseRow.contact_id,
        reason: `same person ${marker}`,
      });
    }
    await call(w, "POST", `/api/v1/cases/${emailCaseRow.id}/merge`, {
      targetCaseId: apiCaseId,
      reason: `merge ${marker}`,
    });

    // Automation: analyses come from the event handlers; a correction copied from the person's message.
    await idle();
    await call(w, "POST", "/api/v1/ai/corrections", { messageId: firstMessage, category: "praise" });

    // WeChat: the customer follows the account and writes (signed plain-mode pushes); a template send and a
    // fetched media file are written directly (no WeChat server here).
    const push = async (xml: string) => {
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(4).toString("hex");
      const res = await env.app.inject({
        method: "POST",
        url: `/webhooks/wechat/${wechat}?signature=${wechatSignature([WECHAT_TOKEN, ts, nonce])}&timestamp=${ts}&nonce=${nonce}&openid=${SHARED.openId}`,
        headers: { "content-type": "text/xml" },
        payload: xml,
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    const wxHead = `<ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[${SHARED.openId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>`;
    await push(`<xml>${wxHead}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`);
    await push(
      `<xml>${wxHead}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[wechat ${marker}]]></Content><MsgId>${BigInt(`0x${randomBytes(6).toString("hex")}`)}</MsgId></xml>`,
    );
    const mediaName = `${randomBytes(8).toString("hex")}.jpg`;
    await sql`
      insert into wechat_template_sends (workspace_id, id, channel_id, open_id, template_id, client_msg_id, status, data)
      values (${ws}, ${uuidv7()}, ${wechat}, ${SHARED.openId}, 'tpl-1', ${`c-${RUN}`}, 'sent',
        ${JSON.stringify({ name: { value: marker } })}::jsonb)`.execute(env.database.db);
    await sql`
      insert into wechat_media (workspace_id, channel_id, media_id, message_id, kind, status, path, content_type, bytes)
      values (${ws}, ${wechat}, ${`media-${RUN}`}, ${firstMessage}, 'image', 'stored', ${mediaName}, 'image/jpeg', 10)`.execute(
      env.database.db,
    );
    await sql`
      insert into webhook_deliveries (workspace_id, id, channel_id, message_id, attempt, status_code, error)
      values (${ws}, ${uuidv7()}, ${api}, ${firstMessage}, 1, 500, ${`echo ${marker}`})`.execute(env.database.db);
    await sql`
      insert into ai_alerts (workspace_id, id, metric, count, baseline, message_ids)
      values (${ws}, ${uuidv7()}, 'negative', 7, 1.5, ${[firstMessage]}::uuid[])`.execute(env.database.db);

    const messages = await sql<{ id: string }>`
      select id from messages where workspace_id = ${ws} and case_id = any(${[apiCaseId, webchatCaseId]}::uuid[])`.execute(
      env.database.db,
    );
    return { contactId: contact.id, apiCaseId, messageIds: messages.rows.map((r) => r.id), attachmentFile };
  }

  /** Every table of the app's schema and the job queue's, with whether it has a workspace_id column. */
  async function allTables() {
    const { rows } = await sql<{ schema: string; table: string; scoped: boolean }>`
      select t.table_schema as schema, t.table_name as table,
        exists (select 1 from information_schema.columns c
          where c.table_schema = t.table_schema and c.table_name = t.table_name and c.column_name = 'workspace_id') as scoped
      from information_schema.tables t
      where t.table_type = 'BASE TABLE'
        and t.table_schema in (current_schema(), ${env.jobsSchema})
      order by 1, 2`.execute(env.database.db);
    return rows;
  }

  /**
   * Rows holding any needle, per table (the whole row as text, bytea as hex, so raw emails count too);
   * only the given workspace's rows where the table has workspace_id.
   */
  async function hitsPerTable(workspaceId: string, needles: string[]) {
    const patterns = needles.flatMap((n) => [
      `%${n.toLowerCase()}%`,
      `%${Buffer.from(n.toLowerCase()).toString("hex")}%`,
    ]);
    const out: Record<string, number> = {};
    for (const t of await allTables()) {
      const table = sql.id(t.schema, t.table);
      const scope = t.scoped ? sql`and r.workspace_id = ${workspaceId}::uuid` : sql``;
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from ${table} as r
        where lower(r::text) like any(${patterns}::text[]) ${scope}`.execute(env.database.db);
      const n = rows[0]?.n ?? 0;
      if (n > 0) out[`${t.schema === env.jobsSchema ? "jobs." : ""}${t.table}`] = n;
    }
    return out;
  }

  const needlesOf = (w: "a" | "b") => [markerOf(w), SHARED.crmId, SHARED.openId, SHARED.email, "612345678"];

  it("erases the person from every table of every module, files included, and nothing of another workspace", async () => {
    populated.set("a", await populate(a, markerOf("a")));
    populated.set("b", await populate(b, markerOf("b")));
    await idle();
    const pa = populated.get("a") as Population;
    const pb = populated.get("b") as Population;

    // Sanity: the population reached the tables the scan must find clean afterwards.
    const before = await hitsPerTable(a.workspace.id, needlesOf("a"));
    for (const table of [
      "contacts",
      "messages",
      "cases",
      "conversations",
      "case_events",
      "case_operations",
      "attachments",
      "inbound_payloads",
      "webhook_deliveries",
      "wechat_inbound",
      "wechat_reply_windows",
      "wechat_template_sends",
      "email_messages",
      "email_attachments",
      "email_threads",
      "webchat_visitors",
      "csat_responses",
      "message_search",
      "ai_corrections",
      "timeline_events",
      "outbox",
      "contact_import_chunks",
    ]) {
      expect(before[table], `${table} before erasure`).toBeGreaterThan(0);
    }
    const bBefore = await hitsPerTable(b.workspace.id, needlesOf("b"));
    // Rows of ids only that the erasure must also take: the note's mention, the contact's lifecycle mark.
    const idsOnly = () =>
      sql<{ mentions: number; pending: number }>`
        select
          (select count(*)::int from mentions where workspace_id = ${a.workspace.id} and case_id = ${pa.apiCaseId}) as mentions,
          (select count(*)::int from contact_lifecycle_pending where workspace_id = ${a.workspace.id}) as pending`
        .execute(env.database.db)
        .then((r) => r.rows[0]);
    expect(await idsOnly()).toEqual({ mentions: 1, pending: 1 });

    const erased = await env.app.inject({
      method: "POST",
      url: `/api/v1/contacts/${pa.contactId}/erase`,
      headers: a.auth("admin"),
    });
    expect(erased.statusCode, erased.body).toBe(200);
    await idle();

    // Nothing left anywhere: not the marker, not one external id (rows of workspace a; unscoped tables whole).
    expect(await hitsPerTable(a.workspace.id, needlesOf("a"))).toEqual({});
    // Not even the marker in another workspace's rows or the job queue.
    expect(await hitsPerTable(b.workspace.id, [markerOf("a")])).toEqual({});

    // Rows holding ids only, not text: gone (media, analyses) or without the person's message ids (alert samples).
    const idRows = await sql<{ media: number; dedupe: number; analyses: number; samples: number }>`
      select
        (select count(*)::int from wechat_media where workspace_id = ${a.workspace.id}) as media,
        (select count(*)::int from wechat_inbound where workspace_id = ${a.workspace.id}) as dedupe,
        (select count(*)::int from case_analyses where workspace_id = ${a.workspace.id}
          and case_id = ${pa.apiCaseId}) as analyses,
        (select count(*)::int from ai_alerts where workspace_id = ${a.workspace.id}
          and message_ids && ${pa.messageIds}::uuid[]) as samples`.execute(env.database.db);
    expect(idRows.rows[0]).toEqual({ media: 0, dedupe: 0, analyses: 0, samples: 0 });
    expect(await idsOnly()).toEqual({ mentions: 0, pending: 0 });

    // Files are gone from storage.
    expect(existsSync(pa.attachmentFile)).toBe(false);

    // Counts only in the erasure record; rows kept for statistics keep their ids.
    const record = await sql<{ counts: Record<string, number> }>`
      select counts from contact_erasures where workspace_id = ${a.workspace.id}`.execute(env.database.db);
    expect(record.rows[0]?.counts).toMatchObject({
      "conversations.messages": expect.any(Number),
      "channels.inboundPayloads": expect.any(Number),
      "automation.messageAnalyses": expect.any(Number),
      files: 1,
    });
    expect(record.rows[0]?.counts["conversations.messages"]).toBeGreaterThanOrEqual(5);
    const kept = await sql<{ id: string; subject: string; status: string }>`
      select id, subject, status from cases where workspace_id = ${a.workspace.id} and id = ${pa.apiCaseId}`.execute(
      env.database.db,
    );
    expect(kept.rows[0]).toMatchObject({ id: pa.apiCaseId, subject: "" });
    const threads = await sql<{ t: string }>`
      select external_thread_id as t from conversations where workspace_id = ${a.workspace.id}`.execute(
      env.database.db,
    );
    for (const r of threads.rows) {
      if (r.t !== `other-${RUN}`) expect(r.t).toMatch(/^erased:/);
    }
    const csat = await sql<{ rating: number; comment: string | null }>`
      select rating, comment from csat_responses where workspace_id = ${a.workspace.id}`.execute(env.database.db);
    expect(csat.rows).toEqual([{ rating: 2, comment: null }]);
    // The other customer of the same api batch keeps their message and their part of the raw payload.
    const other = await sql<{ n: number }>`
      select count(*)::int as n from inbound_payloads
      where workspace_id = ${a.workspace.id} and payload::text like ${`%other-${RUN}%`}`.execute(env.database.db);
    expect(other.rows[0]?.n).toBe(1);

    // Workspace b: the same external ids, untouched.
    expect(await hitsPerTable(b.workspace.id, needlesOf("b"))).toEqual(bBefore);
    expect(existsSync(pb.attachmentFile)).toBe(true);
    const theirs = await env.app.inject({ url: `/api/v1/contacts/${pb.contactId}`, headers: b.auth("admin") });
    expect(theirs.statusCode).toBe(200);
  });

  it("erases a person with 2,000 messages in as many statements as one with 3", async () => {
    // The 2,000 messages' events (analyses…) are not what this measures: no handler runs beside the erasure.
    await dispatcher.stop();
    const channel = (await call(a, "POST", "/api/v1/channels", { type: "api", name: "Bulk" })).channel.id;
    const personWith = async (label: string, count: number) => {
      const ws = a.workspace.id;
      const { contactId } = await resolveContact(
        env.database.db,
        { workspaceId: ws },
        { kind: "crm_id", externalId: `${label}-${RUN}` },
      );
      await runTransaction(env.database, (tx) =>
        receiveMessages(
          tx,
          Array.from({ length: count }, (_, i) => ({
            workspaceId: ws,
            channel: { id: channel, type: "api" },
            contactId,
            externalThreadId: `${label}-${RUN}`,
            platformMessageId: `${label}-${RUN}-${i}`,
            type: "text",
            text: `message ${i} of ${label}`,
          })),
        ),
      );
      return contactId;
    };
    const few = await personWith("few", 3);
    const many = await personWith("many", 2000);

    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const counted = { ...env, database: { ...env.database, db: env.database.db.withPlugin(counting) } };
    const caller = { type: "system" as const, workspaceId: a.workspace.id };
    const measure = async (contactId: string) => {
      statements = 0;
      const started = performance.now();
      const record = await eraseContact(counted, caller, contactId);
      return { statements, ms: performance.now() - started, counts: record.counts as Record<string, number> };
    };
    const small = await measure(few);
    const big = await measure(many);
    expect(small.counts["conversations.messages"]).toBe(3);
    expect(big.counts["conversations.messages"]).toBe(2000);
    expect(big.statements).toBe(small.statements);
    expect(big.statements).toBeLessThan(60);
    console.info(
      `[${kind}] erasure statements: ${small.statements} (3 messages, ${small.ms.toFixed(0)} ms), ${big.statements} (2,000 messages, ${big.ms.toFixed(0)} ms)`,
    );
    const left = await sql<{ n: number }>`
      select count(*)::int as n from messages where workspace_id = ${a.workspace.id} and text like ${"% of many"}`.execute(
      env.database.db,
    );
    expect(left.rows[0]?.n).toBe(0);
  });

  it("rolls the whole erasure back when one module's eraser fails, and retries a failed file deletion by a job", async () => {
    const ws = a.workspace.id;
    const person = await resolveContact(
      env.database.db,
      { workspaceId: ws },
      { kind: "crm_id", externalId: `atomic-${RUN}` },
    );
    const erase = () =>
      env.app.inject({ method: "POST", url: `/api/v1/contacts/${person.contactId}/erase`, headers: a.auth("admin") });

    registerContactEraser("test-probe", async () => {
      throw new Error("this module's erasure failed");
    });
    expect((await erase()).statusCode).toBe(500);
    const still = await env.app.inject({ url: `/api/v1/contacts/${person.contactId}`, headers: a.auth("admin") });
    expect(still.json().identities).toEqual([expect.objectContaining({ externalId: `atomic-${RUN}` })]);

    // Registering a name again replaces it: now it succeeds but its file deletion fails once, then the job retries.
    const attempts: string[][] = [];
    registerContactEraser("test-probe", async () => ({ counts: { probed: 1 }, files: [`probe-${RUN}`] }), {
      deleteFiles: async (_ctx, workspaceId, files) => {
        expect(workspaceId).toBe(ws);
        attempts.push(files);
        if (attempts.length === 1) throw new Error("storage unavailable");
      },
    });
    const erased = await erase();
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().counts).toMatchObject({ "test-probe.probed": 1, files: 1 });
    await waitFor(() => attempts.length === 2, 30_000);
    expect(attempts).toEqual([[`probe-${RUN}`], [`probe-${RUN}`]]);
    registerContactEraser("test-probe", async () => ({ counts: {} }));
  });
});
