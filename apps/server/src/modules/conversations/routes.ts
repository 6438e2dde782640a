import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import {
  decodeCursor,
  decodeIdCursor,
  decodeKeysetCursor,
  PageQuerySchema,
  toPage,
} from "../../platform/pagination.ts";
import { contactSummaries } from "../profiles/index.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { registerApprovalRoutes } from "./approvals.routes.ts";
import { registerAttachmentRoutes } from "./attachments.routes.ts";
import { registerCaseOperationRoutes } from "./case-operations.routes.ts";
import { registerCaseSettingsRoutes } from "./case-settings.routes.ts";
import { registerChecklistRoutes } from "./checklists.routes.ts";
import { registerInboxRoutes } from "./inbox.routes.ts";
import { registerMacroRoutes } from "./macros.routes.ts";
import { registerMentionRoutes } from "./mentions.routes.ts";
import { searchMessages } from "./message-search.ts";
import { presentCase, presentCaseEvent, presentConversation, presentMessage } from "./presenter.ts";
import {
  CASE_SORTS,
  listCaseConversations,
  listCaseEvents,
  listCases,
  listMessages,
  listOtherContactConversations,
  parseCaseCursor,
} from "./queries.ts";
import { registerQuickReplyRoutes } from "./quick-replies.routes.ts";
import { CASE_STATUSES, type CaseRow, findCaseOrThrow, PRIORITIES } from "./repository.ts";
import { caseFilterShape, TypedContentSchema } from "./schemas.ts";
import { caseFilterResolver } from "./use-cases/case-views.ts";
import { retryMessage } from "./use-cases/retry-message.ts";
import { sendReply } from "./use-cases/send-message.ts";
import { updateCase } from "./use-cases/update-case.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["cases"] };

const CaseListQuery = PageQuerySchema.extend(caseFilterShape).extend({ sort: z.enum(CASE_SORTS).optional() });

