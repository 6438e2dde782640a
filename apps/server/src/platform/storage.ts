import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { uuidv7 } from "uuidv7";
import { AppError } from "./errors.ts";

/** Where files (attachments) live, by key; the local folder by default, another driver (S3…) behind the same shape. */
export type Storage = {
  /** Stores a body under a key; refuses (413, nothing kept) a body over maxBytes. */
  put(
    key: string,
    body: Readable | Buffer,
    options?: { maxBytes?: number | undefined },
  ): Promise<{ size: number; sha256: string }>;
  /** The stored body; 404 `file_not_found` when the key holds nothing. */
  get(key: string): Promise<Readable>;
  /** Removes a key (no error when already gone). */
  delete(key: string): Promise<void>;
};

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,500}$/;

function assertKey(key: string): void {
  if (!KEY.test(key) || key.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new AppError(
      "internal",
      "storage_key_invalid",
      "A storage key must be a relative path without . or .. parts.",
    );
  }
}

/** The local-folder driver: each key is a file under root (created on first write), written atomically. */
export function localStorage(root: string): Storage {
  const base = resolve(root);
  const pathOf = (key: string) => {
    assertKey(key);
    return join(base, key);
  };
  return {
    async put(key, body, options = {}) {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${uuidv7()}.part`;
      const hash = createHash("sha256");
      let size = 0;
      const limit = options.maxBytes;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (limit !== undefined && size > limit) {
            done(
              new AppError("too_large", "file_too_large", `The file is larger than the limit of ${limit} bytes.`, {
                limit,
              }),
            );
            return;
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(
          Buffer.isBuffer(body) ? Readable.from([body]) : body,
          meter,
          createWriteStream(temp, { mode: 0o600 }),
        );
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      return { size, sha256: hash.digest("hex") };
    },
    async get(key) {
      const path = pathOf(key);
      try {
        await stat(path);
      } catch {
        throw new AppError("not_found", "file_not_found", "The stored file is missing.");
      }
      return createReadStream(path);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
