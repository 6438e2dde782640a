#!/usr/bin/env node
// `npm test`: typecheck, lint, module boundaries, unit + integration tests (PGlite and PostgreSQL),
// then the browser journeys against a real server on the embedded database. Stops at the first failure.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = {
  ...process.env,
  TZ: "UTC",
  TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test",
};
const only = process.argv[2]; // optional: run one step by name
const results = [];

function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit", env: { ...env, ...extraEnv } });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function e2e() {
  const build = await run("npm", ["run", "build", "-w", "@rapport/console"]);
  if (build !== 0) return build;
  const widgetBuild = await run("npm", ["run", "build", "-w", "@rapport/widget"]);
  if (widgetBuild !== 0) return widgetBuild;
  const dataDir = mkdtempSync(join(tmpdir(), "rapport-e2e-"));
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const server = spawn(process.execPath, ["apps/server/bin/rapport.mjs", "start"], {
    // Every journey signs in from 127.0.0.1: more than the default per-address sign-in limit allows.
    env: {
      ...env,
      DATA_DIR: dataDir,
      PORT: port,
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      LOGIN_ATTEMPTS_PER_IP: "1000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const ready = new Promise((resolve) => {
    server.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("Rapport is running")) resolve(true);
    });
    server.on("exit", () => resolve(false));
    // Migrations and the demo seed on a fresh embedded database: a minute or two on a busy 2-core machine.
    setTimeout(() => resolve(false), 300_000);
  });
  try {
    if (!(await ready)) {
      console.error(`e2e: the server did not start:\n${out}`);
      return 1;
    }
    const password = /password: (\S+)/.exec(out)?.[1];
    return await run(process.execPath, ["e2e/run.mjs"], {
      E2E_BASE_URL: `http://127.0.0.1:${port}`,
      E2E_EMAIL: "admin@demo.rapport.local",
      E2E_PASSWORD: password ?? "",
    });
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const steps = [
  ["typecheck", () => run("npm", ["run", "typecheck"])],
  ["lint", () => run("npx", ["biome", "check", "."])],
  ["boundaries", () => run("node", ["scripts/check-boundaries.mjs"])],
  ["unit+integration", () => run("npx", ["vitest", "run"])],
  ["console", () => run("npx", ["vitest", "run", "--config", "apps/console/vitest.config.ts"])],
  ["e2e", e2e],
];

for (const [name, step] of steps) {
  if (only && only !== name) continue;
  console.log(`\n▶ ${name}`);
  const code = await step();
  results.push([name, code]);
  if (code !== 0) break;
}
const failed = results.filter(([, c]) => c !== 0).map(([n]) => n);
console.log(
  `\nsteps: ${results.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(", ")})` : ""}`,
);
process.exit(failed.length ? 1 : 0);
