import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateSecretKey, lockDataDir, prepareDataDir } from "./data-dir.ts";

describe("DATA_DIR", () => {
  it("refuses a second holder while the first lives, naming the holder", () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-"));
    const child = spawn(process.execPath, ["-e", "setTimeout(()=>{}, 30000)"]);
    // Pretend a live process (the child) holds the lock.
    const lock = lockDataDir(dir, "first");
    const content = JSON.parse(readFileSync(lock.path, "utf8"));
    lock.release();
    writeFileSync(lock.path, JSON.stringify({ ...content, pid: child.pid, holder: "rapport start" }));
    expect(() => lockDataDir(dir, "second")).toThrow(/held by process \d+ \(rapport start\)/);
    child.kill();
  });

  it("takes over a stale lock left by a dead process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-"));
    const child = spawn(process.execPath, ["-e", "0"]);
    await new Promise((r) => child.on("exit", r));
    writeFileSync(join(dir, "rapport.lock"), JSON.stringify({ pid: child.pid, holder: "old" }));
    const lock = lockDataDir(dir, "new");
    expect(JSON.parse(readFileSync(lock.path, "utf8")).holder).toBe("new");
    lock.release();
  });

  it("fails clearly on an unwritable folder", () => {
    const parent = join(mkdtempSync(join(tmpdir(), "rapport-")), "a-file");
    writeFileSync(parent, "");
    expect(() => prepareDataDir(join(parent, "data"))).toThrow(/DATA_DIR .* cannot be used \(ENOTDIR\)/);
  });

  it("generates the secret key once, readable only by its owner", () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-"));
    const key = loadOrCreateSecretKey(dir);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(loadOrCreateSecretKey(dir)).toBe(key);
    expect(statSync(join(dir, "secret.key")).mode & 0o777).toBe(0o600);
  });
});
