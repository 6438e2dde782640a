import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { setCookieHeader } from "../../platform/cookies.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { decodeCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { recordAudit } from "./audit.ts";
import { cachesOf, forgetCredentials } from "./auth-cache.ts";
import { SESSION_COOKIE, SESSION_TTL_MS } from "./authenticate.ts";
import { actorOf, guard } from "./guard.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { ROLES } from "./policy.ts";
import { presentApiToken, presentAudit, presentMember, presentUser, presentWorkspace } from "./presenter.ts";
import {
  findUserById,
  findWorkspaceById,
  listApiTokens,
  listAudit,
  listMembers,
  listTeams,
  revokeSession,
  updateWorkspace,
} from "./repository.ts";
import { addMember, changeMemberRole } from "./use-cases/add-member.ts";
import { createApiToken, revokeToken } from "./use-cases/api-tokens.ts";
import { changePassword } from "./use-cases/change-password.ts";
import { signIn } from "./use-cases/sign-in.ts";
import { createTeam, setTeamMembership } from "./use-cases/teams.ts";

const RoleSchema = z.enum(ROLES);
const IdParams = z.strictObject({ id: z.uuid() });
const tags = (t: string) => ({ tags: [t] });

/** Registers the tenancy HTTP routes: auth, me, workspace, members (and their roles), teams, API tokens, audit log. */
export function registerTenancyRoutes(app: HttpApp, ctx: AppContext) {
  const throttle = new LoginThrottle(ctx.config.LOGIN_ATTEMPTS_PER_IP);
  const { db } = ctx.database;

  async function workspaceOf(id: string) {
    const { workspaces } = cachesOf(ctx);
    let row = workspaces.get(id);
    if (!row) {
      row = await findWorkspaceById(db, id);
      if (row) workspaces.set(id, row);
    }
    return row;
  }

  async function meOf(actor: ReturnType<typeof actorOf>) {
    const workspace = await workspaceOf(actor.workspaceId);
    if (!workspace) throw new AppError("not_found", "workspace_not_found", "Your workspace no longer exists.");
    const user = actor.type === "user" ? await findUserById(db, actor.id) : undefined;
    return {
      user: user ? presentUser(user) : null,
      token: actor.type === "token" ? { id: actor.id } : null,
      workspace: presentWorkspace(workspace),
      role: actor.role,
    };
  }

  app.post(
    "/api/v1/auth/login",
    {
      schema: {
        ...tags("auth"),
        security: [],
        body: z.strictObject({
          email: z.string().trim().min(3).max(320),
          password: z.string().min(1).max(1024),
          workspace: z.string().max(63).optional(),
        }),
      },
    },
    async (request, reply) => {
      const wait = throttle.hit(request.ip);
      if (wait > 0) {
        void reply.header("retry-after", String(wait));
        throw new AppError(
          "rate_limited",
          "too_many_attempts",
          `Too many sign-in attempts from your address. Try again in ${wait} s.`,
          {
            retryAfterSeconds: wait,
          },
        );
      }
      const result = await signIn(ctx, { ...request.body, ip: request.ip, userAgent: request.headers["user-agent"] });
      void reply.header(
        "set-cookie",
        setCookieHeader(SESSION_COOKIE, result.token, {
          secure: request.protocol === "https",
          maxAgeSeconds: SESSION_TTL_MS / 1000,
        }),
      );
      return {
        user: presentUser(result.user),
        workspace: result.workspace ? presentWorkspace(result.workspace) : null,
        role: result.role,
      };
    },
  );

  app.post(
    "/api/v1/auth/logout",
    { schema: tags("auth"), onRequest: guard(ctx, "me.read") },
    async (request, reply) => {
      const actor = actorOf(request);
      if (actor.sessionHash) {
        await revokeSession(db, actor.sessionHash);
        forgetCredentials(ctx, { hash: actor.sessionHash });
        await recordAudit(db, actor, { action: "session.ended", objectType: "user", objectId: actor.id });
      }
      void reply.header(
        "set-cookie",
        setCookieHeader(SESSION_COOKIE, "", { secure: request.protocol === "https", maxAgeSeconds: 0 }),
      );
      return reply.status(204).send();
    },
  );

  app.get("/api/v1/me", { schema: tags("auth"), onRequest: guard(ctx, "me.read") }, async (request) =>
    meOf(actorOf(request)),
  );

  app.post(
    "/api/v1/me/password",
    {
      schema: {
        ...tags("auth"),
        body: z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().max(1024) }),
      },
      onRequest: guard(ctx, "me.read"),
    },
    async (request) => changePassword(ctx, actorOf(request), request.body),
  );

  app.get(
    "/api/v1/workspace",
    { schema: tags("workspace"), onRequest: guard(ctx, "workspace.read") },
    async (request) => {
      const workspace = await findWorkspaceById(db, actorOf(request).workspaceId);
      if (!workspace) throw new AppError("not_found", "workspace_not_found", "Your workspace no longer exists.");
      return presentWorkspace(workspace);
    },
  );

  app.patch(
    "/api/v1/workspace",
    {
      schema: {
        ...tags("workspace"),
        body: z.strictObject({
          name: z.string().trim().min(1).max(200).optional(),
          defaultLocale: z.enum(["en", "fr", "es", "zh-CN"]).optional(),
          timezone: z
            .string()
            .refine((tz) => Intl.supportedValuesOf("timeZone").includes(tz) || tz === "UTC", "unknown IANA time zone")
            .optional(),
        }),
      },
      onRequest: guard(ctx, "workspace.update"),
    },
    async (request) => {
      const actor = actorOf(request);
      const { name, defaultLocale, timezone } = request.body;
      const row = await db.transaction().execute(async (tx) => {
        const updated = await updateWorkspace(tx, actor.workspaceId, {
          ...(name !== undefined ? { name } : {}),
          ...(defaultLocale !== undefined ? { default_locale: defaultLocale } : {}),
          ...(timezone !== undefined ? { timezone } : {}),
        });
        await recordAudit(tx, actor, {
          action: "workspace.updated",
          objectType: "workspace",
          objectId: actor.workspaceId,
          details: request.body,
        });
        return updated;
      });
      cachesOf(ctx).workspaces.delete(actor.workspaceId);
      return presentWorkspace(row);
    },
  );

  app.get(
    "/api/v1/users",
    { schema: { ...tags("members"), querystring: PageQuerySchema }, onRequest: guard(ctx, "users.read") },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listMembers(db, actorOf(request).workspaceId, decodeCursor(cursor), limit);
      return toPage(rows, limit, (r) => r.id, presentMember);
    },
  );

  app.post(
    "/api/v1/users",
    {
      schema: {
        ...tags("members"),
        body: z.strictObject({
          email: z.email(),
          name: z.string().trim().min(1).max(200).optional(),
          role: RoleSchema,
          password: z.string().max(1024).optional(),
        }),
      },
      onRequest: guard(ctx, "users.manage"),
    },
    async (request, reply) => {
      const result = await addMember(ctx, actorOf(request), request.body);
      return reply.status(201).send({
        ...presentUser(result.user),
        role: result.role,
        ...(result.generatedPassword ? { initialPassword: result.generatedPassword } : {}),
      });
    },
  );

  app.patch(
    "/api/v1/users/:id",
    {
      schema: { ...tags("members"), params: IdParams, body: z.strictObject({ role: RoleSchema }) },
      onRequest: guard(ctx, "users.manage"),
    },
    async (request) => {
      const changed = await changeMemberRole(ctx, actorOf(request), request.params.id, request.body.role);
      const user = await findUserById(db, changed.user_id);
      if (!user) throw new AppError("not_found", "member_not_found", "No such member in your workspace.");
      return presentMember({ ...user, role: changed.role, created_at: changed.created_at });
    },
  );

  app.get(
    "/api/v1/teams",
    { schema: { ...tags("teams"), querystring: PageQuerySchema }, onRequest: guard(ctx, "teams.read") },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listTeams(db, actorOf(request).workspaceId, decodeCursor(cursor), limit);
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => ({ id: r.id, name: r.name, memberIds: r.member_ids ?? [], createdAt: r.created_at.toISOString() }),
      );
    },
  );

  app.post(
    "/api/v1/teams",
    {
      schema: { ...tags("teams"), body: z.strictObject({ name: z.string().trim().min(1).max(100) }) },
      onRequest: guard(ctx, "teams.manage"),
    },
    async (request, reply) => {
      const team = await createTeam(ctx, actorOf(request), request.body.name);
      return reply
        .status(201)
        .send({ id: team.id, name: team.name, memberIds: [], createdAt: team.created_at.toISOString() });
    },
  );

  app.put(
    "/api/v1/teams/:id/members/:userId",
    {
      schema: { ...tags("teams"), params: z.strictObject({ id: z.uuid(), userId: z.uuid() }) },
      onRequest: guard(ctx, "teams.manage"),
    },
    async (request, reply) => {
      await setTeamMembership(ctx, actorOf(request), { teamId: request.params.id, userId: request.params.userId });
      return reply.status(204).send();
    },
  );

  app.delete(
    "/api/v1/teams/:id/members/:userId",
    {
      schema: { ...tags("teams"), params: z.strictObject({ id: z.uuid(), userId: z.uuid() }) },
      onRequest: guard(ctx, "teams.manage"),
    },
    async (request, reply) => {
      await setTeamMembership(ctx, actorOf(request), {
        teamId: request.params.id,
        userId: request.params.userId,
        remove: true,
      });
      return reply.status(204).send();
    },
  );

  app.get(
    "/api/v1/tokens",
    { schema: { ...tags("tokens"), querystring: PageQuerySchema }, onRequest: guard(ctx, "tokens.manage") },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listApiTokens(db, actorOf(request).workspaceId, decodeCursor(cursor), limit);
      return toPage(rows, limit, (r) => r.id, presentApiToken);
    },
  );

  app.post(
    "/api/v1/tokens",
    {
      schema: {
        ...tags("tokens"),
        body: z.strictObject({ name: z.string().trim().min(1).max(100), role: RoleSchema }),
      },
      onRequest: guard(ctx, "tokens.manage"),
    },
    async (request, reply) => {
      const { row, token } = await createApiToken(ctx, actorOf(request), request.body);
      return reply.status(201).send({ ...presentApiToken(row), token });
    },
  );

  app.delete(
    "/api/v1/tokens/:id",
    { schema: { ...tags("tokens"), params: IdParams }, onRequest: guard(ctx, "tokens.manage") },
    async (request) => presentApiToken(await revokeToken(ctx, actorOf(request), request.params.id)),
  );

  app.get(
    "/api/v1/audit-log",
    {
      schema: {
        ...tags("audit"),
        querystring: PageQuerySchema.extend({
          action: z.string().max(100).optional(),
          objectType: z.string().max(100).optional(),
          actorId: z.string().max(100).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
        }),
      },
      onRequest: guard(ctx, "audit.read"),
    },
    async (request) => {
      const { limit, cursor, action, objectType, actorId, from, to } = request.query;
      if (from && to && Date.parse(to) <= Date.parse(from)) {
        throw new AppError("invalid", "date_range_invalid", "`to` must be after `from`.", { field: "to" });
      }
      const rows = await listAudit(
        db,
        actorOf(request).workspaceId,
        {
          after: decodeCursor(cursor),
          action,
          objectType,
          actorId,
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
        },
        limit,
      );
      return toPage(rows, limit, (r) => r.id, presentAudit);
    },
  );
}
