import { join } from "node:path";
import { Readable } from "node:stream";
import { uuidv7 } from "uuidv7";
import type { Db, Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { emitEvent } from "../../../platform/outbox.ts";
import { localStorage, type Storage } from "../../../platform/storage.ts";
import { type AttachmentRow, findAttachment, findWorkableCase, q } from "../repository.ts";
import type { CaseActor } from "./update-case.ts";

export type AttachmentLimits = { maxBytes: number; types: readonly string[] };

/** Leading bytes of the types whose content can be recognised: a declared type must match them. */
const SIGNATURES: Record<string, (head: Buffer) => boolean> = {
  "image/jpeg": (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
  "image/png": (h) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/gif": (h) => h.subarray(0, 4).toString("latin1") === "GIF8",
  "image/webp": (h) =>
    h.subarray(0, 4).toString("latin1") === "RIFF" && h.subarray(8, 12).toString("latin1") === "WEBP",
  "application/pdf": (h) => h.subarray(0, 5).toString("latin1") === "%PDF-",
};

/** Refuses (415) a content type outside the workspace's allowed list, stating the list. */
export function assertAllowedType(contentType: string, limits: AttachmentLimits): void {
  if (!limits.types.includes(contentType)) {
    throw new AppError(
      "unsupported",
      "attachment_type_not_allowed",
      `Files of type "${contentType || "(none)"}" cannot be attached; allowed: ${limits.types.join(", ")}. Send the file as the request body with its Content-Type.`,
      { allowed: limits.types, maxBytes: limits.maxBytes },
    );
  }
}

/**
 * Refuses (415) an empty file, or one whose first bytes are not those of its declared type (for the types
 * whose content can be recognised: JPEG, PNG, GIF, WebP, PDF).
 */
export function assertContentMatches(contentType: string, head: Buffer, size: number, limits: AttachmentLimits): void {
  const signature = SIGNATURES[contentType];
  if (size === 0 || (signature && !signature(head))) {
    throw new AppError(
      "unsupported",
      "attachment_content_mismatch",
      size === 0
        ? "The file is empty."
        : `The file's content is not ${contentType}; send it with its real Content-Type.`,
      { allowed: limits.types },
    );
  }
}

/**
 * Stores an uploaded file for a case (streamed to the storage driver, refused over the size limit with
 * nothing kept) and records it; the returned id goes in a reply's content (`attachmentId`).
 */
export async function uploadAttachment(
  db: Executor,
  storage: Storage,
  actor: CaseActor,
  caseId: string,
  file: { body: Readable; contentType: string; fileName?: string | undefined },
  limits: AttachmentLimits,
): Promise<AttachmentRow> {
  const ws = actor.workspaceId;
  await findWorkableCase(db, ws, caseId, "attach files to the surviving case.");
  assertAllowedType(file.contentType, limits);
  const id = uuidv7();
  const key = `${ws}/${id}`;
  let head = Buffer.alloc(0);
  // Keeps the first bytes on the way to storage, to check them against the declared type.
  const peeked = Readable.from(
    (async function* () {
      for await (const chunk of file.body as AsyncIterable<Buffer>) {
        if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
        yield chunk;
      }
    })(),
  );
  let stored: { size: number; sha256: string };
  try {
    stored = await storage.put(key, peeked, { maxBytes: limits.maxBytes });
  } catch (err) {
    if (err instanceof AppError && err.reason === "file_too_large") {
      throw new AppError(
        "too_large",
        "attachment_too_large",
        `The file is larger than the limit of ${limits.maxBytes} bytes.`,
        {
          maxBytes: limits.maxBytes,
        },
      );
    }
    throw err;
  }
  try {
    assertContentMatches(file.contentType, head, stored.size, limits);
  } catch (err) {
    await storage.delete(key);
    throw err;
  }
  return q(db)
    .insertInto("attachments")
    .values({
      workspace_id: ws,
      id,
      case_id: caseId,
      storage_key: key,
      file_name: file.fileName ?? null,
      content_type: file.contentType,
      size: stored.size,
      sha256: stored.sha256,
      uploaded_by_type: actor.type,
      uploaded_by: actor.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The attachment a reply's content names must belong to the case (422 otherwise). */
export async function assertAttachmentOfCase(
  db: Executor,
  ws: string,
  caseId: string,
  attachmentId: unknown,
): Promise<void> {
  const found =
    typeof attachmentId === "string" && /^[0-9a-f-]{36}$/.test(attachmentId)
      ? await findAttachment(db, ws, attachmentId)
      : undefined;
  if (!found || found.case_id !== caseId) {
    throw new AppError(
      "unprocessable",
      "attachment_not_found",
      "content.attachmentId names no attachment of this case; upload it first.",
      {
        field: "content.attachmentId",
      },
    );
  }
}

const drivers = new Map<string, Storage>();

/** The storage driver of attachments: the `attachments` folder under DATA_DIR. */
export function attachmentStorage(config: { DATA_DIR: string }): Storage {
  const root = join(config.DATA_DIR, "attachments");
  let driver = drivers.get(root);
  if (!driver) {
    driver = localStorage(root);
    drivers.set(root, driver);
  }
  return driver;
}

/** An attachment's record and body (a channel's send job reads what it delivers); 404 when unknown. */
export async function openAttachment(db: Executor, config: { DATA_DIR: string }, ws: string, id: string) {
  const found = await findAttachment(db, ws, id);
  if (!found) throw new AppError("not_found", "attachment_not_found", "No such attachment in your workspace.");
  return { attachment: found, body: await attachmentStorage(config).get(found.storage_key) };
}

/**
 * Attaches a file a channel fetched after the fact (e.g. a WeChat image downloaded by a job) to a stored
 * inbound message: the bytes go to the attachment storage, an attachment of the message's case is recorded,
 * and the message's `content.media` names it (`{attachmentId, mimeType, size}`) so the thread shows it.
 * Idempotent per message: a second call (a retried job) answers the attachment already recorded.
 */
export async function attachToMessage(
  db: Db,
  config: { DATA_DIR: string },
  ws: string,
  messageId: string,
  file: { data: Buffer; contentType: string; fileName?: string | undefined },
): Promise<AttachmentRow> {
  const message = await q(db)
    .selectFrom("messages")
    .select(["id", "case_id", "content"])
    .where("workspace_id", "=", ws)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!message) throw new AppError("not_found", "message_not_found", "No such message in your workspace.");
  const content = (message.content ?? {}) as Record<string, unknown>;
  const existing = (content.media as { attachmentId?: unknown } | undefined)?.attachmentId;
  if (typeof existing === "string") {
    const found = await findAttachment(db, ws, existing);
    if (found) return found;
  }
  const id = uuidv7();
  const key = `${ws}/${id}`;
  const stored = await attachmentStorage(config).put(key, file.data);
  // One transaction: the attachment, the message's content, and the event the console refreshes the thread on.
  return db.transaction().execute(async (tx) => {
    // Re-read under a row lock so a concurrent change of the message's content is not overwritten.
    const locked = await q(tx)
      .selectFrom("messages")
      .select("content")
      .where("workspace_id", "=", ws)
      .where("id", "=", messageId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const current = (locked.content ?? {}) as Record<string, unknown>;
    const row = await q(tx)
      .insertInto("attachments")
      .values({
        workspace_id: ws,
        id,
        case_id: message.case_id,
        storage_key: key,
        file_name: file.fileName ?? null,
        content_type: file.contentType,
        size: stored.size,
        sha256: stored.sha256,
        uploaded_by_type: "channel",
        uploaded_by: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await q(tx)
      .updateTable("messages")
      .set({
        content: JSON.stringify({
          ...current,
          media: { attachmentId: id, mimeType: file.contentType, size: stored.size },
        }),
      })
      .where("workspace_id", "=", ws)
      .where("id", "=", messageId)
      .execute();
    await emitEvent(tx, {
      workspaceId: ws,
      type: "message.updated",
      payload: { caseId: message.case_id, messageId, changed: ["media"] },
    });
    return row;
  });
}
