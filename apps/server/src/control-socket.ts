import { chmodSync, existsSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { z } from "zod";

const RunSchema = z.strictObject({ argv: z.array(z.string().max(10_000)).max(100) });
export type RunResult = { code: number; stdout: string; stderr: string };

/**
 * Serves CLI commands inside the running server over a Unix socket in DATA_DIR (mode 0600: only the
 * owner of the data can use it), so `rapport …` works while the server holds the embedded database.
 */
export async function serveControlSocket(path: string, run: (argv: string[]) => Promise<RunResult>) {
  if (existsSync(path)) rmSync(path, { force: true });
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > 1_000_000) req.destroy();
    });
    req.on("end", () => {
      const parsed = RunSchema.safeParse(
        (() => {
          try {
            return JSON.parse(body);
          } catch {
            return undefined;
          }
        })(),
      );
      if (req.method !== "POST" || req.url !== "/run" || !parsed.success) {
        res
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ code: 1, stdout: "", stderr: "rapport: malformed control request\n" }));
        return;
      }
      run(parsed.data.argv).then(
        (result) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result)),
        (err: Error) =>
          res.writeHead(500).end(JSON.stringify({ code: 1, stdout: "", stderr: `rapport: ${err.message}\n` })),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(path, { force: true });
          resolve();
        });
      }),
  };
}

/** Sends a CLI command to the server listening on the socket; undefined when nobody listens there. */
export function runThroughControlSocket(path: string, argv: string[]): Promise<RunResult | undefined> {
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath: path,
        path: "/run",
        method: "POST",
        headers: { "content-type": "application/json" },
        timeout: 120_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => {
          try {
            resolve(JSON.parse(body) as RunResult);
          } catch {
            resolve({ code: 1, stdout: "", stderr: "rapport: the running server sent an unreadable answer\n" });
          }
        });
      },
    );
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => req.destroy());
    req.end(JSON.stringify({ argv }));
  });
}
