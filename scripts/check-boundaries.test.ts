import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script without type declarations
import { checkBoundaries } from "./check-boundaries.mjs";

function tree(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "bounds-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("module-boundary check", () => {
  it("accepts a downward import through index.ts", () => {
    const root = tree({
      "modules/conversations/a.ts": 'import { x } from "../profiles/index.ts";',
      "modules/profiles/index.ts": 'import { y } from "../tenancy/index.ts";',
      "modules/tenancy/index.ts": 'import { z } from "../../platform/db.ts";',
    });
    expect(checkBoundaries(root)).toEqual([]);
  });

  it("fails an upward import", () => {
    const root = tree({ "modules/tenancy/a.ts": 'import { x } from "../conversations/index.ts";' });
    expect(checkBoundaries(root).join()).toMatch(/may not import conversations/);
  });

  it("fails a sideways import between modules of the same rung", () => {
    const root = tree({ "modules/profiles/a.ts": 'import { x } from "../knowledge/index.ts";' });
    expect(checkBoundaries(root).join()).toMatch(/may not import knowledge/);
  });

  it("fails a deep import into another module", () => {
    const root = tree({ "modules/conversations/a.ts": 'import { x } from "../tenancy/repository.ts";' });
    expect(checkBoundaries(root).join()).toMatch(/only through its index\.ts/);
  });

  it("fails platform importing a module, including dynamic imports", () => {
    const root = tree({ "platform/a.ts": 'const m = await import("../modules/tenancy/index.ts");' });
    expect(checkBoundaries(root).join()).toMatch(/platform must not import a module/);
  });
});
