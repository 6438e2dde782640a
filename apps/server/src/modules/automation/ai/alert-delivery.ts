/**
 * Smart alerts beyond the app: each spike alert is also emailed to the workspace's owners, admins and supervisors
 * (by the SMTP server of `ALERT_SMTP_URL`; skipped, with the reason recorded and logged, when none is configured)
 * and POSTed to the workspace's alert webhook, signed `sha256=<HMAC-SHA256 of the body>` with a secret kept
 * encrypted at rest. Both are jobs queued in the alert's transaction and retried with backoff; every delivery
 * keeps its status, attempts and last error, shown with the alert.
 */
import nodemailer from "nodemailer";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret, encryptSecret, randomToken } from "../../../platform/crypto.ts";
import type { Executor } from "../../../platform/db.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { signWebhook } from "../../channels/index.ts";
import { findMessage } from "../../conversations/index.ts";
import { listMembers } from "../../tenancy/index.ts";
import { SPIKE_DEFAULTS } from "./spikes.ts";
import { ai } from "./store.ts";

export const ALERT_WEBHOOK_JOB = "ai.alert-webhook";
export const ALERT_EMAIL_JOB = "ai.alert-email";
const AlertJobData = z.object({ workspaceId: z.uuid(), alertId: z.uuid() });
type AlertJobData = z.infer<typeof AlertJobData>;

/** Attempts of a delivery before it is marked failed (the first one and the retries). */
const ATTEMPTS = 5;
const WEBHOOK_TIMEOUT_MS = 10_000;
const ALERTED_ROLES = new Set(["owner", "admin", "supervisor"]);

export type AlertDeliverySettings = { webhookUrl: string | null; allowPrivateNetwork: boolean; email: boolean };

export async function getAlertDelivery(db: Executor, ws: string): Promise<AlertDeliverySettings> {
  const row = await ai(db)
    .selectFrom("ai_settings")
    .select(["alert_webhook_url", "alert_webhook_allow_private", "alert_email"])
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return {
    webhookUrl: row?.alert_webhook_url ?? null,
    allowPrivateNetwork: row?.alert_webhook_allow_private ?? false,
    email: row?.alert_email ?? true,
  };
}

/**
 * Sets where a workspace's alerts go. A new webhook URL gets a new signing secret, returned once (null otherwise);
 * removing the URL drops the secret.
 */
export async function putAlertDelivery(
  ctx: AppContext,
  ws: string,
  input: AlertDeliverySettings,
): Promise<AlertDeliverySettings & { webhookSecret: string | null }> {
  const { db } = ctx.database;
  if (input.webhookUrl) await assertOutboundUrl(input.webhookUrl, input.allowPrivateNetwork);
  const current = await ai(db)
    .selectFrom("ai_settings")
    .select(["alert_webhook_url", "alert_webhook_secret_encrypted"])
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  const renew = input.webhookUrl !== null && input.webhookUrl !== current?.alert_webhook_url;
  const webhookSecret = renew ? randomToken("whsec_") : null;
  const values = {
    alert_webhook_url: input.webhookUrl,
    alert_webhook_allow_private: input.allowPrivateNetwork,
    alert_email: input.email,
    alert_webhook_secret_encrypted: webhookSecret
      ? encryptSecret(ctx.secretKey, webhookSecret)
      : input.webhookUrl
        ? (current?.alert_webhook_secret_encrypted ?? null)
        : null,
  };
  const { watchedKeywords, minCount, factor } = SPIKE_DEFAULTS;
  await ai(db)
    .insertInto("ai_settings")
    .values({
      workspace_id: ws,
      watched_keywords: watchedKeywords,
      spike_min_count: minCount,
      spike_factor: factor,
      ...values,
    })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  return { ...input, webhookSecret };
}

/** Queues the email and webhook deliveries of a new alert (inside the transaction that records it). */
export async function queueAlertDeliveries(ctx: AppContext, tx: Executor, ws: string, alertId: string): Promise<void> {
  const settings = await getAlertDelivery(tx, ws);
  const data = { workspaceId: ws, alertId };
  const channels = [
    ...(settings.webhookUrl ? [["webhook", ALERT_WEBHOOK_JOB] as const] : []),
    ...(settings.email ? [["email", ALERT_EMAIL_JOB] as const] : []),
  ];
  for (const [channel, job] of channels) {
    await ai(tx)
      .insertInto("ai_alert_deliveries")
      .values({ workspace_id: ws, alert_id: alertId, channel, status: "pending", last_error: null })
      .execute();
    await ctx.jobs.send(job, data, { tx });
  }
}

