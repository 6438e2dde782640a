import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { encryptSecret } from "../../platform/crypto.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { recentCasesWithFirstMessage } from "../conversations/index.ts";
import { contactFactsOf } from "../profiles/index.ts";
import { type Actor, actorOf, guard, recordAudit } from "../tenancy/index.ts";
import { registerAiRoutes } from "./ai/routes.ts";
import { analyzeForWorkspace } from "./ai/store.ts";
import { registerBotRoutes } from "./bot/routes.ts";
import { findRule, forgetRules, insertRule, listRules, q, type RuleRow, type TriggerConfig } from "./repository.ts";
import { type Action, checkRule, compileRule, type Facts, factsNeeded, RuleBody, type RuleInput } from "./rules.ts";
import { missingReferences } from "./runner.ts";
import { registerScenarioRoutes } from "./scenarios.routes.ts";
import { scheduleCron } from "./scheduled.ts";

const tags = { tags: ["automation"] };
const IdParams = z.strictObject({ id: z.uuid() });

/** A rule's action as shown: a webhook's secret is write-only (omit it on update to keep the current one). */
function presentAction(a: Action) {
  if (a.type !== "webhook") return a;
  const { secret: _secret, secretSealed, ...rest } = a;
  return { ...rest, hasSecret: Boolean(secretSealed) };
}

/** A rule as the API shows it. */
export function presentRule(r: RuleRow) {
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    trigger: r.trigger,
    keywords: r.keywords,
    keys: r.trigger_config?.keys ?? [],
    schedule: r.trigger_config?.schedule ?? null,
    conditions: r.conditions,
    actions: r.actions.map(presentAction),
    updatedAt: r.updated_at.toISOString(),
  };
}

function invalid(problems: string[]): AppError {
  return new AppError("invalid", "rule_invalid", `The rule is invalid: ${problems.join("; ")}.`, {
    field: problems[0]?.split(":")[0],
    problems,
  });
}

function assertValid(input: RuleInput) {
  const problems = checkRule(input);
  if (problems.length) throw invalid(problems);
}

/**
 * Readies a rule body for storage: webhook secrets are sealed (a webhook without one keeps the secret of the
 * current rule's webhook to the same URL), private-network webhooks need an admin, the rule is checked, and
 * the teams, agents and templates it names must exist (else 400 with the path of each).
 */
async function prepareRule(ctx: AppContext, db: Executor, actor: Actor, input: RuleInput, current?: RuleRow) {
  const actions = input.actions.map((a, i): Action => {
    if (a.type !== "webhook") return a;
    const { secret, secretSealed: _ignored, ...rest } = a;
    if (rest.allowPrivateNetwork && actor.role !== "admin" && actor.role !== "owner")
      throw invalid([`actions[${i}].allowPrivateNetwork: only an admin may let a webhook call a private network`]);
    if (secret) return { ...rest, secretSealed: encryptSecret(ctx.secretKey, secret) };
    const kept = current?.actions.find((c) => c.type === "webhook" && c.url === a.url && c.secretSealed);
    return kept?.type === "webhook" && kept.secretSealed ? { ...rest, secretSealed: kept.secretSealed } : rest;
  });
  const rule = { ...input, actions };
  assertValid(rule);
  const missing = await missingReferences(db, actor.workspaceId, rule);
  if (missing.length) throw invalid(missing);
  const config: TriggerConfig = {
    ...(input.keys?.length ? { keys: input.keys } : {}),
    ...(input.schedule ? { schedule: input.schedule } : {}),
  };
  return { rule, config };
}

