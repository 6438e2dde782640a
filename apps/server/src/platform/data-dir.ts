import { randomBytes } from "node:crypto";
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { AppError } from "./errors.ts";

/** Creates DATA_DIR if needed and proves it is writable, or fails with what to do. */
export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    accessSync(abs, constants.W_OK | constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new AppError(
      "unavailable",
      "data_dir_unwritable",
      `DATA_DIR ${abs} cannot be used (${code}). Make it writable by this user or set DATA_DIR to another folder.`,
    );
  }
  return abs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type DataDirLock = { release(): void; path: string };

/** Takes the exclusive lock on DATA_DIR; a second process fails at once instead of corrupting the database. */
export function lockDataDir(dir: string, holder: string): DataDirLock {
  const path = join(dir, "rapport.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeFileSync(fd, JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let owner: { pid?: number; holder?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, "utf8")) as typeof owner;
      } catch {
        // A lock being written right now, or a corrupt one: treat as held unless it is stale below.
      }
      if (typeof owner.pid === "number" && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new AppError(
          "conflict",
          "data_dir_locked",
          `The embedded database in ${dir} is held by process ${owner.pid} (${owner.holder ?? "rapport"}). Stop that process, run this command against it while it serves, or set DATA_DIR to another folder.`,
          { pid: owner.pid },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new AppError("conflict", "data_dir_locked", `Could not lock ${dir}; another process keeps taking it.`);
}

/** The key that encrypts channel secrets: from RAPPORT_SECRET_KEY, or generated once in DATA_DIR (0600) in embedded mode. */
export function loadOrCreateSecretKey(dir: string): string {
  const path = join(dir, "secret.key");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const key = randomBytes(32).toString("hex");
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return key;
}