/** The deliveries of alerts, by alert id. */
export async function deliveriesOf(db: Executor, ws: string, alertIds: string[]) {
  const out = new Map<
    string,
    {
      channel: string;
      status: string;
      attempts: number;
      recipients: string[];
      lastError: string | null;
      updatedAt: string;
    }[]
  >();
  if (!alertIds.length) return out;
  const rows = await ai(db)
    .selectFrom("ai_alert_deliveries")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("alert_id", "in", alertIds)
    .orderBy("channel")
    .execute();
  for (const r of rows) {
    const list = out.get(r.alert_id) ?? [];
    list.push({
      channel: r.channel,
      status: r.status,
      attempts: r.attempts,
      recipients: r.recipients,
      lastError: r.last_error,
      updatedAt: r.updated_at.toISOString(),
    });
    out.set(r.alert_id, list);
  }
  return out;
}

/** The alert as delivered: its figures and the messages that caused it. */
async function alertPayload(db: Executor, ws: string, alertId: string) {
  const alert = await ai(db)
    .selectFrom("ai_alerts")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", alertId)
    .executeTakeFirst();
  if (!alert) return undefined;
  const messages = await Promise.all(alert.message_ids.map((id) => findMessage(db, ws, id)));
  return {
    type: "ai.spike-detected",
    workspaceId: ws,
    alertId,
    metric: alert.metric,
    count: alert.count,
    baseline: alert.baseline,
    createdAt: alert.created_at.toISOString(),
    messages: messages.flatMap((m) =>
      m ? [{ id: m.id, caseId: m.case_id, text: m.text, createdAt: new Date(m.created_at).toISOString() }] : [],
    ),
  };
}

class PermanentFailure extends Error {}

async function record(
  db: Executor,
  d: AlertJobData,
  channel: "email" | "webhook",
  patch: {
    status: "retrying" | "delivered" | "failed" | "skipped";
    attempts: number;
    lastError: string | null;
    recipients?: string[];
  },
) {
  await ai(db)
    .updateTable("ai_alert_deliveries")
    .set({
      status: patch.status,
      attempts: patch.attempts,
      last_error: patch.lastError,
      ...(patch.recipients ? { recipients: patch.recipients } : {}),
      updated_at: new Date(),
    })
    .where("workspace_id", "=", d.workspaceId)
    .where("alert_id", "=", d.alertId)
    .where("channel", "=", channel)
    .execute();
}

/**
 * Runs one delivery attempt and records its outcome: retried (the error rethrown for the job's backoff) until the
 * last attempt or a permanent failure, which is recorded as failed and logged.
 */
async function attempt(
  ctx: AppContext,
  d: AlertJobData,
  channel: "email" | "webhook",
  n: number,
  deliver: () => Promise<{ status: "delivered" | "skipped"; reason?: string; recipients?: string[] }>,
) {
  const { db } = ctx.database;
  try {
    const done = await deliver();
    await record(db, d, channel, {
      status: done.status,
      attempts: n,
      lastError: done.reason ?? null,
      ...(done.recipients ? { recipients: done.recipients } : {}),
    });
    if (done.status === "skipped")
      ctx.logger.info({ alertId: d.alertId, channel, reason: done.reason }, "alert delivery skipped");
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const final = err instanceof PermanentFailure || n >= ATTEMPTS;
    await record(db, d, channel, { status: final ? "failed" : "retrying", attempts: n, lastError: message });
    ctx.logger.warn({ alertId: d.alertId, channel, attempt: n, error: message }, "alert delivery failed");
    if (!final) throw err;
  }
}

