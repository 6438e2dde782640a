import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { createDispatcher, type Dispatcher } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";
import { setupCaseTests } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("reply approvals on %s", (kind) => {
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

  const outbox = async (messageId: string) => {
    const { rows } = await sql<{
      type: string;
    }>`select type from outbox where payload->>'messageId' = ${messageId} order by id`.execute(t.env.database.db);
    return rows.map((r) => r.type);
  };

  it("holds flagged agents' replies until a supervisor approves them, then sends them through the usual job", async () => {
    const settings = await t.api.call("PUT", "/api/v1/approval-settings", { roles: ["agent"] }, "supervisor");
    expect(settings.statusCode, settings.body).toBe(200);
    expect((await t.api.call("GET", "/api/v1/approval-settings")).json()).toEqual({ roles: ["agent"], userIds: [] });
    expect((await t.api.call("PUT", "/api/v1/approval-settings", { roles: [] })).statusCode).toBe(403);

    const { caseId } = await t.api.inbound("appr-1", "Can I get a discount?");
    const reply = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "Sure, 50% off!" });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json()).toMatchObject({ status: "pending_approval", review: null });
    const messageId = reply.json().id;
    expect(await outbox(messageId)).toEqual(["message.created", "approval.requested"]);
    expect((await t.api.getCase(caseId)).firstResponseAt).toBeNull();
    // Notes and supervisors' replies are not held.
    const note = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "checking", private: true });
    expect(note.json().status).toBe("sent");

    const pending = await t.api.call("GET", "/api/v1/approvals", undefined, "supervisor");
    expect(pending.json().data).toEqual([
      expect.objectContaining({ id: messageId, text: "Sure, 50% off!", case: expect.objectContaining({ id: caseId }) }),
    ]);
    expect((await t.api.call("GET", "/api/v1/approvals")).statusCode).toBe(403);
    expect((await t.api.call("POST", `/api/v1/approvals/${messageId}/approve`)).statusCode).toBe(403);
    expect(
      (await t.other.call("POST", `/api/v1/approvals/${messageId}/approve`, undefined, "supervisor")).statusCode,
    ).toBe(404);
    expect((await t.other.call("GET", "/api/v1/approvals", undefined, "supervisor")).json().data).toEqual([]);

    await new Promise((r) => setTimeout(r, 300));
    expect(delivered).not.toContain(messageId);

    const approved = await t.api.call("POST", `/api/v1/approvals/${messageId}/approve`, undefined, "supervisor");
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: "queued", review: { by: expect.any(String), note: null } });
    await waitFor(() => delivered.includes(messageId));
    await waitFor(async () => (await t.api.messages(caseId)).find((m) => m.id === messageId)?.status === "sent");
    expect((await t.api.getCase(caseId)).firstResponseAt).not.toBeNull();
    expect(await outbox(messageId)).toEqual(expect.arrayContaining(["reply.approved", "message.queued"]));
    expect((await t.api.events(caseId)).map((e) => e.action)).toContain("reply.approved");

    const again = await t.api.call("POST", `/api/v1/approvals/${messageId}/approve`, undefined, "supervisor");
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ reason: "message_not_pending" });
  });

  it("rejects a reply with a reason the agent sees, and never sends it", async () => {
    const { caseId } = await t.api.inbound("appr-2", "Refund?");
    const reply = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "No." });
    const messageId = reply.json().id;
    expect(
      (await t.api.call("POST", `/api/v1/approvals/${messageId}/reject`, { reason: "" }, "supervisor")).statusCode,
    ).toBe(400);
    const rejected = await t.api.call(
      "POST",
      `/api/v1/approvals/${messageId}/reject`,
      { reason: "Be kinder" },
      "supervisor",
    );
    expect(rejected.statusCode, rejected.body).toBe(200);
    const seen = (await t.api.messages(caseId)).find((m) => m.id === messageId) as unknown as {
      status: string;
      review: { note: string };
    };
    expect(seen).toMatchObject({ status: "rejected", review: { note: "Be kinder" } });
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({
      action: "reply.rejected",
      details: { reason: "Be kinder" },
    });
    expect(await outbox(messageId)).toContain("reply.rejected");
    const late = await t.api.call("POST", `/api/v1/approvals/${messageId}/approve`, undefined, "supervisor");
    expect(late.json().error.reason).toBe("message_not_pending");
    await new Promise((r) => setTimeout(r, 300));
    expect(delivered).not.toContain(messageId);
  });

  it("flags single members by id, who must belong to the workspace", async () => {
    const foreign = await t.api.call("PUT", "/api/v1/approval-settings", { userIds: [t.b.users.agent.id] }, "admin");
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error).toMatchObject({ reason: "user_not_member", details: { field: "userIds[0]" } });
    const put = await t.api.call("PUT", "/api/v1/approval-settings", { userIds: [t.a.users.agent.id] }, "admin");
    expect(put.json()).toEqual({ roles: [], userIds: [t.a.users.agent.id] });
    const { caseId } = await t.api.inbound("appr-3", "Hi");
    const agent = await t.api.asUser("agent");
    expect((await agent("POST", `/api/v1/cases/${caseId}/messages`, { text: "Hello" })).json().status).toBe(
      "pending_approval",
    );
    // The agent token is not that member: its reply goes out.
    expect((await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "Hello" })).json().status).toBe(
      "queued",
    );
  });
});
