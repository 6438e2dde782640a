import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RAPPORT_BIN as BIN, runRapport } from "./rapport-process.ts";

function rapport(args: string[], env: Record<string, string>) {
  return runRapport(args, {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    LOG_LEVEL: "silent",
    ...env,
  });
}

describe("rapport CLI", () => {
  it("creates a workspace, a user and a token (alone on the last line) in embedded mode", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "rapport-cli-")) };
    const ws = await rapport(["workspaces", "create", "acme", "--name", "Acme"], env);
    expect(ws.code, ws.stderr).toBe(0);
    const user = await rapport(
      ["users", "create", "--workspace", "acme", "--email", "a@acme.test", "--role", "agent"],
      env,
    );
    expect(user.code, user.stderr).toBe(0);
    expect(user.stdout).toMatch(/Initial password: \S+/);
    const token = await rapport(["tokens", "create", "--workspace", "acme", "--role", "agent", "--name", "ci"], env);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim().split("\n").at(-1)).toMatch(/^rpt_[\w-]{40,}$/);
    const dup = await rapport(["workspaces", "create", "acme", "--name", "Again"], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('A workspace with slug "acme" already exists');
  });

  it("refuses an unknown role and an unknown workspace with one clear line", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "rapport-cli-")) };
    const role = await rapport(["tokens", "create", "--workspace", "x", "--role", "god"], env);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain("must be one of owner, admin, supervisor, agent, analyst");
    const ws = await rapport(["tokens", "create", "--workspace", "nope", "--role", "agent"], env);
    expect(ws.code).toBe(1);
    expect(ws.stderr).toContain('No workspace with slug "nope"');
  });

  it("lists every configuration problem and exits 1", async () => {
    const r = await rapport(["migrate"], { PORT: "x", LOG_LEVEL: "loud" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PORT");
    expect(r.stderr).toContain("LOG_LEVEL");
  });

  it("says at once that another process holds the embedded database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-cli-"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "rapport.lock"), JSON.stringify({ pid: process.pid, holder: "rapport start" }));
    const r = await rapport(["migrate"], { DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`held by process ${process.pid} (rapport start)`);
  });

  it("fails clearly on an unreachable DATABASE_URL without echoing its password", async () => {
    const r = await rapport(["migrate"], {
      DATABASE_URL: "postgres://bob:s3cretpw@127.0.0.1:1/nowhere",
      RAPPORT_SECRET_KEY: "ab".repeat(32),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is unreachable");
    expect(r.stderr).not.toContain("s3cretpw");
  });

  it("requires RAPPORT_SECRET_KEY with DATABASE_URL", async () => {
    const r = await rapport(["migrate"], { DATABASE_URL: "postgres://root@127.0.0.1:5432/test" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("RAPPORT_SECRET_KEY is required");
  });

  it("runs commands through the running server, then shuts down gracefully on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-cli-"));
    const server = spawn(process.execPath, [BIN, "start"], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" },
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      server.stdout.on("data", (c) => {
        out += c;
        if (out.includes("Rapport is running")) resolve();
      });
      server.on("exit", () => reject(new Error(`server exited early: ${out}`)));
    });
    const token = await rapport(["tokens", "create", "--workspace", "demo", "--role", "agent"], { DATA_DIR: dir });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toMatch(/^rpt_/);
    const bad = await rapport(["users", "create", "--workspace", "demo", "--email", "x@y.z", "--role", "nobody"], {
      DATA_DIR: dir,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("must be one of");
    const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, "rapport.lock"))).toBe(false);
    expect(existsSync(join(dir, "rapport.sock"))).toBe(false);
  }, 150_000); // a first start seeds the demo data on PGlite: ~25 s idle, over 60 s on a loaded two-core machine
});
