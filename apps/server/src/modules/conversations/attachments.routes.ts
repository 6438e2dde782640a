import { Readable } from "node:stream";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { type AttachmentRow, findCaseOrThrow, q } from "./repository.ts";
import { type AttachmentLimits, attachmentStorage, openAttachment, uploadAttachment } from "./use-cases/attachments.ts";

const tags = { tags: ["attachments"] };

export const presentAttachment = (a: AttachmentRow) => ({
  id: a.id,
  caseId: a.case_id,
  fileName: a.file_name,
  contentType: a.content_type,
  size: Number(a.size),
  sha256: a.sha256,
  uploadedBy: { type: a.uploaded_by_type, id: a.uploaded_by },
  createdAt: a.created_at.toISOString(),
});

/** Attachments: upload a file to a case (raw body), list a case's files, download one. */
export function registerAttachmentRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const limits = (): AttachmentLimits => ({
    maxBytes: ctx.config.ATTACHMENT_MAX_BYTES,
    types: ctx.config.ATTACHMENT_TYPES,
  });

  // The upload reads its body as a raw stream; the parser lives in this plugin's scope only.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().post(
      "/api/v1/cases/:id/attachments",
      {
        schema: {
          ...tags,
          description:
            "Send the file as the raw request body with its Content-Type (not multipart); optional ?fileName=. Answers 201 with the attachment; put its id in a reply's content as attachmentId.",
          params: z.strictObject({ id: z.uuid() }),
          querystring: z.strictObject({ fileName: z.string().trim().min(1).max(255).optional() }),
        },
        onRequest: guard(ctx, "messages.send"),
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const limit = limits();
        const contentType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
        const declared = Number(request.headers["content-length"] ?? Number.NaN);
        if (declared > limit.maxBytes) {
          throw new AppError(
            "too_large",
            "attachment_too_large",
            `The file is larger than the limit of ${limit.maxBytes} bytes.`,
            {
              maxBytes: limit.maxBytes,
            },
          );
        }
        const body = request.body;
        if (!(body instanceof Readable)) {
          throw new AppError(
            "unsupported",
            "attachment_type_not_allowed",
            `Send the file as the raw request body with its Content-Type; allowed: ${limit.types.join(", ")}.`,
            { allowed: limit.types, maxBytes: limit.maxBytes },
          );
        }
        const row = await uploadAttachment(
          db,
          attachmentStorage(ctx.config),
          actor,
          request.params.id,
          { body, contentType, fileName: request.query.fileName },
          limit,
        );
        return reply.code(201).send(presentAttachment(row));
      },
    );
  });

  app.get(
    "/api/v1/cases/:id/attachments",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      await findCaseOrThrow(db, ws, request.params.id);
      const rows = await q(db)
        .selectFrom("attachments")
        .selectAll()
        .where("workspace_id", "=", ws)
        .where("case_id", "=", request.params.id)
        .orderBy("id")
        .limit(500)
        .execute();
      return { data: rows.map(presentAttachment) };
    },
  );

  app.get(
    "/api/v1/attachments/:id",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "cases.read") },
    async (request, reply) => {
      const { attachment, body } = await openAttachment(
        db,
        ctx.config,
        actorOf(request).workspaceId,
        request.params.id,
      );
      const name = attachment.file_name ?? attachment.id;
      return reply
        .header("content-type", attachment.content_type)
        .header("content-length", String(attachment.size))
        .header("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(name)}`)
        .header("x-content-type-options", "nosniff")
        .send(body);
    },
  );
}
