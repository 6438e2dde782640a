import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("merge, split and links of cases on %s", (kind) => {
  const t = setupCaseTests(kind);

  const outboxTypes = async (caseId: string) => {
    const { rows } = await sql<{
      type: string;
    }>`select type from outbox where payload->>'caseId' = ${caseId} order by id`.execute(t.env.database.db);
    return rows.map((r) => r.type);
  };

  it("merges a case into another and undoes it exactly, threads and all", async () => {
    const first = await t.api.inbound("merge-1", "My parcel is late");
    await t.api.inbound("merge-1", "Order 77");
    const target = await t.api.inbound("merge-2", "Refund please");
    const tagged = await t.api.call("PATCH", `/api/v1/cases/${first.caseId}`, { tags: ["vip"], status: "pending" });
    expect(tagged.statusCode, tagged.body).toBe(200);

    const merged = await t.api.call("POST", `/api/v1/cases/${first.caseId}/merge`, {
      targetCaseId: target.caseId,
      reason: "same customer, two accounts",
    });
    expect(merged.statusCode, merged.body).toBe(200);
    const { operation } = merged.json();
    expect(operation).toMatchObject({
      kind: "merge",
      caseId: first.caseId,
      targetCaseId: target.caseId,
      undoneAt: null,
    });
    expect(operation.messageIds).toHaveLength(2);
    expect(merged.json().case.tags).toContain("vip");
    expect(await t.api.messages(target.caseId)).toHaveLength(3);
    expect(await t.api.messages(first.caseId)).toHaveLength(0);
    const source = await t.api.getCase(first.caseId);
    expect(source).toMatchObject({ status: "closed", mergedInto: target.caseId });
    const list = await t.api.call("GET", "/api/v1/cases?limit=200");
    expect(list.json().data.map((c: { id: string }) => c.id)).not.toContain(first.caseId);
    const history = await t.api.events(first.caseId);
    expect(history.at(-1)).toMatchObject({
      action: "case.merged",
      actorType: "token",
      actorId: expect.any(String),
      details: { into: target.caseId, reason: "same customer, two accounts", messages: 2 },
    });
    expect((await t.api.events(target.caseId)).at(-1)).toMatchObject({ action: "case.merged-in" });
    expect(await outboxTypes(first.caseId)).toEqual(expect.arrayContaining(["case.merged", "case.updated"]));

    // The customer writes again on the merged thread: it lands in the surviving case, and goes back on undo.
    const later = await t.api.inbound("merge-1", "Any news?");
    expect(later.caseId).toBe(target.caseId);

    const undo = await t.api.call("POST", `/api/v1/case-operations/${operation.id}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect(undo.json().operation.undoneAt).not.toBeNull();
    const restored = await t.api.getCase(first.caseId);
    expect(restored).toMatchObject({ status: "pending", mergedInto: null, tags: ["vip"] });
    expect((await t.api.messages(first.caseId)).map((m) => m.text)).toEqual([
      "My parcel is late",
      "Order 77",
      "Any news?",
    ]);
    expect((await t.api.messages(target.caseId)).map((m) => m.text)).toEqual(["Refund please"]);
    expect((await t.api.getCase(target.caseId)).tags).toEqual([]);
    expect((await t.api.inbound("merge-1", "Hello?")).caseId).toBe(first.caseId);
    expect((await t.api.events(target.caseId)).at(-1)).toMatchObject({ action: "case.unmerged" });

    const twice = await t.api.call("POST", `/api/v1/case-operations/${operation.id}/undo`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.reason).toBe("operation_already_undone");
  });

  it("refuses merging a case with itself, an already merged case, into a merged case, or across workspaces", async () => {
    const one = await t.api.inbound("refuse-1", "one");
    const two = await t.api.inbound("refuse-2", "two");
    const three = await t.api.inbound("refuse-3", "three");
    const foreign = await t.other.inbound("refuse-x", "elsewhere");
    const merge = (from: string, to: string, role: "agent" | "analyst" = "agent") =>
      t.api.call("POST", `/api/v1/cases/${from}/merge`, { targetCaseId: to }, role);

    const self = await merge(one.caseId, one.caseId);
    expect(self.statusCode).toBe(409);
    expect(self.json().error.reason).toBe("case_merge_self");
    const cross = await merge(one.caseId, foreign.caseId);
    expect(cross.statusCode).toBe(404);
    expect(cross.json().error.message).toContain("target case");
    expect((await merge(foreign.caseId, one.caseId)).statusCode).toBe(404);
    expect((await merge(one.caseId, two.caseId, "analyst")).statusCode).toBe(403);
    const bad = await t.api.call("POST", `/api/v1/cases/${one.caseId}/merge`, { targetCaseId: "nope" });
    expect(bad.statusCode).toBe(400);

    expect((await merge(one.caseId, two.caseId)).statusCode).toBe(200);
    const again = await merge(one.caseId, three.caseId);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.reason).toBe("case_already_merged");
    const intoMerged = await merge(three.caseId, one.caseId);
    expect(intoMerged.statusCode).toBe(409);
    expect(intoMerged.json().error.reason).toBe("target_case_merged");

    // Another workspace cannot see or undo this workspace's operations.
    const ops = await t.api.call("GET", `/api/v1/cases/${one.caseId}/operations`);
    const opId = ops.json().data[0].id;
    const foreignUndo = await t.other.call("POST", `/api/v1/case-operations/${opId}/undo`);
    expect(foreignUndo.statusCode).toBe(404);
    expect((await t.other.call("GET", `/api/v1/cases/${one.caseId}/operations`)).statusCode).toBe(404);
  });

  it("refuses undoing a merge once a later merge moved the surviving case", async () => {
    const one = await t.api.inbound("chain-1", "one");
    const two = await t.api.inbound("chain-2", "two");
    const three = await t.api.inbound("chain-3", "three");
    const first = await t.api.call("POST", `/api/v1/cases/${one.caseId}/merge`, { targetCaseId: two.caseId });
    const second = await t.api.call("POST", `/api/v1/cases/${two.caseId}/merge`, { targetCaseId: three.caseId });
    expect(second.statusCode, second.body).toBe(200);
    const blocked = await t.api.call("POST", `/api/v1/case-operations/${first.json().operation.id}/undo`);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.reason).toBe("case_merged");
    expect((await t.api.call("POST", `/api/v1/case-operations/${second.json().operation.id}/undo`)).statusCode).toBe(
      200,
    );
    expect((await t.api.call("POST", `/api/v1/case-operations/${first.json().operation.id}/undo`)).statusCode).toBe(
      200,
    );
    expect((await t.api.messages(one.caseId)).map((m) => m.text)).toEqual(["one"]);
  });

  it("splits chosen messages into a new case that the thread continues in, and undoes the split", async () => {
    const m1 = await t.api.inbound("split-1", "Where is order 12?");
    const m2 = await t.api.inbound("split-1", "Thanks");
    const m3 = await t.api.inbound("split-1", "Also, my invoice address is wrong");
    const caseId = m1.caseId;
    expect(m3.caseId).toBe(caseId);

    const split = await t.api.call("POST", `/api/v1/cases/${caseId}/split`, {
      messageIds: [m3.messageId],
      reason: "new topic",
    });
    expect(split.statusCode, split.body).toBe(201);
    const { operation, case: created } = split.json();
    expect(created).toMatchObject({ subject: "Also, my invoice address is wrong", status: "open" });
    expect(created.number).toBeGreaterThan(0);
    expect(operation.conversationIds).toHaveLength(1);
    expect((await t.api.messages(created.id)).map((m) => m.id)).toEqual([m3.messageId]);
    expect((await t.api.messages(caseId)).map((m) => m.id)).toEqual([m1.messageId, m2.messageId]);
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({
      action: "case.split",
      details: { newCaseId: created.id, reason: "new topic" },
    });
    expect((await t.api.events(created.id)).at(-1)).toMatchObject({
      action: "case.created",
      details: { splitFrom: caseId },
    });
    expect(await outboxTypes(created.id)).toContain("case.created");

    const undo = await t.api.call("POST", `/api/v1/case-operations/${operation.id}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect((await t.api.messages(caseId)).map((m) => m.id)).toEqual([m1.messageId, m2.messageId, m3.messageId]);
    expect(await t.api.getCase(created.id)).toMatchObject({ status: "closed", mergedInto: caseId });
    expect((await t.api.inbound("split-1", "hello again")).caseId).toBe(caseId);

    // Split again: the customer writes on the moved thread, so undoing would lose that; merging is the way back.
    const again = await t.api.call("POST", `/api/v1/cases/${caseId}/split`, {
      messageIds: [m3.messageId],
      subject: "Invoice",
    });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().case.subject).toBe("Invoice");
    // m3 was not the thread's latest message any more: the thread stays with the original case.
    expect(again.json().operation.conversationIds).toEqual([]);
    const reply = await t.api.call("POST", `/api/v1/cases/${again.json().case.id}/messages`, {
      text: "note",
      private: true,
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const refused = await t.api.call("POST", `/api/v1/case-operations/${again.json().operation.id}/undo`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.reason).toBe("split_case_has_new_messages");
  });

  it("refuses a split taking every message, foreign messages, or another workspace's case", async () => {
    const m1 = await t.api.inbound("split-bad", "only one");
    const m2 = await t.api.inbound("split-bad", "two");
    const foreign = await t.other.inbound("split-x", "elsewhere");
    const all = await t.api.call("POST", `/api/v1/cases/${m1.caseId}/split`, {
      messageIds: [m1.messageId, m2.messageId],
    });
    expect(all.statusCode).toBe(409);
    expect(all.json().error.reason).toBe("split_takes_all");
    const stranger = await t.api.call("POST", `/api/v1/cases/${m1.caseId}/split`, { messageIds: [foreign.messageId] });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json().error).toMatchObject({
      reason: "message_not_in_case",
      details: { messageIds: [foreign.messageId] },
    });
    const empty = await t.api.call("POST", `/api/v1/cases/${m1.caseId}/split`, { messageIds: [] });
    expect(empty.statusCode).toBe(400);
    const cross = await t.other.call("POST", `/api/v1/cases/${m1.caseId}/split`, { messageIds: [m1.messageId] });
    expect(cross.statusCode).toBe(404);
  });

  it("links cases both ways with a kind, once, with one parent, and unlinks them", async () => {
    const one = await t.api.inbound("link-1", "one");
    const two = await t.api.inbound("link-2", "two");
    const three = await t.api.inbound("link-3", "three");
    const foreign = await t.other.inbound("link-x", "elsewhere");
    const link = (from: string, to: string, kindOf: string) =>
      t.api.call("POST", `/api/v1/cases/${from}/links`, { caseId: to, kind: kindOf });

    expect((await link(one.caseId, two.caseId, "parent")).statusCode).toBe(201);
    const mine = await t.api.call("GET", `/api/v1/cases/${one.caseId}/links`);
    expect(mine.json().data).toEqual([expect.objectContaining({ caseId: two.caseId, kind: "parent" })]);
    const theirs = await t.api.call("GET", `/api/v1/cases/${two.caseId}/links`);
    expect(theirs.json().data).toEqual([expect.objectContaining({ caseId: one.caseId, kind: "child" })]);
    expect((await t.api.events(two.caseId)).at(-1)).toMatchObject({
      action: "case.linked",
      details: { kind: "child" },
    });

    const dup = await link(two.caseId, one.caseId, "related");
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.reason).toBe("case_link_exists");
    const secondParent = await link(one.caseId, three.caseId, "parent");
    expect(secondParent.statusCode).toBe(409);
    expect(secondParent.json().error.reason).toBe("case_has_parent");
    expect((await link(one.caseId, one.caseId, "related")).json().error.reason).toBe("case_link_self");
    expect((await link(one.caseId, foreign.caseId, "related")).statusCode).toBe(404);
    expect((await t.other.call("GET", `/api/v1/cases/${one.caseId}/links`)).statusCode).toBe(404);
    expect((await link(one.caseId, three.caseId, "sibling")).statusCode).toBe(400);
    expect((await link(one.caseId, three.caseId, "duplicate")).statusCode).toBe(201);

    const removed = await t.api.call("DELETE", `/api/v1/cases/${two.caseId}/links/${one.caseId}`);
    expect(removed.statusCode).toBe(204);
    expect((await t.api.call("GET", `/api/v1/cases/${one.caseId}/links`)).json().data).toEqual([
      expect.objectContaining({ caseId: three.caseId, kind: "duplicate" }),
    ]);
    const gone = await t.api.call("DELETE", `/api/v1/cases/${two.caseId}/links/${one.caseId}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.reason).toBe("case_link_not_found");
  });

  it("gives a merged case its custom status back on undo, and copies custom fields into a split", async () => {
    const status = await t.api.call(
      "POST",
      "/api/v1/case-statuses",
      { name: "Waiting on warehouse", type: "pending" },
      "admin",
    );
    await t.api.call(
      "POST",
      "/api/v1/case-fields",
      { key: "store", label: "Store", type: "select", options: ["paris"] },
      "admin",
    );
    const one = await t.api.inbound("custom-1", "first");
    await t.api.inbound("custom-1", "second");
    const two = await t.api.inbound("custom-2", "other");
    const set = await t.api.call("PATCH", `/api/v1/cases/${one.caseId}`, {
      customStatusId: status.json().id,
      customFields: { store: "paris" },
    });
    expect(set.statusCode, set.body).toBe(200);
    const listed = await t.api.call("GET", `/api/v1/cases?customStatusId=${status.json().id}`);
    expect(listed.json().data.map((c: { id: string }) => c.id)).toEqual([one.caseId]);

    const merged = await t.api.call("POST", `/api/v1/cases/${one.caseId}/merge`, { targetCaseId: two.caseId });
    expect(await t.api.getCase(one.caseId)).toMatchObject({ status: "closed", customStatusId: null });
    await t.api.call("POST", `/api/v1/case-operations/${merged.json().operation.id}/undo`);
    expect(await t.api.getCase(one.caseId)).toMatchObject({ status: "pending", customStatusId: status.json().id });

    const split = await t.api.call("POST", `/api/v1/cases/${one.caseId}/split`, { messageIds: [one.messageId] });
    expect(split.statusCode, split.body).toBe(201);
    expect(split.json().case.customFields).toEqual({ store: "paris" });
  });
});
