#!/usr/bin/env node
// Module-boundary check (docs/ARCHITECTURE.md §1): a module imports only modules below it on the
// ladder, and only through their index.ts; platform imports no module. Exit 1 with every violation.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The ladder: a module may import modules of a strictly lower rung. */
export const LADDER = {
  tenancy: 1,
  profiles: 2,
  knowledge: 2,
  conversations: 3,
  channels: 4,
  routing: 4,
  automation: 5,
  marketing: 5,
  surveys: 5,
  webhooks: 5,
  analytics: 6,
};

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|mts)$/.test(name)) yield p;
  }
}

/** Where a file sits: platform, a module (with its name), or elsewhere (composition root, tests). */
function placeOf(srcDir, file) {
  const rel = relative(srcDir, file).split("\\").join("/");
  if (rel.startsWith("platform/")) return { kind: "platform" };
  const m = /^modules\/([^/]+)\/(.*)$/.exec(rel);
  if (m) return { kind: "module", module: m[1], rest: m[2] };
  return { kind: "other" };
}

/** Returns every boundary violation in the source tree rooted at srcDir. */
export function checkBoundaries(srcDir) {
  const violations = [];
  for (const file of walk(srcDir)) {
    const from = placeOf(srcDir, file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(IMPORT_RE)) {
      const spec = match[1] ?? match[2];
      if (!spec?.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(srcDir)) continue;
      const to = placeOf(srcDir, target);
      const where = `${relative(process.cwd(), file)} imports ${spec}`;
      if (from.kind === "platform" && to.kind === "module") {
        violations.push(`${where}: platform must not import a module`);
      } else if (from.kind === "module" && to.kind === "module" && from.module !== to.module) {
        const fromRung = LADDER[from.module];
        const toRung = LADDER[to.module];
        if (fromRung === undefined) violations.push(`${where}: module "${from.module}" is not on the ladder`);
        else if (toRung === undefined) violations.push(`${where}: module "${to.module}" is not on the ladder`);
        else if (toRung >= fromRung) {
          violations.push(
            `${where}: ${from.module} (rung ${fromRung}) may not import ${to.module} (rung ${toRung}); use a domain event`,
          );
        }
        if (!/^index(\.ts)?$/.test(to.rest))
          violations.push(`${where}: import another module only through its index.ts`);
      }
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = resolve(process.argv[2] ?? "apps/server/src");
  const violations = checkBoundaries(srcDir);
  if (violations.length) {
    console.error(
      `Module boundaries: ${violations.length} violation(s)\n${violations.map((v) => `  - ${v}`).join("\n")}`,
    );
    process.exit(1);
  }
  console.log("Module boundaries: ok");
}
