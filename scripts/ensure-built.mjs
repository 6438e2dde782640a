#!/usr/bin/env node
// `npm start` runs this first: builds the browser apps (console, widget) when their bundle is missing or
// older than their sources, so a fresh clone serves the console after `npm install && npm start`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const apps = [
  { dir: "apps/console", workspace: "@rapport/console", output: "dist/index.html" },
  { dir: "apps/widget", workspace: "@rapport/widget", output: "dist/widget.js" },
];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === "dist") continue;
    max = Math.max(max, newest(join(path, entry)));
  }
  return max;
}

for (const app of apps) {
  const pkg = JSON.parse(readFileSync(join(app.dir, "package.json"), "utf8"));
  if (!pkg.scripts?.build) continue;
  const output = join(app.dir, app.output);
  if (existsSync(output) && statSync(output).mtimeMs >= newest(app.dir)) continue;
  console.log(`Building ${app.workspace}…`);
  const result = spawnSync("npm", ["run", "build", "-w", app.workspace], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
