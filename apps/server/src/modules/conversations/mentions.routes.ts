import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { decodeIdCursor, PageQuerySchema, toPage } from "../../platform/pagination.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { listMentions } from "./use-cases/mentions.ts";

/** The signed-in member's @mentions in internal notes. */
export function registerMentionRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.get(
    "/api/v1/mentions",
    {
      schema: {
        tags: ["mentions"],
        description: "The internal notes that @mention the signed-in member, newest first.",
        querystring: PageQuerySchema,
      },
      onRequest: guard(ctx, "cases.read"),
    },
    async (request) => {
      const actor = actorOf(request);
      if (actor.type !== "user") {
        throw new AppError(
          "invalid",
          "mentions_need_member",
          "Mentions belong to members: call this with a member's session, not an API token.",
        );
      }
      const { limit, cursor } = request.query;
      const before = decodeIdCursor(cursor);
      const rows = await listMentions(db, actor.workspaceId, actor.id, before, limit);
      return toPage(
        rows,
        limit,
        (r) => r.id,
        (r) => ({
          id: r.id,
          caseId: r.case_id,
          messageId: r.message_id,
          author: { type: r.author_type, id: r.author_id },
          text: r.text,
          case: { id: r.case_id, number: r.case_number, subject: r.case_subject, status: r.case_status },
          createdAt: r.created_at.toISOString(),
        }),
      );
    },
  );
}
