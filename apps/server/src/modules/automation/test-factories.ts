import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, type TestEnv } from "../../../test/harness.ts";
import { createDispatcher, type Dispatcher } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";

type Workspace = Awaited<ReturnType<typeof buildWorkspace>>;

/** What the automation integration suites share: a database, two workspaces, the event handlers running. */
export type AutomationWorld = {
  env: TestEnv;
  a: Workspace;
  b: Workspace;
  /** An `api` channel of workspace a. */
  channelId: string;
  /** A customer message into workspace a's channel; its case and message ids. */
  inbound(id: string, customer: string, text: string): Promise<{ caseId: string; messageId: string }>;
  /** Creates a rule in workspace a (as a supervisor unless other headers are given); the raw response. */
  createRule(payload: object, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
};

/** Registers the suite's set-up and tear-down; the world's fields are filled once beforeAll has run. */
export function setUpAutomationWorld(kind: "pglite" | "postgres"): AutomationWorld {
  const world = {} as AutomationWorld;
  let dispatcher: Dispatcher | undefined;
  beforeAll(async () => {
    const env = await openTestEnv(kind);
    world.env = env;
    world.a = await buildWorkspace(env);
    world.b = await buildWorkspace(env);
    // Handlers enqueue jobs (spike checks); the queue runs without workers here.
    await env.jobs.start({ work: false, supervise: false });
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await dispatcher.start();
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: world.a.auth("admin"),
      payload: { type: "api", name: "Shop" },
    });
    world.channelId = created.json().channel.id;
    world.inbound = async (id, customer, text) =>
      (
        await env.app.inject({
          method: "POST",
          url: `/api/v1/channels/${world.channelId}/inbound`,
          headers: world.a.auth("agent"),
          payload: { externalMessageId: id, from: { externalId: customer }, text },
        })
      ).json().data[0];
  });
  world.createRule = (payload, headers) =>
    world.env.app.inject({
      method: "POST",
      url: "/api/v1/automation/rules",
      headers: headers ?? world.a.auth("supervisor"),
      payload,
    });
  afterAll(async () => {
    await dispatcher?.stop();
    await world.env?.close();
  });
  return world;
}
