// Child process of bench/http-baseline.ts: serves the real app (authenticated GET /api/v1/me) and a bare
// Fastify route side by side, then prints their ports and a token as one JSON line.
import Fastify from "fastify";
import { buildWorkspace } from "../apps/server/test/factories.ts";
import { openTestEnv } from "../apps/server/test/harness.ts";

const kind = process.env.BENCH_DB === "pglite" ? "pglite" : "postgres";
const env = await openTestEnv(kind);
const ws = await buildWorkspace(env);
const address = await env.app.listen({ port: 0, host: "127.0.0.1" });
const bare = Fastify({ logger: false });
bare.get("/bare", async () => ({ ok: true }));
const bareAddress = await bare.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ app: address, bare: bareAddress, token: ws.tokens.agent, kind })}\n`);
process.on("SIGTERM", async () => {
  await bare.close();
  await env.close();
  process.exit(0);
});
