import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { emitEvent, runTransaction } from "../../platform/outbox.ts";
import { actorOf, findMembership, guard, recordAudit } from "../tenancy/index.ts";
import type { BusinessHoursCalendar } from "./business-hours.ts";
import {
  findRoutingAgent,
  forgetSlaPolicy,
  getSettings,
  getSlaPolicy,
  putSettings,
  upsertRoutingAgent,
} from "./repository.ts";
import { evaluateCaseSla, putSlaPolicy, SlaPolicyBody } from "./use-cases/case-sla.ts";
import { routableAgents, routeCase } from "./use-cases/route-case.ts";
import { defineSkill, listSkills, removeSkill } from "./use-cases/skills.ts";
import { buildWallboard } from "./use-cases/wallboard.ts";
import { CalendarBody, getBusinessHours, putBusinessHours } from "./use-cases/workspace-calendar.ts";

const tags = { tags: ["routing"] };
const Presence = z.enum(["online", "away", "offline"]);
const SkillName = z.string().trim().min(1).max(50);
const Skills = z.record(SkillName, z.number().int().min(1).max(5));
const Capacity = z.record(z.string().trim().min(1).max(30), z.number().int().min(0).max(500));

/**
 * Registers the routing API: settings, agents' routing profiles and presence, skills, business hours, the SLA
 * policy, route-a-case-now, the wallboard.
 */