async function deliverWebhook(ctx: AppContext, d: AlertJobData) {
  const { db } = ctx.database;
  const row = await ai(db)
    .selectFrom("ai_settings")
    .select(["alert_webhook_url", "alert_webhook_secret_encrypted", "alert_webhook_allow_private"])
    .where("workspace_id", "=", d.workspaceId)
    .executeTakeFirst();
  if (!row?.alert_webhook_url || !row.alert_webhook_secret_encrypted)
    return { status: "skipped" as const, reason: "no alert webhook is configured any more" };
  const payload = await alertPayload(db, d.workspaceId, d.alertId);
  if (!payload) return { status: "skipped" as const, reason: "the alert no longer exists" };
  try {
    await assertOutboundUrl(row.alert_webhook_url, row.alert_webhook_allow_private);
  } catch (err) {
    throw new PermanentFailure(err instanceof Error ? err.message : String(err));
  }
  const body = JSON.stringify(payload);
  const secret = decryptSecret(ctx.secretKey, row.alert_webhook_secret_encrypted);
  let res: Response;
  try {
    res = await fetch(row.alert_webhook_url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-rapport-event": "ai.spike-detected",
        "x-rapport-delivery": d.alertId,
        "x-rapport-signature": signWebhook(secret, body),
      },
      body,
      redirect: "error",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(`webhook unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return { status: "delivered" as const };
  const what = `webhook answered ${res.status}`;
  // A 4xx other than 408/429 will not get better by retrying.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw new PermanentFailure(what);
  throw new Error(what);
}

/** The addresses alerted by email: the workspace's owners, admins and supervisors. */
export async function alertRecipients(db: Executor, ws: string): Promise<string[]> {
  const members = await listMembers(db, ws, undefined, 1000);
  return members
    .filter((m) => ALERTED_ROLES.has(m.role))
    .map((m) => m.email)
    .sort();
}

async function deliverEmail(ctx: AppContext, d: AlertJobData) {
  const { db } = ctx.database;
  const smtp = ctx.config.ALERT_SMTP_URL;
  if (!smtp) return { status: "skipped" as const, reason: "no SMTP server is configured (set ALERT_SMTP_URL)" };
  const recipients = await alertRecipients(db, d.workspaceId);
  if (!recipients.length)
    return { status: "skipped" as const, reason: "the workspace has no owner, admin or supervisor" };
  const payload = await alertPayload(db, d.workspaceId, d.alertId);
  if (!payload) return { status: "skipped" as const, reason: "the alert no longer exists" };
  const lines = payload.messages
    .slice(0, 20)
    .map((m) => `- ${m.text.replace(/\s+/g, " ").slice(0, 300)} (case ${m.caseId})`);
  const text = [
    `Rapport detected a spike: ${payload.metric}.`,
    `${payload.count} messages in the last hour, against an hourly baseline of ${payload.baseline.toFixed(1)}.`,
    "",
    "Messages that caused it:",
    ...lines,
    payload.messages.length > lines.length ? `… and ${payload.messages.length - lines.length} more` : "",
  ].join("\n");
  const transport = nodemailer.createTransport({
    url: smtp,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    await transport.sendMail({
      from: ctx.config.ALERT_EMAIL_FROM,
      to: recipients,
      subject: `[Rapport] Spike alert: ${payload.metric} (${payload.count} in the last hour)`,
      text,
    });
  } catch (err) {
    const e = err as { responseCode?: number; message?: string };
    const what = `SMTP: ${(e.message ?? String(err)).replace(/\s+/g, " ")}`;
    if (typeof e.responseCode === "number" && e.responseCode >= 500) throw new PermanentFailure(what);
    throw new Error(what);
  } finally {
    transport.close();
  }
  return { status: "delivered" as const, recipients };
}

/** One attempt (1-based) of an alert's email or webhook delivery, its outcome recorded (the jobs' handler). */
export function runAlertDelivery(ctx: AppContext, channel: "email" | "webhook", data: AlertJobData, n: number) {
  return attempt(ctx, data, channel, n, () =>
    channel === "email" ? deliverEmail(ctx, data) : deliverWebhook(ctx, data),
  );
}

/** Defines the delivery jobs (retried with exponential backoff from OUTBOUND_RETRY_DELAY_SECONDS). */
export function defineAlertDeliveryJobs(ctx: AppContext): void {
  const common = {
    schema: AlertJobData,
    retryLimit: ATTEMPTS - 1,
    retryDelaySeconds: ctx.config.OUTBOUND_RETRY_DELAY_SECONDS,
  };
  ctx.jobs.define({
    name: ALERT_WEBHOOK_JOB,
    ...common,
    handler: (data, job) => runAlertDelivery(ctx, "webhook", data, job.attempt),
  });
  ctx.jobs.define({
    name: ALERT_EMAIL_JOB,
    ...common,
    handler: (data, job) => runAlertDelivery(ctx, "email", data, job.attempt),
  });
}
