import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { createDispatcher, type Dispatcher } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";
import { setMessageStatus } from "./queries.ts";
import { setupCaseTests } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("retrying a failed reply on %s", (kind) => {
  let dispatcher: Dispatcher;
  let server: Server;
  let webhookUrl: string;
  const delivered: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        delivered.push(JSON.parse(body).message.id);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
  });
  const t = setupCaseTests(kind, { channelConfig: () => ({ webhookUrl, allowPrivateNetwork: true }) });
  beforeAll(async () => {
    dispatcher = createDispatcher(t.env.database, { pollIntervalMs: 50 });
    subscribeHandlers(t.env, dispatcher);
    await t.env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
  });

  const statusOf = async (caseId: string, id: string) =>
    (await t.api.messages(caseId)).find((m) => m.id === id)?.status;

  it("queues a failed reply again and the channel delivers it a second time", async () => {
    const { caseId } = await t.api.inbound("retry-1", "Where is my parcel?");
    const reply = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "On its way" });
    const messageId: string = reply.json().id;
    await waitFor(async () => (await statusOf(caseId, messageId)) === "sent");
    expect(delivered.filter((id) => id === messageId)).toHaveLength(1);

    // Not failed: nothing to retry.
    const early = await t.api.call("POST", `/api/v1/cases/${caseId}/messages/${messageId}/retry`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ reason: "message_not_failed", details: { status: "sent" } });

    // The platform reports a failure after the send (a bounce).
    await setMessageStatus(t.env.database.db, t.a.workspace.id, messageId, { status: "failed", error: "bounced" });
    expect(await statusOf(caseId, messageId)).toBe("failed");

    const retried = await t.api.call("POST", `/api/v1/cases/${caseId}/messages/${messageId}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ id: messageId, status: "queued", error: null });
    await waitFor(() => delivered.filter((id) => id === messageId).length === 2);
    await waitFor(async () => (await statusOf(caseId, messageId)) === "sent");
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({
      action: "message.retried",
      details: { messageId, previousError: "bounced" },
    });
    const { rows } = await sql<{ type: string }>`
      select type from outbox where payload->>'messageId' = ${messageId} order by id`.execute(t.env.database.db);
    expect(rows.filter((r) => r.type === "message.queued")).toHaveLength(2);
  });

  it("lists a case's conversations with their reply window, for the composer's channel choice", async () => {
    const { caseId } = await t.api.inbound("retry-conv", "Hi");
    const res = await t.api.call("GET", `/api/v1/cases/${caseId}/conversations`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([
      expect.objectContaining({ channelId: t.api.channelId, channelType: "api", externalThreadId: "retry-conv" }),
    ]);
    expect((await t.other.call("GET", `/api/v1/cases/${caseId}/conversations`)).statusCode).toBe(404);
  });

  it("refuses notes, unknown messages, another workspace's reply and the analyst role", async () => {
    const { caseId } = await t.api.inbound("retry-2", "Hi");
    const note = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "fyi", private: true });
    const refused = await t.api.call("POST", `/api/v1/cases/${caseId}/messages/${note.json().id}/retry`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain("internal note");

    const reply = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "hello" });
    const messageId: string = reply.json().id;
    await waitFor(async () => (await statusOf(caseId, messageId)) === "sent");
    await setMessageStatus(t.env.database.db, t.a.workspace.id, messageId, { status: "failed", error: "x" });

    const other = await t.other.inbound("retry-3", "Hi");
    // Another workspace cannot retry it, neither through its own case nor through ours.
    expect((await t.other.call("POST", `/api/v1/cases/${other.caseId}/messages/${messageId}/retry`)).statusCode).toBe(
      404,
    );
    expect((await t.other.call("POST", `/api/v1/cases/${caseId}/messages/${messageId}/retry`)).statusCode).toBe(404);
    expect(
      (await t.api.call("POST", `/api/v1/cases/${caseId}/messages/${messageId}/retry`, undefined, "analyst"))
        .statusCode,
    ).toBe(403);
    expect((await t.api.call("POST", `/api/v1/cases/${caseId}/messages/not-a-uuid/retry`)).statusCode).toBe(400);
    expect(await statusOf(caseId, messageId)).toBe("failed");
  });
});