export function registerRoutingRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.get("/api/v1/routing/settings", { schema: tags, onRequest: guard(ctx, "routing.read") }, async (request) => {
    const s = await getSettings(db, actorOf(request).workspaceId);
    return { autoAssign: s.auto_assign, strategy: s.strategy, sticky: s.sticky };
  });

  app.put(
    "/api/v1/routing/settings",
    {
      schema: {
        ...tags,
        body: z.strictObject({
          autoAssign: z.boolean(),
          strategy: z.enum(["round_robin", "least_loaded", "skills_all", "skills_best"]),
          sticky: z.boolean(),
        }),
      },
      onRequest: guard(ctx, "routing.manage"),
    },
    async (request) => {
      const { autoAssign, strategy, sticky } = request.body;
      await putSettings(db, actorOf(request).workspaceId, { auto_assign: autoAssign, strategy, sticky });
      return request.body;
    },
  );

  app.get("/api/v1/routing/agents", { schema: tags, onRequest: guard(ctx, "routing.read") }, async (request) => {
    const agents = await routableAgents(db, actorOf(request).workspaceId);
    return {
      data: agents.map((a) => ({
        userId: a.id,
        name: a.name,
        presence: a.presence,
        teams: a.teams,
        skills: a.skills,
        capacity: a.capacity,
        load: a.load,
        lastAssignedAt: a.lastAssignedAt?.toISOString() ?? null,
      })),
      nextCursor: null,
    };
  });

  app.put(
    "/api/v1/routing/agents/:userId",
    {
      schema: {
        ...tags,
        params: z.strictObject({ userId: z.uuid() }),
        body: z.strictObject({ skills: Skills.optional(), capacity: Capacity.optional() }),
      },
      onRequest: guard(ctx, "routing.manage"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      if (!(await findMembership(db, ws, request.params.userId))) {
        throw new AppError("not_found", "member_not_found", "No such member in your workspace.");
      }
      const row = await runTransaction(ctx.database, async (tx) => {
        const saved = await upsertRoutingAgent(tx, ws, request.params.userId, request.body);
        await recordAudit(tx, actorOf(request), {
          action: "routing.agent.updated",
          objectType: "user",
          objectId: request.params.userId,
          details: { ...request.body },
        });
        return saved;
      });
      return { userId: row.user_id, skills: row.skills, capacity: row.capacity, presence: row.presence };
    },
  );

  app.get("/api/v1/sla/policy", { schema: tags, onRequest: guard(ctx, "routing.read") }, async (request) => {
    const policy = await getSlaPolicy(db, actorOf(request).workspaceId);
    if (!policy) throw new AppError("not_found", "sla_policy_not_set", "This workspace has no SLA policy yet.");
    return policy;
  });

  app.put(
    "/api/v1/sla/policy",
    { schema: { ...tags, body: SlaPolicyBody }, onRequest: guard(ctx, "routing.manage") },
    async (request) => {
      const actor = actorOf(request);
      await runTransaction(ctx.database, async (tx) => {
        await putSlaPolicy(tx, actor.workspaceId, request.body);
        await recordAudit(tx, actor, {
          action: "sla_policy.updated",
          objectType: "sla_policy",
          details: { name: request.body.name, ...(request.body.calendar !== undefined ? { calendar: true } : {}) },
        });
      });
      forgetSlaPolicy(actor.workspaceId);
      return getSlaPolicy(db, actor.workspaceId);
    },
  );

  app.get("/api/v1/business-hours", { schema: tags, onRequest: guard(ctx, "routing.read") }, async (request) => {
    const calendar = await getBusinessHours(db, actorOf(request).workspaceId);
    return { calendar: calendar ?? null };
  });

  app.put(
    "/api/v1/business-hours",
    {
      schema: { ...tags, body: z.strictObject({ calendar: CalendarBody.nullable() }) },
      onRequest: guard(ctx, "routing.manage"),
    },
    async (request) => {
      const calendar = request.body.calendar as BusinessHoursCalendar | null;
      await runTransaction(ctx.database, (tx) => putBusinessHours(tx, actorOf(request), calendar));
      forgetSlaPolicy(actorOf(request).workspaceId);
      return { calendar };
    },
  );

  app.get("/api/v1/routing/skills", { schema: tags, onRequest: guard(ctx, "routing.read") }, async (request) => ({
    data: await listSkills(db, actorOf(request).workspaceId),
    nextCursor: null,
  }));

  app.post(
    "/api/v1/routing/skills",
    { schema: { ...tags, body: z.strictObject({ name: SkillName }) }, onRequest: guard(ctx, "routing.manage") },
    async (request, reply) => {
      const skill = await runTransaction(ctx.database, (tx) => defineSkill(tx, actorOf(request), request.body.name));
      return reply.code(201).send(skill);
    },
  );

  app.delete(
    "/api/v1/routing/skills/:name",
    { schema: { ...tags, params: z.strictObject({ name: SkillName }) }, onRequest: guard(ctx, "routing.manage") },
    async (request, reply) => {
      await runTransaction(ctx.database, (tx) => removeSkill(tx, actorOf(request), request.params.name));
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/v1/cases/:id/sla/evaluate",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "routing.manage") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const result = await evaluateCaseSla(ctx, ws, request.params.id);
      if (result === undefined) {
        throw new AppError("not_found", "case_sla_unavailable", "No such case here, or no SLA policy is set.");
      }
      return { state: result.state, dueAt: result.dueAt?.toISOString() ?? null, targets: result.evaluation.targets };
    },
  );

  app.get(
    "/api/v1/wallboard",
    {
      schema: {
        ...tags,
        querystring: z.strictObject({ teamId: z.uuid().optional(), channelId: z.uuid().optional() }),
      },
      onRequest: guard(ctx, "routing.read"),
    },
    async (request) => buildWallboard(db, actorOf(request).workspaceId, request.query),
  );

  app.get("/api/v1/presence", { schema: tags, onRequest: guard(ctx, "routing.read") }, async (request) => {
    const actor = actorOf(request);
    if (actor.type !== "user") {
      throw new AppError("conflict", "presence_needs_user", "Presence belongs to a signed-in member, not a token.");
    }
    const row = await findRoutingAgent(db, actor.workspaceId, actor.id);
    return { status: row?.presence ?? "offline", changedAt: row?.presence_changed_at.toISOString() ?? null };
  });

  app.put(
    "/api/v1/presence",
    { schema: { ...tags, body: z.strictObject({ status: Presence }) }, onRequest: guard(ctx, "presence.update") },
    async (request) => {
      const actor = actorOf(request);
      if (actor.type !== "user") {
        throw new AppError("conflict", "presence_needs_user", "Presence belongs to a signed-in member, not a token.");
      }
      await runTransaction(ctx.database, async (tx) => {
        await upsertRoutingAgent(tx, actor.workspaceId, actor.id, { presence: request.body.status });
        await emitEvent(tx, {
          workspaceId: actor.workspaceId,
          type: "presence.changed",
          payload: { userId: actor.id, status: request.body.status },
        });
      });
      return { status: request.body.status };
    },
  );

  app.post(
    "/api/v1/cases/:id/route",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "routing.manage") },
    async (request) => {
      const decision = await routeCase(ctx, actorOf(request).workspaceId, request.params.id);
      if (decision.explanation[0] === "case not found") {
        throw new AppError("not_found", "case_not_found", "No such case in your workspace.");
      }
      return decision;
    },
  );
}
