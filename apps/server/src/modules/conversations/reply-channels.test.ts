import { beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { caseApi, setupCaseTests } from "./test-helpers.ts";

type Listed = {
  id: string;
  caseId: string;
  channelId: string;
  case?: { number: number; status: string };
};

describe.each(TEST_DATABASES)("replying on another of the contact's channels on %s", (kind) => {
  const t = setupCaseTests(kind);
  let second: Awaited<ReturnType<typeof caseApi>>;

  beforeAll(async () => {
    second = await caseApi(t.env, t.a);
  });

  const conversations = async (caseId: string) => {
    const res = await t.api.call("GET", `/api/v1/cases/${caseId}/conversations?include=contact`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as Listed[];
  };

  it("lists the contact's thread on another channel and moves it into the case on reply", async () => {
    // The customer wrote on the second channel once (a solved case), then on the first.
    const old = await second.inbound("Zoé Two Channels", "First question on the second channel");
    expect((await t.api.call("PATCH", `/api/v1/cases/${old.caseId}`, { status: "solved" })).statusCode).toBe(200);
    const now = await t.api.inbound("Zoé Two Channels", "Now I write on the first one");
    const current = await t.api.getCase(now.caseId);
    const oldCase = await t.api.getCase(old.caseId);
    expect(current.contact.id).toBe(oldCase.contact.id);

    const listed = await conversations(now.caseId);
    expect(listed.map((c) => c.channelId)).toEqual([t.api.channelId, second.channelId]);
    expect(listed[0]?.caseId).toBe(now.caseId);
    expect(listed[1]).toMatchObject({ caseId: old.caseId, case: { number: oldCase.number, status: "solved" } });
    // Without include=contact, only the case's own threads.
    const own = await t.api.call("GET", `/api/v1/cases/${now.caseId}/conversations`);
    expect(own.json().data).toHaveLength(1);

    const reply = await t.api.call("POST", `/api/v1/cases/${now.caseId}/messages`, {
      text: "Answering on your other channel",
      channelId: second.channelId,
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().channelId).toBe(second.channelId);
    expect((await conversations(now.caseId)).map((c) => [c.channelId, c.caseId])).toEqual([
      [t.api.channelId, now.caseId],
      [second.channelId, now.caseId],
    ]);
    expect((await t.api.getCase(now.caseId)).channelIds).toContain(second.channelId);
    const history = await t.api.events(now.caseId);
    expect(history.find((e) => e.action === "conversation.attached")?.details).toMatchObject({
      channelId: second.channelId,
      fromCaseId: old.caseId,
      fromCaseNumber: oldCase.number,
    });
    // The customer's answer on that channel now lands in this case.
    const answer = await second.inbound("Zoé Two Channels", "Thanks, got it");
    expect(answer.caseId).toBe(now.caseId);
  });

  it("refuses to take a thread from a case still being worked on, and a channel the contact never used", async () => {
    const busy = await second.inbound("Yann Busy", "Open question on the second channel");
    const now = await t.api.inbound("Yann Busy", "And another on the first");
    expect(now.caseId).not.toBe(busy.caseId);
    const listed = await conversations(now.caseId);
    expect(listed[1]).toMatchObject({ caseId: busy.caseId, case: { status: "open" } });
    const refused = await t.api.call("POST", `/api/v1/cases/${now.caseId}/messages`, {
      text: "Trying the busy thread",
      channelId: second.channelId,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.reason).toBe("conversation_in_open_case");
    expect(refused.json().error.message).toContain("reply there, or merge");

    const lonely = await t.api.inbound("Only One Channel", "Hello");
    const never = await t.api.call("POST", `/api/v1/cases/${lonely.caseId}/messages`, {
      text: "On a channel they never used",
      channelId: second.channelId,
    });
    expect(never.statusCode).toBe(409);
    expect(never.json().error.reason).toBe("channel_not_in_case");
  });

  it("never lists or takes another workspace's threads", async () => {
    await t.other.inbound("Zoé Two Channels", "Same name in another workspace");
    const now = await t.api.inbound("Zoé Elsewhere", "Hi");
    const listed = await conversations(now.caseId);
    expect(listed.every((c) => c.channelId !== t.other.channelId)).toBe(true);
    const refused = await t.api.call("POST", `/api/v1/cases/${now.caseId}/messages`, {
      text: "Their channel",
      channelId: t.other.channelId,
    });
    expect(refused.statusCode).toBe(409);
    const theirs = await t.other.call("GET", `/api/v1/cases/${now.caseId}/conversations?include=contact`);
    expect(theirs.statusCode).toBe(404);
  });
});
