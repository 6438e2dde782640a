/**
 * Uploads through Rapport to WeChat (kf avatars, outbound media): the file is the raw request body with its
 * Content-Type, read into memory within a bound, in a plugin scope of its own (so JSON routes are untouched).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { guard, type Permission } from "../../tenancy/index.ts";
import type { UploadFile } from "./api.ts";

/** Bodies above this are refused by the server before any per-type check (the largest WeChat limit is 10 MB). */
export const UPLOAD_BODY_LIMIT = 11 * 1024 * 1024;

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "audio/amr": "amr",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "video/mp4": "mp4",
};
export const UPLOAD_TYPES = Object.keys(EXTENSIONS);

/** The file extension WeChat expects for a content type. */
export const extensionOf = (contentType: string) => EXTENSIONS[contentType] ?? "bin";

type Handler = (request: FastifyRequest, reply: FastifyReply, file: UploadFile) => Promise<unknown>;

/** Registers `POST|PUT path` taking a raw file body; the handler gets it as an UploadFile. */
export function registerUploadRoute(
  app: HttpApp,
  ctx: AppContext,
  route: { method: "POST" | "PUT"; url: string; permission: Permission; params: z.ZodType; description: string },
  handler: Handler,
): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser(UPLOAD_TYPES, { parseAs: "buffer", bodyLimit: UPLOAD_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.route({
      method: route.method,
      url: route.url,
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: { tags: ["channels"], description: route.description, params: route.params },
      onRequest: guard(ctx, route.permission),
      handler: async (request, reply) => {
        const contentType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
        if (!Buffer.isBuffer(request.body) || !UPLOAD_TYPES.includes(contentType)) {
          throw new AppError(
            "unsupported",
            "upload_media_type",
            `Send the file as the request body with its Content-Type, one of ${UPLOAD_TYPES.join(", ")}.`,
          );
        }
        if (request.body.length === 0) throw new AppError("invalid", "upload_empty", "The file is empty.");
        const name = z
          .string()
          .max(100)
          .safeParse((request.query as Record<string, unknown>)?.filename);
        const filename = name.success && name.data ? name.data : `upload.${extensionOf(contentType)}`;
        return handler(request, reply, { filename, contentType, data: request.body });
      },
    });
  });
}
