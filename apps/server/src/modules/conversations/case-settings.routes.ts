import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { actorOf, guard, recordAudit } from "../tenancy/index.ts";
import {
  CASE_FIELD_TYPES,
  CASE_STATUSES,
  type CaseFieldRow,
  type CaseStatusRow,
  findCaseOrThrow,
} from "./repository.ts";
import {
  createCaseField,
  createCaseStatus,
  deleteCaseField,
  deleteCaseStatus,
  followCase,
  listCaseFields,
  listCaseStatuses,
  listFollowers,
  unfollowCase,
  updateCaseField,
  updateCaseStatus,
} from "./use-cases/case-settings.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const Name = z.string().trim().min(1).max(60);
const Options = z.array(z.string().trim().min(1).max(100)).max(200);
const atLeastOne = (b: object) => Object.keys(b).length > 0;

const presentStatus = (s: CaseStatusRow) => ({ id: s.id, name: s.name, type: s.type, position: s.position });
const presentField = (f: CaseFieldRow) => ({ id: f.id, key: f.key, label: f.label, type: f.type, options: f.options });

/** Custom statuses and custom fields of cases (admins and supervisors), and followers of a case. */
export function registerCaseSettingsRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const configure = guard(ctx, "cases.configure");
  const read = guard(ctx, "cases.read");
  const statuses = { tags: ["case statuses"] };
  const fields = { tags: ["case fields"] };

  app.get("/api/v1/case-statuses", { schema: statuses, onRequest: read }, async (request) => ({
    data: (await listCaseStatuses(db, actorOf(request).workspaceId)).map(presentStatus),
  }));
  app.post(
    "/api/v1/case-statuses",
    {
      schema: {
        ...statuses,
        body: z.strictObject({
          name: Name,
          type: z.enum(CASE_STATUSES),
          position: z.number().int().min(0).max(1000).optional(),
        }),
      },
      onRequest: configure,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const row = await runTransaction(ctx.database, async (tx) => {
        const created = await createCaseStatus(tx, actor.workspaceId, request.body);
        await recordAudit(tx, actor, {
          action: "case_status.created",
          objectType: "case_status",
          objectId: created.id,
          details: { name: created.name, type: created.type },
        });
        return created;
      });
      return reply.code(201).send(presentStatus(row));
    },
  );
  app.patch(
    "/api/v1/case-statuses/:id",
    {
      schema: {
        ...statuses,
        params: IdParams,
        body: z
          .strictObject({ name: Name.optional(), position: z.number().int().min(0).max(1000).optional() })
          .refine(atLeastOne, { message: "Send name or position." }),
      },
      onRequest: configure,
    },
    async (request) => {
      const actor = actorOf(request);
      const row = await runTransaction(ctx.database, async (tx) => {
        const updated = await updateCaseStatus(tx, actor.workspaceId, request.params.id, request.body);
        await recordAudit(tx, actor, {
          action: "case_status.updated",
          objectType: "case_status",
          objectId: updated.id,
          details: { ...request.body },
        });
        return updated;
      });
      return presentStatus(row);
    },
  );
  app.delete(
    "/api/v1/case-statuses/:id",
    { schema: { ...statuses, params: IdParams }, onRequest: configure },
    async (request, reply) => {
      const actor = actorOf(request);
      await runTransaction(ctx.database, async (tx) => {
        await deleteCaseStatus(tx, actor.workspaceId, request.params.id);
        await recordAudit(tx, actor, {
          action: "case_status.deleted",
          objectType: "case_status",
          objectId: request.params.id,
        });
      });
      return reply.code(204).send();
    },
  );

  app.get("/api/v1/case-fields", { schema: fields, onRequest: read }, async (request) => ({
    data: (await listCaseFields(db, actorOf(request).workspaceId)).map(presentField),
  }));
  app.post(
    "/api/v1/case-fields",
    {
      schema: {
        ...fields,
        body: z.strictObject({
          key: z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,49}$/, "Use 1–50 lowercase letters, digits or _, starting with a letter."),
          label: Name,
          type: z.enum(CASE_FIELD_TYPES),
          options: Options.optional(),
        }),
      },
      onRequest: configure,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const row = await runTransaction(ctx.database, async (tx) => {
        const created = await createCaseField(tx, actor.workspaceId, request.body);
        await recordAudit(tx, actor, {
          action: "case_field.created",
          objectType: "case_field",
          objectId: created.id,
          details: { key: created.key, label: created.label, type: created.type },
        });
        return created;
      });
      return reply.code(201).send(presentField(row));
    },
  );
  app.patch(
    "/api/v1/case-fields/:id",
    {
      schema: {
        ...fields,
        params: IdParams,
        body: z
          .strictObject({ label: Name.optional(), options: Options.min(1).optional() })
          .refine(atLeastOne, { message: "Send label or options." }),
      },
      onRequest: configure,
    },
    async (request) => {
      const actor = actorOf(request);
      const row = await runTransaction(ctx.database, async (tx) => {
        const updated = await updateCaseField(tx, actor.workspaceId, request.params.id, request.body);
        await recordAudit(tx, actor, {
          action: "case_field.updated",
          objectType: "case_field",
          objectId: updated.id,
          details: { ...request.body },
        });
        return updated;
      });
      return presentField(row);
    },
  );
  app.delete(
    "/api/v1/case-fields/:id",
    { schema: { ...fields, params: IdParams }, onRequest: configure },
    async (request, reply) => {
      const actor = actorOf(request);
      await runTransaction(ctx.database, async (tx) => {
        await deleteCaseField(tx, actor.workspaceId, request.params.id);
        await recordAudit(tx, actor, {
          action: "case_field.deleted",
          objectType: "case_field",
          objectId: request.params.id,
        });
      });
      return reply.code(204).send();
    },
  );

  const cases = { tags: ["cases"] };
  app.get(
    "/api/v1/cases/:id/followers",
    { schema: { ...cases, params: IdParams }, onRequest: read },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await findCaseOrThrow(db, ws, request.params.id);
      const rows = await listFollowers(db, ws, request.params.id);
      return { data: rows.map((r) => ({ userId: r.user_id, since: r.created_at.toISOString() })) };
    },
  );
  app.post(
    "/api/v1/cases/:id/followers",
    {
      schema: { ...cases, params: IdParams, body: z.strictObject({ userId: z.uuid().optional() }) },
      onRequest: guard(ctx, "cases.write"),
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const userId = request.body.userId ?? (actor.type === "user" ? actor.id : undefined);
      if (!userId) {
        throw new AppError("invalid", "user_required", "An API token follows nothing itself; send the userId to add.", {
          field: "userId",
        });
      }
      await runTransaction(ctx.database, (tx) => followCase(tx, actor, request.params.id, userId));
      return reply.code(201).send({ userId });
    },
  );
  app.delete(
    "/api/v1/cases/:id/followers/:userId",
    {
      schema: { ...cases, params: z.strictObject({ id: z.uuid(), userId: z.uuid() }) },
      onRequest: guard(ctx, "cases.write"),
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await findCaseOrThrow(db, actor.workspaceId, request.params.id);
      await runTransaction(ctx.database, (tx) => unfollowCase(tx, actor, request.params.id, request.params.userId));
      return reply.code(204).send();
    },
  );
}
