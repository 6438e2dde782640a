import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { decodeCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { type ChecklistRow, findCaseOrThrow } from "./repository.ts";
import {
  caseChecklists,
  createChecklist,
  deleteChecklist,
  findChecklist,
  listChecklists,
  tickChecklistItem,
  updateChecklist,
} from "./use-cases/checklists.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["checklists"] };
const Item = z.strictObject({
  id: z.uuid().optional(),
  label: z.string().trim().min(1).max(300),
  required: z.boolean().optional(),
});
const Fields = {
  name: z.string().trim().min(1).max(100),
  tag: z.string().trim().min(1).max(50).nullable().optional(),
  items: z.array(Item).min(1).max(50),
};
const PatchBody = z
  .strictObject({ name: Fields.name.optional(), tag: Fields.tag, items: Fields.items.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "Send at least one of name, tag, items." });

const present = (c: ChecklistRow) => ({
  id: c.id,
  name: c.name,
  tag: c.tag,
  items: c.items,
  createdAt: c.created_at.toISOString(),
  updatedAt: c.updated_at.toISOString(),
});

/** Audit checklists: CRUD (supervisors, admins), a case's checklists and ticking their items. */
export function registerChecklistRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const configure = guard(ctx, "cases.configure");
  const read = guard(ctx, "cases.read");

  app.get(
    "/api/v1/checklists",
    { schema: { ...tags, querystring: PageQuerySchema }, onRequest: read },
    async (request) => {
      const { limit, cursor } = request.query;
      return toPage(
        await listChecklists(db, actorOf(request).workspaceId, decodeCursor(cursor), limit),
        limit,
        (r) => r.id,
        present,
      );
    },
  );
  app.get("/api/v1/checklists/:id", { schema: { ...tags, params: IdParams }, onRequest: read }, async (request) =>
    present(await findChecklist(db, actorOf(request).workspaceId, request.params.id)),
  );
  app.post(
    "/api/v1/checklists",
    { schema: { ...tags, body: z.strictObject(Fields) }, onRequest: configure },
    async (request, reply) => {
      const row = await runTransaction(ctx.database, (tx) =>
        createChecklist(tx, actorOf(request).workspaceId, request.body),
      );
      return reply.code(201).send(present(row));
    },
  );
  app.patch(
    "/api/v1/checklists/:id",
    { schema: { ...tags, params: IdParams, body: PatchBody }, onRequest: configure },
    async (request) =>
      present(
        await runTransaction(ctx.database, (tx) =>
          updateChecklist(tx, actorOf(request).workspaceId, request.params.id, request.body),
        ),
      ),
  );
  app.delete(
    "/api/v1/checklists/:id",
    { schema: { ...tags, params: IdParams }, onRequest: configure },
    async (request, reply) => {
      await runTransaction(ctx.database, (tx) => deleteChecklist(tx, actorOf(request).workspaceId, request.params.id));
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/v1/cases/:id/checklists",
    { schema: { ...tags, params: IdParams }, onRequest: read },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const found = await findCaseOrThrow(db, ws, request.params.id);
      return { data: await caseChecklists(db, ws, found.id, found.tags) };
    },
  );

  app.put(
    "/api/v1/cases/:id/checklists/:checklistId/items/:itemId",
    {
      schema: {
        ...tags,
        params: z.strictObject({ id: z.uuid(), checklistId: z.uuid(), itemId: z.uuid() }),
        body: z.strictObject({ ticked: z.boolean() }),
      },
      onRequest: guard(ctx, "cases.write"),
    },
    async (request) => {
      const { id, checklistId, itemId } = request.params;
      const data = await runTransaction(ctx.database, (tx) =>
        tickChecklistItem(tx, actorOf(request), id, checklistId, itemId, request.body.ticked),
      );
      return { data };
    },
  );
}
