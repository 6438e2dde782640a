import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { presentCase, presentCaseOperation } from "./presenter.ts";
import { CASE_LINK_KINDS, findCaseOrThrow } from "./repository.ts";
import { listCaseOperations, mergeCases, splitCase, undoCaseOperation } from "./use-cases/case-operations.ts";
import { linkCases, listCaseLinks, unlinkCases } from "./use-cases/link-cases.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["cases"] };
const Reason = z.string().trim().max(500).optional();

const MergeBody = z.strictObject({ targetCaseId: z.uuid(), reason: Reason });
const SplitBody = z.strictObject({
  messageIds: z.array(z.uuid()).min(1).max(500),
  subject: z.string().trim().min(1).max(200).optional(),
  reason: Reason,
});
const LinkBody = z.strictObject({ caseId: z.uuid(), kind: z.enum(CASE_LINK_KINDS).default("related") });

/** Merge, split (and undo them) and links between cases. */
export function registerCaseOperationRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const write = guard(ctx, "cases.write");

  app.post(
    "/api/v1/cases/:id/merge",
    { schema: { ...tags, params: IdParams, body: MergeBody }, onRequest: write },
    async (request) => {
      const actor = actorOf(request);
      return runTransaction(ctx.database, async (tx) => {
        const operation = await mergeCases(tx, actor, request.params.id, request.body);
        const target = await findCaseOrThrow(tx, actor.workspaceId, operation.target_case_id);
        return { operation: presentCaseOperation(operation), case: presentCase(target) };
      });
    },
  );

  app.post(
    "/api/v1/cases/:id/split",
    { schema: { ...tags, params: IdParams, body: SplitBody }, onRequest: write },
    async (request, reply) => {
      const actor = actorOf(request);
      const { operation, newCase } = await runTransaction(ctx.database, (tx) =>
        splitCase(tx, actor, request.params.id, request.body),
      );
      return reply.code(201).send({ operation: presentCaseOperation(operation), case: presentCase(newCase) });
    },
  );

  app.post(
    "/api/v1/case-operations/:id/undo",
    { schema: { ...tags, params: IdParams }, onRequest: write },
    async (request) => {
      const actor = actorOf(request);
      const undone = await runTransaction(ctx.database, (tx) => undoCaseOperation(tx, actor, request.params.id));
      return { operation: presentCaseOperation(undone) };
    },
  );

  app.get(
    "/api/v1/cases/:id/operations",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await findCaseOrThrow(db, ws, request.params.id);
      return { data: (await listCaseOperations(db, ws, request.params.id)).map(presentCaseOperation) };
    },
  );

  app.get(
    "/api/v1/cases/:id/links",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await findCaseOrThrow(db, ws, request.params.id);
      const rows = await listCaseLinks(db, ws, request.params.id);
      return {
        data: rows.map((r) => ({
          caseId: r.other_case_id,
          kind: r.kind,
          number: r.number,
          subject: r.subject,
          status: r.status,
          createdAt: r.created_at.toISOString(),
        })),
      };
    },
  );

  app.post(
    "/api/v1/cases/:id/links",
    { schema: { ...tags, params: IdParams, body: LinkBody }, onRequest: write },
    async (request, reply) => {
      const actor = actorOf(request);
      await runTransaction(ctx.database, (tx) => linkCases(tx, actor, request.params.id, request.body));
      return reply.code(201).send({ caseId: request.body.caseId, kind: request.body.kind });
    },
  );

  app.delete(
    "/api/v1/cases/:id/links/:otherId",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid(), otherId: z.uuid() }) }, onRequest: write },
    async (request, reply) => {
      const actor = actorOf(request);
      await runTransaction(ctx.database, (tx) => unlinkCases(tx, actor, request.params.id, request.params.otherId));
      return reply.code(204).send();
    },
  );
}
