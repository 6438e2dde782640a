import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The `rapport` command of this checkout. */
export const RAPPORT_BIN = fileURLToPath(new URL("../bin/rapport.mjs", import.meta.url));

/** Runs one `rapport` command in a child process with exactly this environment; resolves when it exits. */
export function runRapport(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RAPPORT_BIN, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
