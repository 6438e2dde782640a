/**
 * Files from the widget: a visitor attaches an image or a document (raw body with its Content-Type, limits per
 * channel in `config.uploads`), stored like every case attachment (conversations' attachment storage) on a
 * message of type `image` or `file`; visitors download only the files of their own conversation.
 */
import type { Readable } from "node:stream";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import {
  type AttachmentLimits,
  assertAllowedType,
  assertContentMatches,
  attachmentOf,
  attachToMessage,
  findMessage,
  type MessageRow,
  openAttachment,
} from "../../conversations/index.ts";
import type { WebchatChannel } from "./channel.ts";
import type { VisitorRow } from "./repository.ts";
import { receiveVisitorMessage, visitorMessages } from "./visitors.ts";

/** Image types a browser shows inline (everything else is served as a download). */
const INLINE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** The channel's upload limits, never above the server's ATTACHMENT_MAX_BYTES; 403 when uploads are off. */
export function uploadLimitsOf(ctx: AppContext, loaded: WebchatChannel): AttachmentLimits {
  const { uploads } = loaded.config;
  if (!uploads.enabled) {
    throw new AppError("forbidden", "uploads_disabled", "This chat does not accept files.");
  }
  return { maxBytes: Math.min(uploads.maxBytes, ctx.config.ATTACHMENT_MAX_BYTES), types: uploads.types };
}

const tooLarge = (maxBytes: number) =>
  new AppError(
    "too_large",
    "attachment_too_large",
    `The file is larger than the limit of ${maxBytes} bytes (${Math.floor(maxBytes / 1024 / 1024) || "< 1"} MB).`,
    { maxBytes },
  );

/** Reads a body into memory, refusing (413) as soon as it passes maxBytes. */
async function readLimited(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type VisitorFile = {
  body: Readable;
  contentType: string;
  declaredLength: number;
  fileName: string | undefined;
  clientMessageId: string;
  caption: string | undefined;
};

/**
 * A visitor's file: checked (type allowed, size, content matching its type) before anything is kept, then a
 * message of type `image` (for image types) or `file` goes through the inbound pipeline and the file is stored
 * as an attachment of its case. A retry with the same clientMessageId answers the first message.
 */
export async function receiveVisitorFile(
  ctx: AppContext,
  loaded: WebchatChannel,
  visitor: VisitorRow,
  file: VisitorFile,
): Promise<{ message: MessageRow; duplicate: boolean }> {
  const limits = uploadLimitsOf(ctx, loaded);
  assertAllowedType(file.contentType, limits);
  if (file.declaredLength > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const data = await readLimited(file.body, limits.maxBytes);
  assertContentMatches(file.contentType, data.subarray(0, 16), data.length, limits);
  const type = file.contentType.startsWith("image/") ? "image" : "file";
  const name = file.fileName ?? (type === "image" ? "image" : "file");
  const content: Record<string, unknown> = { name, mimeType: file.contentType, size: data.length };
  if (file.caption) content.caption = file.caption;
  const { message, duplicate } = await receiveVisitorMessage(ctx, loaded.channel, visitor, {
    clientMessageId: file.clientMessageId,
    type,
    content,
  });
  if (duplicate && message.type !== type) {
    throw new AppError(
      "conflict",
      "client_message_id_reused",
      "This clientMessageId was used for another message; send the file with a new one.",
      { field: "clientMessageId" },
    );
  }
  const ws = loaded.channel.workspace_id;
  // Idempotent per message: a retried upload whose first try stored the message but not the file heals here.
  await attachToMessage(ctx.database.db, ctx.config, ws, message.id, {
    data,
    contentType: file.contentType,
    fileName: name,
  });
  const stored = await findMessage(ctx.database.db, ws, message.id);
  return { message: stored ?? message, duplicate };
}

/** A file of the visitor's own conversation (theirs or an agent's public reply); 404 for anything else. */
export async function openVisitorFile(ctx: AppContext, visitor: VisitorRow, attachmentId: string) {
  const messages = await visitorMessages(ctx, visitor, undefined);
  if (!messages.some((m) => attachmentOf(m)?.id === attachmentId)) {
    throw new AppError("not_found", "attachment_not_found", "No such file in this conversation.");
  }
  const opened = await openAttachment(ctx.database.db, ctx.config, visitor.workspace_id, attachmentId);
  return { ...opened, inline: INLINE_TYPES.has(opened.attachment.content_type) };
}
