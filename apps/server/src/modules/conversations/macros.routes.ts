import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { decodeCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { presentCase, presentMessage } from "./presenter.ts";
import type { MacroRow } from "./repository.ts";
import {
  applyMacro,
  createMacro,
  deleteMacro,
  findMacro,
  listMacros,
  MacroActionSchema,
  updateMacro,
} from "./use-cases/macros.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["macros"] };
const Fields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500).nullable().optional(),
  actions: z.array(MacroActionSchema).min(1).max(20),
};
const PatchBody = z
  .strictObject({ name: Fields.name.optional(), description: Fields.description, actions: Fields.actions.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "Send at least one of name, description, actions." });

const present = (m: MacroRow) => ({
  id: m.id,
  name: m.name,
  description: m.description,
  actions: m.actions,
  createdAt: m.created_at.toISOString(),
  updatedAt: m.updated_at.toISOString(),
});

/** Macros: CRUD (supervisors and admins) and applying one to a case (anyone who works cases). */
export function registerMacroRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const configure = guard(ctx, "cases.configure");

  app.get(
    "/api/v1/macros",
    { schema: { ...tags, querystring: PageQuerySchema }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listMacros(db, actorOf(request).workspaceId, decodeCursor(cursor), limit);
      return toPage(rows, limit, (r) => r.id, present);
    },
  );

  app.get(
    "/api/v1/macros/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => present(await findMacro(db, actorOf(request).workspaceId, request.params.id)),
  );

  app.post(
    "/api/v1/macros",
    { schema: { ...tags, body: z.strictObject(Fields) }, onRequest: configure },
    async (request, reply) => {
      const row = await runTransaction(ctx.database, (tx) => createMacro(tx, actorOf(request), request.body));
      return reply.code(201).send(present(row));
    },
  );

  app.patch(
    "/api/v1/macros/:id",
    { schema: { ...tags, params: IdParams, body: PatchBody }, onRequest: configure },
    async (request) =>
      present(
        await runTransaction(ctx.database, (tx) => updateMacro(tx, actorOf(request), request.params.id, request.body)),
      ),
  );

  app.delete(
    "/api/v1/macros/:id",
    { schema: { ...tags, params: IdParams }, onRequest: configure },
    async (request, reply) => {
      await runTransaction(ctx.database, (tx) => deleteMacro(tx, actorOf(request), request.params.id));
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/v1/cases/:id/macros/:macroId/apply",
    {
      schema: { ...tags, params: z.strictObject({ id: z.uuid(), macroId: z.uuid() }) },
      onRequest: guard(ctx, "cases.write"),
    },
    async (request) => {
      const applied = await runTransaction(ctx.database, (tx) =>
        applyMacro(tx, actorOf(request), request.params.id, request.params.macroId),
      );
      return { case: presentCase(applied.case), messages: applied.messages.map(presentMessage) };
    },
  );
}