const CasePatchBody = z
  .strictObject({
    status: z.enum(CASE_STATUSES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    assigneeId: z.uuid().nullable().optional(),
    teamId: z.uuid().nullable().optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    customStatusId: z.uuid().nullable().optional(),
    customFields: z.record(z.string().max(50), z.unknown()).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, {
    message: "Send at least one of status, priority, assigneeId, teamId, tags, customStatusId, customFields.",
  });

const MessageSearchQuery = PageQuerySchema.extend({
  q: z
    .string()
    .trim()
    .min(1, "Give the words to look for in q, e.g. ?q=refund.")
    .max(200, "q is at most 200 characters."),
  caseId: z.uuid().optional(),
  contactId: z.uuid().optional(),
  channelId: z.uuid().optional(),
  direction: z.enum(["inbound", "outbound"]).optional(),
  private: z.enum(["true", "false"]).optional(),
});

const ReplyBody = z
  .strictObject({
    text: z.string().max(20_000).optional(),
    content: TypedContentSchema.optional(),
    private: z.boolean().optional(),
    channelId: z.uuid().optional(),
  })
  .refine((b) => b.text !== undefined || b.content !== undefined, { message: "Send text or content.", path: ["text"] });

/** Registers the case API: list, detail, update, messages, replies and notes, history. */
export function registerConversationsRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  /** Cases with their contact's name, in one extra query whatever the page size. */
  async function presentCases<R extends CaseRow>(workspaceId: string, rows: R[]) {
    const names = await contactSummaries(
      db,
      workspaceId,
      rows.map((r) => r.contact_id),
    );
    return (r: R) => presentCase(r, names.get(r.contact_id) ?? null);
  }

  const caseOf = (workspaceId: string, id: string) => findCaseOrThrow(db, workspaceId, id);

  app.get(
    "/api/v1/cases",
    { schema: { ...tags, querystring: CaseListQuery }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const actor = actorOf(request);
      const { limit, cursor, sort, ...filters } = request.query;
      const resolved = await caseFilterResolver(db, actor)(filters);
      const rows = await listCases(
        db,
        actor.workspaceId,
        { ...resolved, sort },
        decodeKeysetCursor(cursor, parseCaseCursor),
        limit,
      );
      return toPage(rows, limit, (r) => `${r.sort_key}|${r.id}`, await presentCases(actor.workspaceId, rows));
    },
  );

  app.get(
    "/api/v1/cases/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const found = await caseOf(ws, request.params.id);
      return (await presentCases(ws, [found]))(found);
    },
  );

  app.patch(
    "/api/v1/cases/:id",
    { schema: { ...tags, params: IdParams, body: CasePatchBody }, onRequest: guard(ctx, "cases.write") },
    async (request) => {
      const actor = actorOf(request);
      const updated = await runTransaction(ctx.database, (tx) =>
        updateCase(tx, actor, request.params.id, request.body),
      );
      return presentCase(updated);
    },
  );

  app.get(
    "/api/v1/cases/:id/messages",
    { schema: { ...tags, params: IdParams, querystring: PageQuerySchema }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await caseOf(ws, request.params.id);
      const { limit, cursor } = request.query;
      const rows = await listMessages(db, ws, request.params.id, decodeCursor(cursor), limit);
      return toPage(rows, limit, (r) => r.id, presentMessage);
    },
  );

  app.get(
    "/api/v1/messages/search",
    { schema: { ...tags, querystring: MessageSearchQuery }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const { limit, cursor, q, private: isPrivate, ...filters } = request.query;
      const before = decodeIdCursor(cursor);
      const hits = await searchMessages(
        db,
        ws,
        q,
        { ...filters, ...(isPrivate ? { private: isPrivate === "true" } : {}) },
        before,
        limit,
      );
      const names = await contactSummaries(
        db,
        ws,
        hits.map((h) => h.case.contactId),
      );
      return toPage(
        hits,
        limit,
        (h) => h.message.id,
        (h) => ({
          message: presentMessage(h.message),
          case: { id: h.case.id, number: h.case.number, subject: h.case.subject, status: h.case.status },
          contact: names.get(h.case.contactId) ?? null,
          snippet: h.snippet,
        }),
      );
    },
  );

  app.post(
    "/api/v1/cases/:id/messages",
    { schema: { ...tags, params: IdParams, body: ReplyBody }, onRequest: guard(ctx, "messages.send") },
    async (request, reply) => {
      const actor = actorOf(request);
      const message = await runTransaction(ctx.database, (tx) => sendReply(tx, actor, request.params.id, request.body));
      return reply.code(201).send(presentMessage(message));
    },
  );

  app.post(
    "/api/v1/cases/:id/messages/:messageId/retry",
    {
      schema: {
        ...tags,
        description: "Queues a failed reply again; answers the message, now `queued`.",
        params: z.strictObject({ id: z.uuid(), messageId: z.uuid() }),
      },
      onRequest: guard(ctx, "messages.send"),
    },
    async (request) => {
      const { id, messageId } = request.params;
      return presentMessage(
        await runTransaction(ctx.database, (tx) => retryMessage(tx, actorOf(request), id, messageId)),
      );
    },
  );

  app.get(
    "/api/v1/cases/:id/conversations",
    {
      schema: {
        ...tags,
        description:
          "The case's channel threads, each with its reply window; with include=contact, also the contact's latest thread on each other channel.",
        params: IdParams,
        querystring: z.strictObject({ include: z.enum(["contact"]).optional() }),
      },
      onRequest: guard(ctx, "cases.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const found = await caseOf(ws, request.params.id);
      const own = (await listCaseConversations(db, ws, found.id)).map(presentConversation);
      if (request.query.include !== "contact") return { data: own };
      const others = await listOtherContactConversations(db, ws, found.id, found.contact_id);
      return {
        data: [
          ...own,
          ...others.map((v) => ({
            ...presentConversation(v),
            case: { number: Number(v.case_number), status: v.case_status },
          })),
        ],
      };
    },
  );

  app.get(
    "/api/v1/cases/:id/events",
    { schema: { ...tags, params: IdParams, querystring: PageQuerySchema }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await caseOf(ws, request.params.id);
      const { limit, cursor } = request.query;
      const rows = await listCaseEvents(db, ws, request.params.id, decodeCursor(cursor), limit);
      return toPage(rows, limit, (r) => r.id, presentCaseEvent);
    },
  );

  registerInboxRoutes(app, ctx);
  registerCaseOperationRoutes(app, ctx);
  registerQuickReplyRoutes(app, ctx);
  registerMacroRoutes(app, ctx);
  registerApprovalRoutes(app, ctx);
  registerChecklistRoutes(app, ctx);
  registerCaseSettingsRoutes(app, ctx);
  registerAttachmentRoutes(app, ctx);
  registerMentionRoutes(app, ctx);
}
