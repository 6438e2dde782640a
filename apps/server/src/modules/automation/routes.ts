import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { recentCasesWithFirstMessage } from "../conversations/index.ts";
import { actorOf, guard, recordAudit } from "../tenancy/index.ts";
import { registerAiRoutes } from "./ai/routes.ts";
import { analyzeForWorkspace } from "./ai/store.ts";
import { registerBotRoutes } from "./bot/routes.ts";
import { listRules, nextPosition, q, type RuleRow } from "./repository.ts";
import { checkRule, compileRule, RuleBody, type RuleInput } from "./rules.ts";

const tags = { tags: ["automation"] };
const IdParams = z.strictObject({ id: z.uuid() });

function presentRule(r: RuleRow) {
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    enabled: r.enabled,
    trigger: r.trigger,
    keywords: r.keywords,
    conditions: r.conditions,
    actions: r.actions,
    updatedAt: r.updated_at.toISOString(),
  };
}

function assertValid(input: RuleInput) {
  const problems = checkRule(input);
  if (problems.length) {
    throw new AppError("invalid", "rule_invalid", `The rule is invalid: ${problems.join("; ")}.`, {
      field: problems[0]?.split(":")[0],
      problems,
    });
  }
}

/** Registers the automation API: rules (CRUD, order, dry-run) and the execution log of a case. */
export function registerAutomationRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  registerAiRoutes(app, ctx);
  registerBotRoutes(app, ctx);

  app.get("/api/v1/automation/rules", { schema: tags, onRequest: guard(ctx, "automation.read") }, async (request) => ({
    data: (await listRules(db, actorOf(request).workspaceId)).map(presentRule),
    nextCursor: null,
  }));

  app.post(
    "/api/v1/automation/rules",
    { schema: { ...tags, body: RuleBody }, onRequest: guard(ctx, "automation.manage") },
    async (request, reply) => {
      const actor = actorOf(request);
      assertValid(request.body);
      const b = request.body;
      const row = await db.transaction().execute(async (tx) => {
        const created = (await q(tx)
          .insertInto("automation_rules")
          .values({
            workspace_id: actor.workspaceId,
            id: uuidv7(),
            name: b.name,
            position: await nextPosition(tx, actor.workspaceId),
            enabled: b.enabled,
            trigger: b.trigger,
            keywords: b.keywords ?? [],
            conditions: b.conditions ? JSON.stringify(b.conditions) : null,
            actions: JSON.stringify(b.actions),
          })
          .returningAll()
          .executeTakeFirstOrThrow()) as RuleRow;
        await recordAudit(tx, actor, { action: "automation.rule.created", objectType: "rule", objectId: created.id });
        return created;
      });
      return reply.code(201).send(presentRule(row));
    },
  );

  app.put(
    "/api/v1/automation/rules/:id",
    { schema: { ...tags, params: IdParams, body: RuleBody }, onRequest: guard(ctx, "automation.manage") },
    async (request) => {
      const actor = actorOf(request);
      assertValid(request.body);
      const b = request.body;
      const row = (await q(db)
        .updateTable("automation_rules")
        .set({
          name: b.name,
          enabled: b.enabled,
          trigger: b.trigger,
          keywords: b.keywords ?? [],
          conditions: b.conditions ? JSON.stringify(b.conditions) : null,
          actions: JSON.stringify(b.actions),
          updated_at: new Date(),
        })
        .where("workspace_id", "=", actor.workspaceId)
        .where("id", "=", request.params.id)
        .returningAll()
        .executeTakeFirst()) as RuleRow | undefined;
      if (!row) throw new AppError("not_found", "rule_not_found", "No such rule in your workspace.");
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
      return { data: (await listRules(db, ws)).map(presentRule), nextCursor: null };
    },
  );

  app.post(
    "/api/v1/automation/rules/dry-run",
    { schema: { ...tags, body: RuleBody }, onRequest: guard(ctx, "automation.read") },
    async (request) => {
      assertValid(request.body);
      const rule = compileRule(request.body);
      const ws = actorOf(request).workspaceId;
      const cases = await recentCasesWithFirstMessage(db, ws, 1000);
      const matched: typeof cases = [];
      for (const c of cases) {
        const analysis = c.first_text === null ? undefined : await analyzeForWorkspace(db, ws, c.first_text);
        const facts = {
          message: c.first_text === null ? undefined : { text: c.first_text, type: c.first_type ?? "text" },
          channelType: c.channel_type ?? "api",
          case: { priority: c.priority, status: c.status, tags: c.tags, isNew: true },
          analysis: analysis && {
            ...analysis,
            sentiment: analysis.sentiment.label,
            sentimentScore: analysis.sentiment.score,
          },
          caseSentiment: analysis?.sentiment.label,
        };
        if (rule.matches(facts)) matched.push(c);
      }
      return { scanned: cases.length, matched: matched.length, sample: matched.slice(0, 20).map((c) => c.id) };
    },
  );

  app.get(
    "/api/v1/cases/:id/automation-log",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "automation.read") },
    async (request) => {
      const rows = await q(db)
        .selectFrom("automation_log")
        .selectAll()
        .where("workspace_id", "=", actorOf(request).workspaceId)
        .where("case_id", "=", request.params.id)
        .orderBy("id")
        .limit(500)
        .execute();
      return {
        data: rows.map((r) => ({
          id: r.id,
          ruleId: r.rule_id,
          results: r.results,
          createdAt: r.created_at.toISOString(),
        })),
        nextCursor: null,
      };
    },
  );
}
