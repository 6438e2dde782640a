import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { HttpApp } from "./platform/http.ts";

const CONSOLE_DIST = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/** Serves the built console at `/` with a fallback to index.html for client-side routes. */
export async function registerConsole(app: HttpApp) {
  if (!existsSync(`${CONSOLE_DIST}index.html`)) {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type("text/html")
        .send(
          "<!doctype html><title>Rapport</title><p>The console is not built. Run <code>npm run build -w @rapport/console</code>.</p>",
        ),
    );
    return;
  }
  await app.register(fastifyStatic, { root: CONSOLE_DIST, prefix: "/", wildcard: false });
  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    if (request.url.startsWith("/api/")) return reply.callNotFound();
    return reply.sendFile("index.html");
  });
}
