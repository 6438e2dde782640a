import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { caseControl } from "../../conversations/index.ts";
import { actorOf, findTeam, guard, recordAudit } from "../../tenancy/index.ts";
import { checkFlow } from "./check-flow.ts";
import { handOver } from "./handover.ts";
import { invalidateBot, retrainBot, workspaceBot } from "./models.ts";
import { recognize } from "./nlu.ts";
import {
  bots,
  type FlowRow,
  findFlow,
  findIntentByName,
  findSession,
  getBotSettings,
  type IntentRow,
  listFlows,
  listIntents,
} from "./repository.ts";
import { saveBotSettings } from "./runtime.ts";
import { FlowBody, type FlowInput, IntentBody, type IntentInput, SettingsBody } from "./schemas.ts";
import { insertBotTemplate, ORDER_STATUS_TEMPLATE } from "./templates.ts";

const tags = { tags: ["bot"] };
const IdParams = z.strictObject({ id: z.uuid() });
const TEMPLATES = { "order-status": ORDER_STATUS_TEMPLATE } as const;

const presentIntent = (i: IntentRow) => ({
  id: i.id,
  name: i.name,
  utterances: i.utterances,
  answer: i.answer,
  flowId: i.flow_id,
  handover: i.handover,
  updatedAt: i.updated_at.toISOString(),
});

const presentFlow = (f: FlowRow) => ({
  id: f.id,
  name: f.name,
  start: f.start,
  steps: f.steps,
  updatedAt: f.updated_at.toISOString(),
});

/** Refuses a flow with problems: 400 `flow_invalid`, every problem with its path, the first as `field`. */
async function assertFlowValid(db: Executor, ws: string, flow: FlowInput) {
  const problems = checkFlow(flow);
  for (const [i, step] of flow.steps.entries())
    if (step.type === "handover" && step.teamId && !(await findTeam(db, ws, step.teamId)))
      problems.push({ path: `steps[${i}].teamId`, message: "no such team in this workspace" });
  if (problems.length)
    throw new AppError(
      "invalid",
      "flow_invalid",
      `The flow is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}.`,
      { field: problems[0]?.path, problems },
    );
}

async function assertIntentTargets(db: Executor, ws: string, intent: IntentInput) {
  if (intent.flowId && !(await findFlow(db, ws, intent.flowId)))
    throw new AppError("invalid", "flow_not_found", "flowId names no bot flow of this workspace.", { field: "flowId" });
}

const intentValues = (b: IntentInput) => ({
  name: b.name,
  utterances: JSON.stringify(b.utterances),
  answer: b.answer === undefined ? null : JSON.stringify(b.answer),
  flow_id: b.flowId ?? null,
  handover: b.handover,
});

const nameTaken = () =>
  new AppError("conflict", "intent_exists", "An intent with this name already exists in the workspace.", {
    field: "name",
  });

