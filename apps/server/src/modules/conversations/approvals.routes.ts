import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { decodeCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { actorOf, guard, ROLES } from "../tenancy/index.ts";
import { presentMessage } from "./presenter.ts";
import {
  approvalSettings,
  approveReply,
  listPendingReplies,
  rejectReply,
  setApprovalSettings,
} from "./use-cases/approvals.ts";

const tags = { tags: ["approvals"] };
const MessageParams = z.strictObject({ messageId: z.uuid() });
const SettingsBody = z.strictObject({
  roles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
  userIds: z.array(z.uuid()).max(1000).default([]),
});

/** Reply approvals: whose replies need one, the pending list, approve and reject. */
export function registerApprovalRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const configure = guard(ctx, "cases.configure");

  app.get("/api/v1/approval-settings", { schema: tags, onRequest: guard(ctx, "cases.read") }, async (request) =>
    approvalSettings(db, actorOf(request).workspaceId),
  );

  app.put(
    "/api/v1/approval-settings",
    { schema: { ...tags, body: SettingsBody }, onRequest: configure },
    async (request) => runTransaction(ctx.database, (tx) => setApprovalSettings(tx, actorOf(request), request.body)),
  );

  app.get(
    "/api/v1/approvals",
    { schema: { ...tags, querystring: PageQuerySchema }, onRequest: configure },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listPendingReplies(db, actorOf(request).workspaceId, decodeCursor(cursor), limit);
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => ({ ...presentMessage(r), case: { id: r.case_id, number: r.case_number, subject: r.case_subject } }),
      );
    },
  );

  app.post(
    "/api/v1/approvals/:messageId/approve",
    { schema: { ...tags, params: MessageParams }, onRequest: configure },
    async (request) =>
      presentMessage(
        await runTransaction(ctx.database, (tx) => approveReply(tx, actorOf(request), request.params.messageId)),
      ),
  );

  app.post(
    "/api/v1/approvals/:messageId/reject",
    {
      schema: { ...tags, params: MessageParams, body: z.strictObject({ reason: z.string().trim().min(1).max(1000) }) },
      onRequest: configure,
    },
    async (request) =>
      presentMessage(
        await runTransaction(ctx.database, (tx) =>
          rejectReply(tx, actorOf(request), request.params.messageId, request.body.reason),
        ),
      ),
  );
}
