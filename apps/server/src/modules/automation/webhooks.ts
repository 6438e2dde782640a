/**
 * Webhook and template actions run as jobs after the rule's transaction commits: a slow or failing endpoint
 * never blocks the rule's other actions. Webhooks are signed (`X-Rapport-Signature: sha256=<HMAC-SHA256 of
 * the body with the action's secret>`), retried by the queue with backoff, and each attempt is recorded in
 * `automation_webhook_calls`.
 */
import { createHmac } from "node:crypto";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { decryptSecret } from "../../platform/crypto.ts";
import { assertOutboundUrl } from "../../platform/net.ts";
import { sendTemplateForRule } from "../channels/index.ts";
import { findRule, q } from "./repository.ts";

export const WEBHOOK_JOB = "automation.webhook";
export const TEMPLATE_JOB = "automation.template";
/** Retries after the first failed call (the queue backs off exponentially from 10 s). */
export const WEBHOOK_RETRIES = 5;

export const WebhookJobData = z.strictObject({
  workspaceId: z.uuid(),
  callId: z.uuid(),
  ruleId: z.uuid(),
  eventId: z.string(),
  caseId: z.uuid().nullable(),
  contactId: z.uuid().nullable(),
  trigger: z.string(),
});
export type WebhookJobData = z.infer<typeof WebhookJobData>;

export const TemplateJobData = z.strictObject({
  workspaceId: z.uuid(),
  ruleId: z.uuid(),
  caseId: z.uuid(),
  channelId: z.uuid(),
  openId: z.string(),
  templateId: z.string(),
  data: z.record(z.string(), z.string()),
  url: z.string().optional(),
  clientMsgId: z.string(),
});

/** The signature header value of a body: `sha256=` and the hex HMAC-SHA256 with the secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * One attempt of a webhook call: POSTs the signed body, records the attempt, and throws on failure so the
 * queue retries (after the last retry the call is recorded `failed`).
 */
export async function deliverWebhook(ctx: AppContext, data: WebhookJobData, attempt: number): Promise<void> {
  const db = ctx.database.db;
  const ws = data.workspaceId;
  const rule = await findRule(db, ws, data.ruleId);
  const call = await q(db)
    .selectFrom("automation_webhook_calls")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", data.callId)
    .executeTakeFirst();
  if (!call || call.status === "delivered") return;
  const action = rule?.actions.find((a) => a.type === "webhook" && a.url === call.url);
  const record = (set: {
    status: "delivered" | "retrying" | "failed";
    response_status?: number;
    last_error?: string;
  }) =>
    q(db)
      .updateTable("automation_webhook_calls")
      .set({ ...set, attempts: attempt, updated_at: new Date() })
      .where("workspace_id", "=", ws)
      .where("id", "=", call.id)
      .execute();
  if (!rule || action?.type !== "webhook" || !action.secretSealed) {
    await record({ status: "failed", last_error: "the rule or its webhook action was removed" });
    return;
  }
  const body = JSON.stringify({
    id: call.id,
    ruleId: rule.id,
    ruleName: rule.name,
    trigger: data.trigger,
    eventId: data.eventId,
    caseId: data.caseId,
    contactId: data.contactId,
    sentAt: new Date().toISOString(),
  });
  const final = attempt > WEBHOOK_RETRIES;
  let url: URL;
  try {
    url = await assertOutboundUrl(call.url, action.allowPrivateNetwork ?? false);
  } catch (err) {
    // A refused URL (private network, bad scheme): retrying cannot help.
    await record({ status: "failed", last_error: err instanceof Error ? err.message : String(err) });
    return;
  }
  let failure: string;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-rapport-delivery": call.id,
        "x-rapport-signature": signBody(decryptSecret(ctx.secretKey, action.secretSealed), body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: "manual",
    });
    if (response.status >= 200 && response.status < 300) {
      await record({ status: "delivered", response_status: response.status });
      return;
    }
    failure = `HTTP ${response.status}`;
    await record({ status: final ? "failed" : "retrying", response_status: response.status, last_error: failure });
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    await record({ status: final ? "failed" : "retrying", last_error: failure.slice(0, 500) });
  }
  ctx.logger.warn({ ruleId: rule.id, callId: call.id, attempt, error: failure }, "automation webhook failed");
  if (!final) throw new Error(`webhook call failed (${failure}); the queue retries it`);
}

/** The template job: sends once per clientMsgId (a retry after WeChat accepted it sends nothing more). */
export async function sendRuleTemplate(ctx: AppContext, data: z.infer<typeof TemplateJobData>): Promise<void> {
  await sendTemplateForRule(
    ctx,
    { workspaceId: data.workspaceId, ruleId: data.ruleId },
    {
      channelId: data.channelId,
      openId: data.openId,
      templateId: data.templateId,
      data: data.data,
      url: data.url,
      clientMsgId: data.clientMsgId,
    },
  );
}

/** Defines the webhook and template jobs of rules. */
export function defineActionJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: WEBHOOK_JOB,
    schema: WebhookJobData,
    retryLimit: WEBHOOK_RETRIES,
    handler: (data, job) => deliverWebhook(ctx, data, job.attempt),
  });
  ctx.jobs.define({
    name: TEMPLATE_JOB,
    schema: TemplateJobData,
    retryLimit: 3,
    handler: (data) => sendRuleTemplate(ctx, data),
  });
}
