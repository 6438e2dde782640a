import { sql } from "kysely";
import { io as connect, type Socket } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { createDispatcher } from "../../platform/outbox.ts";
import { createRealtimeHub } from "../../platform/realtime.ts";
import { realtimeAuthenticator } from "../tenancy/index.ts";
import { setupCaseTests } from "./test-helpers.ts";
import { mentionKeysOf, parseMentionHandles } from "./use-cases/mentions.ts";

describe("mention handles", () => {
  it("reads handles and emails after @, lower-cased, without trailing punctuation, not inside an email", () => {
    expect(parseMentionHandles("@Ann please look, cc @bob.lee. and ann@example.com @li.wei@shop.cn")).toEqual([
      "ann",
      "bob.lee",
      "li.wei@shop.cn",
    ]);
    expect(parseMentionHandles("@王芳 看一下")).toEqual(["王芳"]);
    expect(parseMentionHandles("no mention @ here")).toEqual([]);
  });

  it("lets a member be named by email, its local part or the name without spaces", () => {
    expect(mentionKeysOf({ email: "Ann.Lee@Shop.test", name: "Ann Lee" })).toEqual([
      "ann.lee@shop.test",
      "ann.lee",
      "annlee",
    ]);
  });
});

describe.each(TEST_DATABASES)("@mentions in internal notes on %s", (kind) => {
  const t = setupCaseTests(kind);

  const mentionEvents = async (messageId: string) => {
    const { rows } = await sql<{ payload: { userId: string } }>`
      select payload from outbox where type = 'mention.created' and payload->>'messageId' = ${messageId}`.execute(
      t.env.database.db,
    );
    return rows.map((r) => r.payload.userId);
  };

  it("stores the members a note mentions, notifies each once, and lists them to the mentioned member only", async () => {
    const { caseId } = await t.api.inbound("mention-1", "My order is late");
    const supervisor = await t.api.asUser("supervisor");
    const note = await supervisor("POST", `/api/v1/cases/${caseId}/messages`, {
      text: "@agent can you check? cc @AGENT. and @nobody, and me @supervisor",
      private: true,
    });
    expect(note.statusCode, note.body).toBe(201);
    const noteId = note.json().id;
    // Once per member, never the author, never an unknown handle.
    expect(await mentionEvents(noteId)).toEqual([t.a.users.agent.id]);
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({
      action: "note.added",
      details: { messageId: noteId, mentionedUserIds: [t.a.users.agent.id] },
    });

    const agent = await t.api.asUser("agent");
    const mine = await agent("GET", "/api/v1/mentions");
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().data).toEqual([
      expect.objectContaining({
        caseId,
        messageId: noteId,
        author: { type: "user", id: t.a.users.supervisor.id },
        text: expect.stringContaining("@agent can you check?"),
        case: expect.objectContaining({ id: caseId, subject: expect.any(String) }),
      }),
    ]);
    expect((await supervisor("GET", "/api/v1/mentions")).json().data).toEqual([]);
    // The Mentions view of the inbox: cases whose notes mention me.
    const cases = await agent("GET", "/api/v1/cases?mentioned=me");
    expect(cases.json().data.map((c: { id: string }) => c.id)).toEqual([caseId]);
    expect((await supervisor("GET", "/api/v1/cases?mentioned=me")).json().data).toEqual([]);
  });

  it("ignores @ in public replies and asks a member's session, not a token", async () => {
    const { caseId } = await t.api.inbound("mention-2", "Hello");
    const reply = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, { text: "Hi @agent" });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(await mentionEvents(reply.json().id)).toEqual([]);
    const token = await t.api.call("GET", "/api/v1/mentions");
    expect(token.statusCode).toBe(400);
    expect(token.json().error.reason).toBe("mentions_need_member");
  });

  it("pages mentions newest first with a cursor and refuses a cursor it did not issue", async () => {
    const { caseId } = await t.api.inbound("mention-3", "Another one");
    const admin = await t.api.asUser("admin");
    for (const n of [1, 2, 3]) {
      const res = await admin("POST", `/api/v1/cases/${caseId}/messages`, { text: `note ${n} @agent`, private: true });
      expect(res.statusCode).toBe(201);
    }
    const agent = await t.api.asUser("agent");
    const first = (await agent("GET", "/api/v1/mentions?limit=2")).json();
    expect(first.data.map((m: { text: string }) => m.text)).toEqual(["note 3 @agent", "note 2 @agent"]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await agent("GET", `/api/v1/mentions?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.data.map((m: { text: string }) => m.text)[0]).toBe("note 1 @agent");
    const bad = await agent("GET", "/api/v1/mentions?cursor=bm9wZQ");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.reason).toBe("cursor_invalid");
  });

  it("resolves handles among the note's own workspace only: another workspace sees none of it", async () => {
    const { caseId } = await t.api.inbound("mention-4", "Iso");
    const admin = await t.api.asUser("admin");
    // The other workspace's agent has an email too, but only workspace A's members can be mentioned here.
    const foreignEmail = t.b.users.agent.email;
    const note = await admin("POST", `/api/v1/cases/${caseId}/messages`, {
      text: `@${foreignEmail} and @analyst`,
      private: true,
    });
    expect(await mentionEvents(note.json().id)).toEqual([t.a.users.analyst.id]);
    const foreignAgent = await t.other.asUser("agent");
    expect((await foreignAgent("GET", "/api/v1/mentions")).json().data).toEqual([]);
    expect((await foreignAgent("GET", "/api/v1/cases?mentioned=me")).json().data).toEqual([]);

    // A note in workspace B mentions B's agent, who sees it; A's agent does not.
    const other = await t.other.inbound("mention-5", "Hi B");
    const bAdmin = await t.other.asUser("admin");
    await bAdmin("POST", `/api/v1/cases/${other.caseId}/messages`, { text: "@agent B", private: true });
    expect((await foreignAgent("GET", "/api/v1/mentions")).json().data.map((m: { text: string }) => m.text)).toEqual([
      "@agent B",
    ]);
    const agentA = await t.api.asUser("agent");
    expect(
      (await agentA("GET", "/api/v1/mentions?limit=200")).json().data.map((m: { text: string }) => m.text),
    ).not.toContain("@agent B");
  });

  it("reaches the console's sockets live as mention.created, never another workspace's", async () => {
    const hub = createRealtimeHub({ authenticate: realtimeAuthenticator(t.env), httpServer: t.env.app.server });
    const url = await t.env.app.listen({ port: 0, host: "127.0.0.1" });
    // What main.ts does with every committed event.
    const dispatcher = createDispatcher(t.env.database, { pollIntervalMs: 50 });
    dispatcher.on("*", "realtime.broadcast", async (event) => {
      hub.toWorkspace(event.workspaceId, event.type, { id: event.id, ...(event.payload as object) });
    });
    const sockets: Socket[] = [];
    const listen = async (token: string) => {
      const socket = connect(url, { transports: ["websocket"], reconnection: false, auth: { token } });
      sockets.push(socket);
      const heard: { userId: string; caseId: string }[] = [];
      socket.on("mention.created", (payload: { userId: string; caseId: string }) => heard.push(payload));
      await new Promise<void>((resolve, reject) => {
        socket.on("connect", () => resolve());
        socket.on("connect_error", reject);
      });
      return heard;
    };
    try {
      const mine = await listen(t.a.tokens.agent);
      const theirs = await listen(t.b.tokens.agent);
      await dispatcher.start();
      const { caseId } = await t.api.inbound("mention-live", "Live?");
      const admin = await t.api.asUser("admin");
      await admin("POST", `/api/v1/cases/${caseId}/messages`, { text: "@agent live one", private: true });
      await waitFor(() => mine.some((m) => m.caseId === caseId));
      expect(mine.find((m) => m.caseId === caseId)).toMatchObject({ userId: t.a.users.agent.id });
      await new Promise((r) => setTimeout(r, 200));
      // (The other workspace hears its own earlier mentions, replayed from the outbox, but never this one.)
      expect(theirs.filter((m) => m.caseId === caseId)).toEqual([]);
      expect(theirs.every((m) => m.userId === t.b.users.agent.id)).toBe(true);
    } finally {
      for (const socket of sockets) socket.disconnect();
      await dispatcher.stop();
      await hub.close();
    }
  });
});
