import { z } from "zod";
import { actorOf, guard } from "./modules/tenancy/index.ts";
import type { AppContext } from "./platform/context.ts";
import { AppError } from "./platform/errors.ts";
import type { HttpApp } from "./platform/http.ts";
import { decodeKeysetCursor, PageQuerySchema, toPage } from "./platform/pagination.ts";

const CURSOR = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([0-9a-f-]{36})$/;

/** Registers the job-queue admin routes: dead letters of the caller's workspace, and retrying one. */
export function registerJobsRoutes(app: HttpApp, ctx: AppContext) {
  app.get(
    "/api/v1/jobs/dead-letters",
    { schema: { tags: ["jobs"], querystring: PageQuerySchema }, onRequest: guard(ctx, "jobs.read") },
    async (request) => {
      const { limit, cursor } = request.query;
      const before = decodeKeysetCursor(cursor, (key) => {
        const match = CURSOR.exec(key);
        return match?.[1] && match[2] ? { failedAt: new Date(match[1]), id: match[2] } : undefined;
      });
      const rows = await ctx.jobs.listDeadLetters(actorOf(request).workspaceId, {
        limit: limit + 1,
        ...(before ? { before } : {}),
      });
      return toPage(
        rows,
        limit,
        (r) => `${r.failedAt.toISOString()}|${r.id}`,
        (r) => ({ id: r.id, queue: r.queue, data: r.data, error: r.error, failedAt: r.failedAt.toISOString() }),
      );
    },
  );

  app.post(
    "/api/v1/jobs/dead-letters/:id/retry",
    {
      schema: { tags: ["jobs"], params: z.strictObject({ id: z.uuid() }) },
      onRequest: guard(ctx, "jobs.manage"),
    },
    async (request, reply) => {
      const retried = await ctx.jobs.retryDeadLetter(actorOf(request).workspaceId, request.params.id);
      if (!retried) throw new AppError("not_found", "dead_letter_not_found", "No such dead letter in your workspace.");
      return reply.code(202).send({ retried: true });
    },
  );
}