/** Registers the bot API: settings, intents, flows (validated), templates, a recognition test, and a case's bot state with hand-back. */
export function registerBotRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const read = { onRequest: guard(ctx, "automation.read") };
  const manage = { onRequest: guard(ctx, "automation.manage") };

  app.get("/api/v1/bot/settings", { schema: tags, ...read }, async (request) =>
    getBotSettings(db, actorOf(request).workspaceId),
  );

  app.put("/api/v1/bot/settings", { schema: { ...tags, body: SettingsBody }, ...manage }, async (request) => {
    const actor = actorOf(request);
    const b = request.body;
    if (b.handoverTeamId && !(await findTeam(db, actor.workspaceId, b.handoverTeamId)))
      throw new AppError("invalid", "team_not_found", "handoverTeamId names no team of this workspace.", {
        field: "handoverTeamId",
      });
    await saveBotSettings(db, actor.workspaceId, b);
    return getBotSettings(db, actor.workspaceId);
  });

  app.get("/api/v1/bot/intents", { schema: tags, ...read }, async (request) => ({
    data: (await listIntents(db, actorOf(request).workspaceId)).map(presentIntent),
    nextCursor: null,
  }));

  app.post("/api/v1/bot/intents", { schema: { ...tags, body: IntentBody }, ...manage }, async (request, reply) => {
    const actor = actorOf(request);
    const ws = actor.workspaceId;
    await assertIntentTargets(db, ws, request.body);
    if (await findIntentByName(db, ws, request.body.name)) throw nameTaken();
    const row = (await bots(db)
      .insertInto("bot_intents")
      .values({ workspace_id: ws, id: uuidv7(), ...intentValues(request.body) })
      .returningAll()
      .executeTakeFirstOrThrow()) as IntentRow;
    await recordAudit(db, actor, { action: "bot.intent.created", objectType: "bot_intent", objectId: row.id });
    invalidateBot(db, ws);
    return reply.code(201).send(presentIntent(row));
  });

  app.put(
    "/api/v1/bot/intents/:id",
    { schema: { ...tags, params: IdParams, body: IntentBody }, ...manage },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await assertIntentTargets(db, ws, request.body);
      const other = await findIntentByName(db, ws, request.body.name);
      if (other && other.id !== request.params.id) throw nameTaken();
      const row = (await bots(db)
        .updateTable("bot_intents")
        .set({ ...intentValues(request.body), updated_at: new Date() })
        .where("workspace_id", "=", ws)
        .where("id", "=", request.params.id)
        .returningAll()
        .executeTakeFirst()) as IntentRow | undefined;
      if (!row) throw new AppError("not_found", "intent_not_found", "No such intent in your workspace.");
      invalidateBot(db, ws);
      return presentIntent(row);
    },
  );

  app.delete(
    "/api/v1/bot/intents/:id",
    { schema: { ...tags, params: IdParams }, ...manage },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const deleted = await bots(db)
        .deleteFrom("bot_intents")
        .where("workspace_id", "=", ws)
        .where("id", "=", request.params.id)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0)
        throw new AppError("not_found", "intent_not_found", "No such intent in your workspace.");
      invalidateBot(db, ws);
      return reply.code(204).send();
    },
  );

  app.get("/api/v1/bot/flows", { schema: tags, ...read }, async (request) => ({
    data: (await listFlows(db, actorOf(request).workspaceId)).map(presentFlow),
    nextCursor: null,
  }));

  app.get("/api/v1/bot/flows/:id", { schema: { ...tags, params: IdParams }, ...read }, async (request) => {
    const flow = await findFlow(db, actorOf(request).workspaceId, request.params.id);
    if (!flow) throw new AppError("not_found", "flow_not_found", "No such bot flow in your workspace.");
    return presentFlow(flow);
  });

  app.post("/api/v1/bot/flows/validate", { schema: { ...tags, body: FlowBody }, ...read }, async (request) => {
    try {
      await assertFlowValid(db, actorOf(request).workspaceId, request.body);
      return { problems: [] };
    } catch (err) {
      if (err instanceof AppError && err.reason === "flow_invalid")
        return { problems: (err.details as { problems: unknown[] }).problems };
      throw err;
    }
  });

  app.post("/api/v1/bot/flows", { schema: { ...tags, body: FlowBody }, ...manage }, async (request, reply) => {
    const actor = actorOf(request);
    await assertFlowValid(db, actor.workspaceId, request.body);
    const b = request.body;
    const row = (await bots(db)
      .insertInto("bot_flows")
      .values({
        workspace_id: actor.workspaceId,
        id: uuidv7(),
        name: b.name,
        start: b.start,
        steps: JSON.stringify(b.steps),
      })
      .returningAll()
      .executeTakeFirstOrThrow()) as FlowRow;
    await recordAudit(db, actor, { action: "bot.flow.created", objectType: "bot_flow", objectId: row.id });
    return reply.code(201).send(presentFlow(row));
  });

  app.put(
    "/api/v1/bot/flows/:id",
    { schema: { ...tags, params: IdParams, body: FlowBody }, ...manage },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await assertFlowValid(db, ws, request.body);
      const b = request.body;
      const row = (await bots(db)
        .updateTable("bot_flows")
        .set({ name: b.name, start: b.start, steps: JSON.stringify(b.steps), updated_at: new Date() })
        .where("workspace_id", "=", ws)
        .where("id", "=", request.params.id)
        .returningAll()
        .executeTakeFirst()) as FlowRow | undefined;
      if (!row) throw new AppError("not_found", "flow_not_found", "No such bot flow in your workspace.");
      return presentFlow(row);
    },
  );

  app.delete("/api/v1/bot/flows/:id", { schema: { ...tags, params: IdParams }, ...manage }, async (request, reply) => {
    const ws = actorOf(request).workspaceId;
    const user = await bots(db)
      .selectFrom("bot_intents")
      .select("name")
      .where("workspace_id", "=", ws)
      .where("flow_id", "=", request.params.id)
      .executeTakeFirst();
    if (user)
      throw new AppError("conflict", "flow_in_use", `The intent "${user.name}" starts this flow; change it first.`, {
        intent: user.name,
      });
    const deleted = await bots(db)
      .deleteFrom("bot_flows")
      .where("workspace_id", "=", ws)
      .where("id", "=", request.params.id)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0)
      throw new AppError("not_found", "flow_not_found", "No such bot flow in your workspace.");
    return reply.code(204).send();
  });

  app.get("/api/v1/bot/templates", { schema: tags, ...read }, async () => ({
    data: Object.entries(TEMPLATES).map(([key, t]) => ({ key, intent: t.intent, flow: t.flow })),
  }));

  app.post(
    "/api/v1/bot/templates/:key",
    { schema: { ...tags, params: z.strictObject({ key: z.enum(["order-status"]) }) }, ...manage },
    async (request, reply) => {
      const actor = actorOf(request);
      const ws = actor.workspaceId;
      const template = TEMPLATES[request.params.key];
      if (await findIntentByName(db, ws, template.intent.name)) throw nameTaken();
      const result = await db.transaction().execute(async (tx) => {
        const { flow, intent } = await insertBotTemplate(tx, ws, template);
        await recordAudit(tx, actor, { action: "bot.template.installed", objectType: "bot_flow", objectId: flow.id });
        return { flow: presentFlow(flow), intent: presentIntent(intent) };
      });
      invalidateBot(db, ws);
      return reply.code(201).send(result);
    },
  );

  app.post(
    "/api/v1/bot/recognize",
    { schema: { ...tags, body: z.strictObject({ text: z.string().trim().min(1).max(2000) }) }, ...read },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const [recognition, settings] = await Promise.all([
        recognize(await workspaceBot(db, ws), request.body.text),
        getBotSettings(db, ws),
      ]);
      return { ...recognition, confident: recognition.intent !== null && recognition.score >= settings.threshold };
    },
  );

  app.post("/api/v1/bot/train", { schema: tags, ...manage }, async (request) => {
    const model = await retrainBot(db, actorOf(request).workspaceId);
    return { intents: model.intents, languages: model.langs, trainedMs: model.trainedMs, thread: model.thread };
  });

  app.get(
    "/api/v1/cases/:id/bot",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const c = await caseControl(db, ws, request.params.id);
      if (!c) throw new AppError("not_found", "case_not_found", "No such case in your workspace.");
      const session = await findSession(db, ws, request.params.id);
      const flow = session?.flow_id ? await findFlow(db, ws, session.flow_id) : undefined;
      return {
        control: c.control,
        handover: c.handover,
        session: session
          ? {
              flow: flow ? { id: flow.id, name: flow.name } : null,
              stepId: session.step_id,
              slots: session.slots,
              language: session.language,
              lastIntent: session.last_intent,
              lastScore: session.last_score,
              expiresAt: session.expires_at?.toISOString() ?? null,
            }
          : null,
      };
    },
  );

  const setControl = (to: "bot" | "agent", reason: string) =>
    app.post(
      `/api/v1/cases/:id/bot/${to === "bot" ? "hand-back" : "take-over"}`,
      { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.write") },
      async (request) => {
        const actor = actorOf(request);
        const c = await caseControl(db, actor.workspaceId, request.params.id);
        if (!c) throw new AppError("not_found", "case_not_found", "No such case in your workspace.");
        if (c.control === to)
          throw new AppError("conflict", "control_unchanged", `The ${to} already has this case.`, { control: to });
        if (c.status === "closed")
          throw new AppError("conflict", "case_closed", "A closed case cannot change hands.", { field: "status" });
        const record = await runTransaction(ctx.database, (tx) =>
          handOver(tx, actor, request.params.id, { to, reason }),
        );
        return { control: to, handover: record };
      },
    );
  setControl("bot", "handed_back");
  setControl("agent", "taken_over");
}
