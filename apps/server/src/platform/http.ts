import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import helmet from "helmet";
import client from "prom-client";
import type { Config } from "./config.ts";
import { AppError, toErrorBody } from "./errors.ts";

export type App = FastifyInstance;
export type TypedApp = ReturnType<FastifyInstance["withTypeProvider"]> & FastifyInstance;

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const httpDuration = new client.Histogram({
  name: "rapport_http_request_duration_seconds",
  help: "HTTP request duration by route and status",
  labelNames: ["method", "route", "status"],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/** Request ids: a random prefix per process and a counter — unique across nodes, cheaper than a UUID per request. */
const REQUEST_ID_PREFIX = randomBytes(6).toString("hex");
let requestCounter = 0;
const nextRequestId = () => `${REQUEST_ID_PREFIX}-${(++requestCounter).toString(36)}`;

/** Histogram children by method, route and status: labelling once per kind of request, not per request. */
const durationByRoute = new Map<string, client.Histogram.Internal<"method" | "route" | "status">>();

/** The Prometheus registry every role reports into. */
export const metricsRegistry = registry;

/** Helmet's security headers, computed once (helmet re-parses its options on every call otherwise). */
function computeSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'", "ws:", "wss:"],
      },
    },
  })({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

const SECURITY_HEADERS = computeSecurityHeaders();
/**
 * JSON API answers carry the headers that matter for them (no sniffing, HTTPS only, never cached);
 * the document headers (CSP, frame and cross-origin policies) go with the console's pages.
 */
const API_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "strict-transport-security": SECURITY_HEADERS["strict-transport-security"] ?? "max-age=31536000; includeSubDomains",
  "cache-control": "no-store",
};

function fastifyErrorToAppError(err: FastifyError): AppError | undefined {
  if (hasZodFastifySchemaValidationErrors(err)) {
    return new AppError(
      "invalid",
      "validation_failed",
      `The request ${err.validationContext ?? "input"} is invalid: ${err.validation
        .map((v) => `${v.instancePath || "(root)"} ${v.message}`)
        .join("; ")}.`,
      {
        in: err.validationContext,
        issues: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
      },
    );
  }
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError("invalid", "malformed_json", `The request body is not valid JSON: ${err.message}`);
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError("too_large", "body_too_large", "The request body is larger than this server accepts.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError("invalid", "unsupported_media_type", "Send the body as application/json.");
    default:
      if (err.statusCode === 429) return new AppError("rate_limited", "rate_limited", err.message);
      return undefined;
  }
}

/** Builds the Fastify instance with the platform's plugins: zod schemas, OpenAPI, errors, security headers, health and metrics. */
export async function buildHttp(config: Config, ready: () => Promise<boolean>) {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          'res.headers["set-cookie"]',
          "*.password",
          "*.token",
        ],
        censor: "[redacted]",
      },
    },
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,64}$/.test(given) ? given : nextRequestId();
    },
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook("onRequest", (request, reply, done) => {
    reply.headers(request.url.startsWith("/api/v1/") ? API_HEADERS : SECURITY_HEADERS);
    reply.header("x-request-id", request.id);
    done();
  });
  await app.register(swagger, {
    openapi: {
      info: { title: "Rapport API", version: "1" },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          session: { type: "apiKey", in: "cookie", name: "rapport_session" },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = durationByRoute.get(key);
    if (!child) {
      child = httpDuration.labels(request.method, route, String(reply.statusCode));
      durationByRoute.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appError = err instanceof AppError ? err : fastifyErrorToAppError(err);
    if (!appError) request.log.error({ err }, "unhandled error");
    else if (appError.kind === "internal") request.log.error({ err }, appError.message);
    const { status, body } = toErrorBody(appError ?? err, request.id);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = toErrorBody(
      new AppError("not_found", "route_not_found", `No route ${request.method} ${request.url.split("?")[0]}.`),
      request.id,
    );
    void reply.status(status).send(body);
  });

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const ok = await ready();
    return reply.status(ok ? 200 : 503).send({ status: ok ? "ready" : "database_unreachable" });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  return app;
}

export type HttpApp = Awaited<ReturnType<typeof buildHttp>>;
