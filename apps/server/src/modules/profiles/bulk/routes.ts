import { Readable } from "node:stream";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { decodeCursor, toPage } from "../../../platform/pagination.ts";
import { actorOf, guard, recordAudit } from "../../tenancy/index.ts";
import { IMPORT_JOB } from "../jobs.ts";
import type { ImportRow } from "../repository.ts";
import { deleteImport, findImport, insertImportChunk, listImportErrors, setImportState } from "./bulk-repository.ts";
import { exportContacts } from "./export-contacts.ts";
import { countsOf, createImport, type ImportFormat } from "./import-contacts.ts";
import { ImportFileError, parseMapPairs } from "./import-mapping.ts";

/** The largest file the API takes (bytes); bigger files go through `rapport import contacts`. */
export const IMPORT_MAX_BYTES = 100 * 1024 * 1024;
/** Uploads are stored in chunks of this size for the worker to stream back. */
const CHUNK_BYTES = 1024 * 1024;
const IMPORT_TYPES: Record<string, ImportFormat> = {
  "text/csv": "csv",
  "application/csv": "csv",
  "application/x-ndjson": "jsonl",
  "application/jsonl": "jsonl",
  "application/x-jsonlines": "jsonl",
};

const tags = { tags: ["profiles"] };

const ImportQuerySchema = z.object({
  fileName: z.string().trim().max(255).optional(),
  delimiter: z.enum([",", ";", "\t", "|"]).optional(),
  map: z.union([z.string().max(300), z.array(z.string().max(300)).max(200)]).optional(),
});

/** An import as the API shows it: progress counters, state, and the file-level error if it failed. */
export const presentImport = (r: ImportRow) => ({
  id: r.id,
  state: r.state,
  origin: r.origin,
  format: r.format,
  fileName: r.file_name,
  byteSize: r.byte_size,
  ...countsOf(r),
  error: r.error,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** A page of an import's row errors (limit+1 fetched), keyed by line. */
const toErrorPage = <E extends { line: number }>(errors: E[], limit: number) =>
  toPage(
    errors,
    limit,
    (e) => String(e.line),
    (e) => e,
  );

/** Import (async job) and export routes for contacts. */
export function registerBulkRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  // The upload route reads its body as a raw stream; the parser lives in this plugin's scope only.
  void app.register(async (scope) => {
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().post(
      "/api/v1/contacts/imports",
      {
        schema: {
          ...tags,
          description: `Upload a CSV (text/csv) or JSONL (application/x-ndjson) file of contacts as the request body, up to ${IMPORT_MAX_BYTES} bytes. Answers 202; the import runs as a background job.`,
          querystring: ImportQuerySchema,
        },
        onRequest: guard(ctx, "contacts.import"),
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
        const format = IMPORT_TYPES[type];
        const body = request.body;
        if (!format || !(body instanceof Readable)) {
          throw new AppError(
            "unsupported",
            "import_media_type",
            "Send the file as the request body with Content-Type text/csv or application/x-ndjson.",
          );
        }
        const { fileName, delimiter, map } = request.query;
        let mapping: Record<string, string>;
        try {
          mapping = parseMapPairs(map === undefined ? [] : Array.isArray(map) ? map : [map]);
        } catch (err) {
          if (err instanceof ImportFileError) throw new AppError("invalid", err.reason, err.message, { field: "map" });
          throw err;
        }
        const row = await createImport(db, actor, {
          origin: "api",
          format,
          fileName: fileName ?? null,
          options: { ...(delimiter ? { delimiter } : {}), map: mapping },
          state: "receiving",
        });
        let size = 0;
        try {
          let seq = 0;
          let pending: Buffer[] = [];
          let pendingBytes = 0;
          for await (const chunk of body as AsyncIterable<Buffer>) {
            size += chunk.length;
            if (size > IMPORT_MAX_BYTES) {
              throw new AppError(
                "too_large",
                "import_too_large",
                `The file is larger than ${IMPORT_MAX_BYTES} bytes; import it with \`rapport import contacts\`.`,
              );
            }
            pending.push(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes >= CHUNK_BYTES) {
              await insertImportChunk(db, actor.workspaceId, row.id, seq++, Buffer.concat(pending));
              pending = [];
              pendingBytes = 0;
            }
          }
          if (pendingBytes) await insertImportChunk(db, actor.workspaceId, row.id, seq++, Buffer.concat(pending));
          if (size === 0) throw new AppError("invalid", "import_empty", "The request body is empty: send the file.");
        } catch (err) {
          await deleteImport(db, actor.workspaceId, row.id);
          throw err;
        }
        const queued = await db.transaction().execute(async (tx) => {
          const r = await setImportState(tx, actor.workspaceId, row.id, {
            state: "queued",
            error: null,
            byteSize: size,
          });
          await ctx.jobs.send(IMPORT_JOB, { workspaceId: actor.workspaceId, importId: row.id }, { tx, id: row.id });
          await recordAudit(tx, actor, {
            action: "contacts.import_started",
            objectType: "contact_import",
            objectId: row.id,
            details: { format, byteSize: size },
          });
          return r;
        });
        return reply.status(202).header("location", `/api/v1/contacts/imports/${row.id}`).send(presentImport(queued));
      },
    );
  });

  app.get(
    "/api/v1/contacts/imports/:id",
    { schema: { ...tags, params: z.strictObject({ id: z.uuid() }) }, onRequest: guard(ctx, "contacts.import") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const row = await findImport(db, ws, request.params.id);
      if (!row) throw new AppError("not_found", "import_not_found", "No import with this id in your workspace.");
      const errors = toErrorPage(await listImportErrors(db, ws, row.id, 0, 101), 100);
      return { ...presentImport(row), errors: errors.data, errorsNextCursor: errors.nextCursor };
    },
  );

  app.get(
    "/api/v1/contacts/imports/:id/errors",
    {
      schema: {
        ...tags,
        params: z.strictObject({ id: z.uuid() }),
        querystring: z.object({
          cursor: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
      onRequest: guard(ctx, "contacts.import"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const row = await findImport(db, ws, request.params.id);
      if (!row) throw new AppError("not_found", "import_not_found", "No import with this id in your workspace.");
      const after = Number(decodeCursor(request.query.cursor) ?? "0");
      const { limit } = request.query;
      return toErrorPage(await listImportErrors(db, ws, row.id, Number.isFinite(after) ? after : 0, limit + 1), limit);
    },
  );

  app.get(
    "/api/v1/contacts/export",
    {
      schema: { ...tags, querystring: z.object({ format: z.enum(["csv", "jsonl"]).default("csv") }) },
      onRequest: guard(ctx, "contacts.export"),
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { format } = request.query;
      await recordAudit(db, actor, { action: "contacts.exported", objectType: "contact", details: { format } });
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .header("content-type", format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8")
        .header("content-disposition", `attachment; filename="contacts-${stamp}.${format}"`)
        .header("cache-control", "no-store")
        .send(Readable.from(exportContacts(db, actor.workspaceId, format)));
    },
  );
}
