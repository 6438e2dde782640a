import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { decodeKeysetCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { type QuickReplyRow, REPLY_SCOPES } from "./repository.ts";
import { ShortcutSchema, TypedContentSchema } from "./schemas.ts";
import {
  createQuickReply,
  deleteQuickReply,
  findQuickReply,
  listQuickReplies,
  renderQuickReply,
  unknownVariablesOf,
  updateQuickReply,
} from "./use-cases/quick-replies.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["quick replies"] };

const Fields = {
  shortcut: ShortcutSchema,
  title: z.string().trim().min(1).max(200),
  body: z.string().min(1).max(20_000),
  content: TypedContentSchema.optional(),
};
const CreateBody = z.strictObject({
  scope: z.enum(REPLY_SCOPES).default("personal"),
  teamId: z.uuid().optional(),
  ...Fields,
});
const PatchBody = z
  .strictObject({
    shortcut: Fields.shortcut.optional(),
    title: Fields.title.optional(),
    body: Fields.body.optional(),
    content: TypedContentSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "Send at least one of shortcut, title, body, content." });
const ListQuery = PageQuerySchema.extend({
  query: z.string().max(100).optional(),
  scope: z.enum(REPLY_SCOPES).optional(),
});
const CURSOR = /^([a-z0-9_-]+)\|([0-9a-f-]{36})$/;

function present(r: QuickReplyRow) {
  return {
    id: r.id,
    scope: r.scope,
    teamId: r.team_id,
    ownerId: r.owner_id,
    shortcut: r.shortcut,
    title: r.title,
    body: r.body,
    content: r.content ?? null,
    unknownVariables: unknownVariablesOf(r),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Quick replies: CRUD, search by shortcut or title, rendering for a case. */
export function registerQuickReplyRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.get(
    "/api/v1/quick-replies",
    { schema: { ...tags, querystring: ListQuery }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const after = decodeKeysetCursor(cursor, (key) => {
        const m = CURSOR.exec(key);
        return m?.[1] && m[2] ? { shortcut: m[1], id: m[2] } : undefined;
      });
      const rows = await listQuickReplies(db, actorOf(request), filter, after, limit);
      return toPage(rows, limit, (r) => `${r.shortcut}|${r.id}`, present);
    },
  );

  app.get(
    "/api/v1/quick-replies/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => present(await findQuickReply(db, actorOf(request), request.params.id)),
  );

  app.post(
    "/api/v1/quick-replies",
    { schema: { ...tags, body: CreateBody }, onRequest: guard(ctx, "messages.send") },
    async (request, reply) => {
      const row = await runTransaction(ctx.database, (tx) => createQuickReply(tx, actorOf(request), request.body));
      return reply.code(201).send(present(row));
    },
  );

  app.patch(
    "/api/v1/quick-replies/:id",
    { schema: { ...tags, params: IdParams, body: PatchBody }, onRequest: guard(ctx, "messages.send") },
    async (request) =>
      present(
        await runTransaction(ctx.database, (tx) =>
          updateQuickReply(tx, actorOf(request), request.params.id, request.body),
        ),
      ),
  );

  app.delete(
    "/api/v1/quick-replies/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "messages.send") },
    async (request, reply) => {
      await runTransaction(ctx.database, (tx) => deleteQuickReply(tx, actorOf(request), request.params.id));
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/v1/quick-replies/:id/render",
    {
      schema: { ...tags, params: IdParams, body: z.strictObject({ caseId: z.uuid() }) },
      onRequest: guard(ctx, "cases.read"),
    },
    async (request) => renderQuickReply(db, actorOf(request), request.params.id, request.body.caseId),
  );
}