/** Registers the automation API: rules (CRUD, order, dry-run) and the execution log of a case. */
export function registerAutomationRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  registerAiRoutes(app, ctx);
  registerBotRoutes(app, ctx);
  registerScenarioRoutes(app, ctx);

  app.get("/api/v1/automation/rules", { schema: tags, onRequest: guard(ctx, "automation.read") }, async (request) => ({
    data: (await listRules(db, actorOf(request).workspaceId)).map(presentRule),
    nextCursor: null,
  }));

  app.post(
    "/api/v1/automation/rules",
    { schema: { ...tags, body: RuleBody }, onRequest: guard(ctx, "automation.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      const { rule: b, config } = await prepareRule(ctx, db, actor, request.body);
      const row = await db.transaction().execute(async (tx) => {
        const created = await insertRule(tx, actor.workspaceId, b, config);
        await recordAudit(tx, actor, { action: "automation.rule.created", objectType: "rule", objectId: created.id });
        return created;
      });
      forgetRules(actor.workspaceId);
      await scheduleCron(ctx, row);
      return reply.code(201).send(presentRule(row));
    },
  );

  app.put(
    "/api/v1/automation/rules/:id",
    { schema: { ...tags, params: IdParams, body: RuleBody }, onRequest: guard(ctx, "automation.manage") },
    async (request) => {
      const actor = actorOf(request);
      const current = await findRule(db, actor.workspaceId, request.params.id);
      if (!current) throw new AppError("not_found", "rule_not_found", "No such rule in your workspace.");
      const { rule: b, config } = await prepareRule(ctx, db, actor, request.body, current);
      const row = (await q(db)
        .updateTable("automation_rules")
        .set({
          name: b.name,
          enabled: b.enabled,
          trigger: b.trigger,
          keywords: b.keywords ?? [],
          conditions: b.conditions ? JSON.stringify(b.conditions) : null,
          actions: JSON.stringify(b.actions),
          trigger_config: JSON.stringify(config),
          // Saving a valid rule clears the engine's reason for having switched it off.
          disabled_reason: b.enabled ? null : current.disabled_reason,
          updated_at: new Date(),
        })
        .where("workspace_id", "=", actor.workspaceId)
        .where("id", "=", request.params.id)
        .returningAll()
        .executeTakeFirst()) as RuleRow | undefined;
      forgetRules(actor.workspaceId);
      if (!row) throw new AppError("not_found", "rule_not_found", "No such rule in your workspace.");
      await scheduleCron(ctx, row);
      return presentRule(row);
    },
  );

  app.delete(
    "/api/v1/automation/rules/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "automation.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      const deleted = await q(db)
        .deleteFrom("automation_rules")
        .where("workspace_id", "=", actor.workspaceId)
        .where("id", "=", request.params.id)
        .executeTakeFirst();
      forgetRules(actor.workspaceId);
      if (Number(deleted.numDeletedRows) === 0)
        throw new AppError("not_found", "rule_not_found", "No such rule in your workspace.");
      return reply.code(204).send();
    },
  );

  app.put(
    "/api/v1/automation/rules/order",
    {
      schema: { ...tags, body: z.strictObject({ ids: z.array(z.uuid()).min(1).max(1000) }) },
      onRequest: guard(ctx, "automation.manage"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const existing = await listRules(db, ws);
      const ids = request.body.ids;
      if (
        ids.length !== existing.length ||
        new Set(ids).size !== ids.length ||
        !existing.every((r) => ids.includes(r.id))
      ) {
        throw new AppError(
          "invalid",
          "order_incomplete",
          "Send every rule id of the workspace exactly once, in the new order.",
          {
            field: "ids",
          },
        );
      }
      await db.transaction().execute(async (tx) => {
        for (const [i, id] of ids.entries()) {
          await q(tx)
            .updateTable("automation_rules")
            .set({ position: i + 1 })
            .where("workspace_id", "=", ws)
            .where("id", "=", id)
            .execute();
        }
      });
      forgetRules(ws);
      return { data: (await listRules(db, ws)).map(presentRule), nextCursor: null };
    },
  );

  app.post(
    "/api/v1/automation/rules/dry-run",
    { schema: { ...tags, body: RuleBody }, onRequest: guard(ctx, "automation.read") },
    async (request) => {
      // Only what decides a match matters here (an unsaved webhook has no secret yet).
      const problems = checkRule(request.body).filter((p) => !p.startsWith("actions"));
      if (problems.length) throw invalid(problems);
      const ws = actorOf(request).workspaceId;
      return dryRun(db, ws, request.body);
    },
  );

  app.get(
    "/api/v1/automation/log",
    {
      schema: {
        ...tags,
        querystring: z.strictObject({
          ruleId: z.uuid().optional(),
          caseId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      onRequest: guard(ctx, "automation.read"),
    },
    async (request) => {
      const { ruleId, caseId, limit } = request.query;
      return { data: await logOf(db, actorOf(request).workspaceId, { ruleId, caseId, limit }), nextCursor: null };
    },
  );

  app.get(
    "/api/v1/automation/webhook-calls",
    {
      schema: {
        ...tags,
        querystring: z.strictObject({
          ruleId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      onRequest: guard(ctx, "automation.read"),
    },
    async (request) => {
      let query = q(db)
        .selectFrom("automation_webhook_calls")
        .selectAll()
        .where("workspace_id", "=", actorOf(request).workspaceId)
        .orderBy("id", "desc")
        .limit(request.query.limit);
      if (request.query.ruleId) query = query.where("rule_id", "=", request.query.ruleId);
      return {
        data: (await query.execute()).map((r) => ({
          id: r.id,
          ruleId: r.rule_id,
          caseId: r.case_id,
          url: r.url,
          status: r.status,
          attempts: r.attempts,
          responseStatus: r.response_status,
          lastError: r.last_error,
          createdAt: r.created_at.toISOString(),
          updatedAt: r.updated_at.toISOString(),
        })),
        nextCursor: null,
      };
    },
  );

  app.get(
    "/api/v1/cases/:id/automation-log",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "automation.read") },
    async (request) => ({
      data: await logOf(db, actorOf(request).workspaceId, { caseId: request.params.id, limit: 500, oldestFirst: true }),
      nextCursor: null,
    }),
  );
}

/** Execution log rows with their rule's name (null once the rule is deleted), newest first unless asked. */
async function logOf(
  db: Executor,
  ws: string,
  filter: { ruleId?: string | undefined; caseId?: string | undefined; limit: number; oldestFirst?: boolean },
) {
  let query = q(db)
    .selectFrom("automation_log as l")
    .leftJoin("automation_rules as r", (j) =>
      j.onRef("r.workspace_id", "=", "l.workspace_id").onRef("r.id", "=", "l.rule_id"),
    )
    .select(["l.id", "l.rule_id", "l.case_id", "l.contact_id", "l.depth", "l.results", "l.created_at", "r.name"])
    .where("l.workspace_id", "=", ws)
    .orderBy("l.id", filter.oldestFirst ? "asc" : "desc")
    .limit(filter.limit);
  if (filter.ruleId) query = query.where("l.rule_id", "=", filter.ruleId);
  if (filter.caseId) query = query.where("l.case_id", "=", filter.caseId);
  return (await query.execute()).map((r) => ({
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.name,
    caseId: r.case_id,
    contactId: r.contact_id,
    depth: r.depth,
    results: r.results,
    createdAt: r.created_at.toISOString(),
  }));
}

/**
 * Which of the workspace's last 1,000 cases the rule would have matched, on each case's first customer
 * message and current state (contact facts in one query for all cases). Trigger keys (menu keys, scenes) are
 * not replayed: only keywords and conditions decide.
 */
async function dryRun(db: Executor, ws: string, input: RuleInput) {
  const rule = compileRule({ trigger: input.trigger, keywords: input.keywords, conditions: input.conditions });
  const cases = await recentCasesWithFirstMessage(db, ws, 1000);
  const contacts = factsNeeded(input.conditions).contact
    ? await contactFactsOf(db, ws, [...new Set(cases.map((c) => c.contact_id))])
    : undefined;
  const now = Date.now();
  const hoursSince = (d: Date | null) => (d ? (now - d.getTime()) / 3_600_000 : undefined);
  const matched: typeof cases = [];
  const needsText = input.trigger === "keyword" || JSON.stringify(input.conditions ?? {}).includes('"message.');
  for (const c of cases) {
    const analysis = c.first_text === null || !needsText ? undefined : await analyzeForWorkspace(db, ws, c.first_text);
    const facts: Facts = {
      message: c.first_text === null ? undefined : { text: c.first_text, type: c.first_type ?? "text" },
      channelType: c.channel_type ?? "api",
      channelId: c.channel_id ?? undefined,
      case: {
        priority: c.priority,
        status: c.status,
        tags: c.tags,
        isNew: true,
        teamId: c.team_id,
        assigneeId: c.assignee_id,
        fields: c.custom_fields,
        hoursSinceLastMessage: hoursSince(c.last_message_at),
        hoursSinceLastCustomerMessage: hoursSince(c.last_inbound_at),
      },
      contact: contacts?.get(c.contact_id),
      analysis: analysis && {
        ...analysis,
        sentiment: analysis.sentiment.label,
        sentimentScore: analysis.sentiment.score,
      },
      caseSentiment: analysis?.sentiment.label,
    };
    if (rule.matches(facts)) matched.push(c);
  }
  return {
    scanned: cases.length,
    matched: matched.length,
    sample: matched.slice(0, 20).map((c) => c.id),
    cases: matched.slice(0, 50).map((c) => ({
      id: c.id,
      number: c.number,
      subject: c.subject,
      status: c.status,
      firstMessage: c.first_text?.slice(0, 200) ?? null,
      createdAt: c.created_at.toISOString(),
    })),
  };
}
