import { buildApp } from "./app.ts";
import { registerWebchatRealtime, startEmailMailboxes } from "./modules/channels/index.ts";
import { ensureNightlyLifecycles, startLifecycleSweeper } from "./modules/profiles/index.ts";
import { realtimeAuthenticator } from "./modules/tenancy/index.ts";
import { buildHttp, type HttpApp } from "./platform/http.ts";
import { startEmbeddedMaintenance } from "./platform/maintenance.ts";
import { createDispatcher, type Dispatcher } from "./platform/outbox.ts";
import { createRealtimeHub, type RealtimeHub } from "./platform/realtime.ts";
import type { Runtime } from "./runtime.ts";
import { defineJobs, subscribeHandlers } from "./wiring.ts";

export const PROCESS_ROLES = ["web", "worker", "realtime", "scheduler"] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export type RunningServer = {
  /** The address the HTTP server listens on, when a role serves HTTP. */
  address: string | undefined;
  dispatcher: Dispatcher | undefined;
  realtime: RealtimeHub | undefined;
  /** Graceful stop: no new connections, in-flight requests and jobs finish, then the database closes. */
  close(): Promise<void>;
};

/**
 * Starts the roles asked for on an opened runtime:
 * - web: the API and the console;
 * - realtime: Socket.IO on the same HTTP server (alone: with the health routes only);
 * - worker: works the job queues and dispatches the outbox (domain events → handlers, realtime broadcasts);
 * - scheduler: pg-boss maintenance and cron schedules; at start, every workspace's next nightly lifecycle run.
 */
export async function startRoles(
  rt: Runtime,
  roles: readonly ProcessRole[],
  listen: { port: number; host: string },
): Promise<RunningServer> {
  const has = (role: ProcessRole) => roles.includes(role);
  const { config, database } = rt;
  let app: HttpApp | undefined;
  if (has("web")) app = await buildApp(rt);
  else if (has("realtime")) app = await buildHttp(config, () => database.ping());

  // Workers broadcast too (to browsers connected elsewhere, through PostgreSQL), so they get a hub without sockets.
  let realtime: RealtimeHub | undefined;
  if (has("realtime") || has("worker")) {
    realtime = createRealtimeHub({
      ...(has("realtime") && app ? { httpServer: app.server } : {}),
      ...(config.DATABASE_URL ? { postgres: { url: config.DATABASE_URL } } : {}),
      logger: rt.logger,
      authenticate: realtimeAuthenticator(rt),
    });
    // Widget visitors get a socket server of their own beside the hub (closed with it).
    realtime = registerWebchatRealtime(rt, realtime, has("realtime") && app ? app.server : undefined);
  }

  let dispatcher: Dispatcher | undefined;
  if (has("worker")) {
    dispatcher = createDispatcher(database, {
      ...(config.DATABASE_URL ? { listenUrl: config.DATABASE_URL } : {}),
      logger: rt.logger,
    });
    subscribeHandlers(rt, dispatcher);
    const hub = realtime;
    // Every committed domain event reaches the workspace's sockets as a small invalidation.
    dispatcher.on("*", "realtime.broadcast", async (event) => {
      hub?.toWorkspace(event.workspaceId, event.type, { id: event.id, ...asObject(event.payload) });
    });
  }

  defineJobs(rt);
  await rt.jobs.start({ work: has("worker"), supervise: has("scheduler") });
  await dispatcher?.start();
  // Nightly jobs chain themselves (each run enqueues the next); the scheduler makes sure every workspace has one,
  // at start and then hourly, so a workspace created meanwhile gets its first run (a no-op for the others).
  // Not awaited: one send per workspace must not hold back the start.
  const ensureNightly = () =>
    void ensureNightlyLifecycles(rt).catch((err) => rt.logger.error({ err }, "nightly lifecycle check failed"));
  if (has("scheduler")) ensureNightly();
  const nightly = has("scheduler") ? setInterval(ensureNightly, 3_600_000) : undefined;
  nightly?.unref();
  // The embedded database has no autovacuum: the scheduler keeps its statistics fresh and vacuums it.
  const stopMaintenance = has("scheduler")
    ? startEmbeddedMaintenance(database, (err) => rt.logger.error({ err }, "embedded database maintenance failed"))
    : undefined;
  // Email channels: one IMAP loop per mailbox in the worker role (docs/email.md).
  const mailboxes = has("worker") ? startEmailMailboxes(rt) : undefined;
  // Lifecycle stages of contacts whose timeline changed, recomputed every few seconds (docs/profiles.md).
  const stopLifecycleSweeper = has("worker") ? startLifecycleSweeper(rt) : undefined;
  if (app) await app.listen({ port: listen.port, host: listen.host });
  const bound = app?.server.address();

  let closing: Promise<void> | undefined;
  return {
    address: bound && typeof bound === "object" ? `http://localhost:${bound.port}` : undefined,
    dispatcher,
    realtime,
    close() {
      closing ??= (async () => {
        clearInterval(nightly);
        await stopMaintenance?.();
        await mailboxes?.stop();
        await stopLifecycleSweeper?.();
        await realtime?.close();
        await app?.close();
        await rt.jobs.stop();
        await dispatcher?.stop();
        await rt.close();
      })();
      return closing;
    },
  };
}

function asObject(payload: unknown): Record<string, unknown> {
  return payload && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
}
