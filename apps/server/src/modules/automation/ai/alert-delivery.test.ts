import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { waitFor } from "../../../../test/wait.ts";
import { createDispatcher, type Dispatcher } from "../../../platform/outbox.ts";
import { subscribeHandlers } from "../../../wiring.ts";
import { signWebhook } from "../../channels/index.ts";
import { runAlertDelivery } from "./alert-delivery.ts";
import { checkSpikes } from "./spikes.ts";
import { ai } from "./store.ts";

type Hook = { body: string; headers: IncomingHttpHeaders };

/** An HTTP receiver on loopback answering the statuses scripted for the alert's metric in turn (then 200). */
async function webhookReceiver() {
  const received: Hook[] = [];
  const script: Record<string, number[]> = {};
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ body, headers: req.headers });
      const metric = (JSON.parse(body) as { metric: string }).metric;
      res.writeHead(script[metric]?.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return { url, received, script, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A real SMTP peer on loopback (the `smtp-server` library) keeping what it receives. */
async function smtpPeer() {
  const received: { raw: string; from: string; to: string[] }[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        received.push({
          raw: Buffer.concat(chunks).toString(),
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(TEST_DATABASES)("spike alerts by webhook and email on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let smtp: Awaited<ReturnType<typeof smtpPeer>>;
  let dispatcher: Dispatcher;
  let channelId: string;

  beforeAll(async () => {
    hook = await webhookReceiver();
    smtp = await smtpPeer();
    env = await openTestEnv(kind, {
      ALERT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      ALERT_EMAIL_FROM: "alerts@rapport.test",
      OUTBOUND_RETRY_DELAY_SECONDS: "1",
    });
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: a.auth("admin"),
      payload: { type: "api", name: "Shop" },
    });
    channelId = created.json().channel.id;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await env?.close();
    await hook?.close();
    await smtp?.close();
  });

  const put = (payload: object, auth = a.auth("admin")) =>
    env.app.inject({ method: "PUT", url: "/api/v1/ai/alert-delivery", headers: auth, payload });

  it("configures the alert webhook per workspace; the secret is shown once, never read back", async () => {
    expect((await put({ webhookUrl: hook.url, allowPrivateNetwork: true }, a.auth("agent"))).statusCode).toBe(403);
    const bad = await put({ webhookUrl: "not a url" });
    expect(bad.statusCode).toBe(400);
    const privateNet = await put({ webhookUrl: hook.url });
    expect(privateNet.statusCode).toBe(400);
    expect(privateNet.json().error?.reason ?? privateNet.body).toContain("url_private_network");
    const ok = await put({ webhookUrl: hook.url, allowPrivateNetwork: true });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().webhookSecret).toMatch(/^whsec_/);
    const again = await put({ webhookUrl: hook.url, allowPrivateNetwork: true, email: true });
    expect(again.json().webhookSecret).toBeNull();
    const read = await env.app.inject({ url: "/api/v1/ai/alert-delivery", headers: a.auth("analyst") });
    expect(read.json()).toEqual({ webhookUrl: hook.url, allowPrivateNetwork: true, email: true });
    expect(read.body).not.toContain("whsec_");
    const other = await env.app.inject({ url: "/api/v1/ai/alert-delivery", headers: b.auth("admin") });
    expect(other.json().webhookUrl).toBeNull();
  });

  it("delivers a spike by signed webhook (retried after a 500) and by email to supervisors and admins", async () => {
    const { webhookSecret } = (await put({ webhookUrl: `${hook.url}?v=2`, allowPrivateNetwork: true })).json();
    await env.app.inject({
      method: "PUT",
      url: "/api/v1/ai/settings",
      headers: a.auth("supervisor"),
      payload: { watchedKeywords: ["recall"], minCount: 3, factor: 2 },
    });
    const texts = ["Is my kettle part of the recall?", "RECALL notice received, what now", "recall 召回"];
    for (const [i, text] of texts.entries()) {
      const res = await env.app.inject({
        method: "POST",
        url: `/api/v1/channels/${channelId}/inbound`,
        headers: a.auth("agent"),
        payload: { externalMessageId: `r${i}`, from: { externalId: `c${i}` }, text },
      });
      const { caseId } = res.json().data[0];
      await waitFor(
        async () =>
          (await env.app.inject({ url: `/api/v1/cases/${caseId}/analysis`, headers: a.auth("agent") })).json()
            .messagesAnalyzed === 1,
      );
    }
    hook.script["keyword:recall"] = [500];
    const recall = () => hook.received.filter((h) => h.body.includes('"keyword:recall"'));
    const found = await checkSpikes(env, a.workspace.id);
    expect(found.map((f) => f.metric)).toContain("keyword:recall");

    await waitFor(() => recall().length >= 2, 20_000);
    const [failed, delivered] = recall();
    expect(failed?.body).toBe(delivered?.body);
    const body = delivered?.body ?? "";
    expect(delivered?.headers["x-rapport-signature"]).toBe(signWebhook(webhookSecret, body));
    expect(delivered?.headers["x-rapport-event"]).toBe("ai.spike-detected");
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ type: "ai.spike-detected", workspaceId: a.workspace.id, metric: "keyword:recall" });
    expect(payload.messages.map((m: { text: string }) => m.text).sort()).toEqual([...texts].sort());

    await waitFor(() => smtp.received.some((m) => m.raw.includes("keyword:recall")), 20_000);
    const mail = smtp.received.find((m) => m.raw.includes("keyword:recall"));
    const expected = [a.users.admin.email, a.users.owner.email, a.users.supervisor.email].sort();
    expect(mail?.to.sort()).toEqual(expected);
    expect(mail?.from).toBe("alerts@rapport.test");
    const raw = mail?.raw ?? "";
    expect(raw).toContain("keyword:recall");
    expect(raw).toContain("Is my kettle part of the recall?");

    const alertsOf = async (auth: Record<string, string>) =>
      (await env.app.inject({ url: "/api/v1/ai/alerts", headers: auth })).json().data;
    await waitFor(async () => {
      const alert = (await alertsOf(a.auth("agent"))).find((x: { metric: string }) => x.metric === "keyword:recall");
      return (
        alert?.deliveries.every((d: { status: string }) => d.status === "delivered") && alert.deliveries.length === 2
      );
    });
    const alert = (await alertsOf(a.auth("agent"))).find((x: { metric: string }) => x.metric === "keyword:recall");
    expect(alert.deliveries).toEqual([
      expect.objectContaining({ channel: "email", status: "delivered", attempts: 1, recipients: expected }),
      expect.objectContaining({ channel: "webhook", status: "delivered", attempts: 2, lastError: null }),
    ]);
    expect(await alertsOf(b.auth("admin"))).toEqual([]);
  });

  it("records a permanent failure (a 4xx) without retrying, visible on the alert", async () => {
    await put({ webhookUrl: `${hook.url}?v=3`, allowPrivateNetwork: true, email: false });
    await env.app.inject({
      method: "PUT",
      url: "/api/v1/ai/settings",
      headers: a.auth("supervisor"),
      payload: { watchedKeywords: ["melted"], minCount: 1, factor: 1 },
    });
    const res = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/inbound`,
      headers: a.auth("agent"),
      payload: { externalMessageId: "p1", from: { externalId: "p1" }, text: "The charger melted" },
    });
    const { caseId } = res.json().data[0];
    await waitFor(
      async () =>
        (await env.app.inject({ url: `/api/v1/cases/${caseId}/analysis`, headers: a.auth("agent") })).json()
          .messagesAnalyzed === 1,
    );
    hook.script["keyword:melted"] = [410];
    expect((await checkSpikes(env, a.workspace.id)).map((f) => f.metric)).toContain("keyword:melted");
    const melted = async () =>
      (await env.app.inject({ url: "/api/v1/ai/alerts", headers: a.auth("agent") }))
        .json()
        .data.find((x: { metric: string }) => x.metric === "keyword:melted");
    await waitFor(async () => (await melted())?.deliveries[0]?.status === "failed", 20_000);
    expect((await melted()).deliveries).toEqual([
      expect.objectContaining({ channel: "webhook", status: "failed", attempts: 1, lastError: "webhook answered 410" }),
    ]);
  });

  it("skips the email with a recorded reason when no SMTP server is configured", async () => {
    const melted = (await env.app.inject({ url: "/api/v1/ai/alerts", headers: a.auth("agent") }))
      .json()
      .data.find((x: { metric: string }) => x.metric === "keyword:melted");
    const { ALERT_SMTP_URL: _, ...config } = env.config;
    const sent = smtp.received.length;
    // That alert was configured without email: its email delivery is recorded as queued, then run.
    await ai(env.database.db)
      .insertInto("ai_alert_deliveries")
      .values({
        workspace_id: a.workspace.id,
        alert_id: melted.id,
        channel: "email",
        status: "pending",
        last_error: null,
      })
      .execute();
    await runAlertDelivery({ ...env, config }, "email", { workspaceId: a.workspace.id, alertId: melted.id }, 1);
    const alert = (await env.app.inject({ url: "/api/v1/ai/alerts", headers: a.auth("agent") }))
      .json()
      .data.find((x: { metric: string }) => x.metric === "keyword:melted");
    expect(alert.deliveries).toContainEqual(
      expect.objectContaining({
        channel: "email",
        status: "skipped",
        attempts: 1,
        lastError: "no SMTP server is configured (set ALERT_SMTP_URL)",
      }),
    );
    expect(smtp.received.length).toBe(sent);
  });
});
