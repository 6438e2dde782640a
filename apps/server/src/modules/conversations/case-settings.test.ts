import { describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("custom statuses, custom fields and followers of cases on %s", (kind) => {
  const t = setupCaseTests(kind);

  it("maps a workspace's own statuses onto the five status types", async () => {
    const created = await t.api.call(
      "POST",
      "/api/v1/case-statuses",
      { name: "Waiting for warehouse", type: "pending" },
      "admin",
    );
    expect(created.statusCode, created.body).toBe(201);
    const statusId = created.json().id;
    expect((await t.api.call("POST", "/api/v1/case-statuses", { name: "x", type: "open" })).statusCode).toBe(403);
    const dup = await t.api.call(
      "POST",
      "/api/v1/case-statuses",
      { name: "waiting FOR warehouse", type: "on-hold" },
      "admin",
    );
    expect(dup.json().error.reason).toBe("case_status_name_taken");
    expect((await t.api.call("POST", "/api/v1/case-statuses", { name: "x", type: "stuck" }, "admin")).statusCode).toBe(
      400,
    );
    expect((await t.api.call("GET", "/api/v1/case-statuses")).json().data).toEqual([
      { id: statusId, name: "Waiting for warehouse", type: "pending", position: 0 },
    ]);

    const { caseId } = await t.api.inbound("status-1", "where is it?");
    const set = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: statusId });
    expect(set.json()).toMatchObject({ status: "pending", customStatusId: statusId });
    const mismatch = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: statusId, status: "open" });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.reason).toBe("case_status_mismatch");
    const foreignStatus = (
      await t.other.call("POST", "/api/v1/case-statuses", { name: "Theirs", type: "open" }, "admin")
    ).json().id;
    const foreign = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: foreignStatus });
    expect(foreign.json().error).toMatchObject({
      reason: "case_status_not_found",
      details: { field: "customStatusId" },
    });
    expect(
      (await t.other.call("GET", "/api/v1/case-statuses")).json().data.map((s: { name: string }) => s.name),
    ).toEqual(["Theirs"]);
    expect((await t.other.call("DELETE", `/api/v1/case-statuses/${statusId}`, undefined, "admin")).statusCode).toBe(
      404,
    );

    expect((await t.api.call("DELETE", `/api/v1/case-statuses/${statusId}`, undefined, "admin")).statusCode).toBe(204);
    expect(await t.api.getCase(caseId)).toMatchObject({ status: "pending", customStatusId: null });
    const again = await t.api.call("POST", "/api/v1/case-statuses", { name: "Escalated", type: "open" }, "admin");
    await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: again.json().id });
    const plain = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { status: "on-hold" });
    expect(plain.json()).toMatchObject({ status: "on-hold", customStatusId: null });

    // A customer message that reopens a case drops the solved-type custom status with the status.
    const done = await t.api.call("POST", "/api/v1/case-statuses", { name: "Refunded", type: "solved" }, "admin");
    const solved = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: done.json().id });
    expect(solved.json()).toMatchObject({ status: "solved", customStatusId: done.json().id });
    expect((await t.api.inbound("status-1", "it came back broken")).caseId).toBe(caseId);
    expect(await t.api.getCase(caseId)).toMatchObject({ status: "open", customStatusId: null });
  });

  it("validates custom field values against their type, naming the field", async () => {
    const define = (body: object) => t.api.call("POST", "/api/v1/case-fields", body, "admin");
    expect((await define({ key: "refund_amount", label: "Refund", type: "number" })).statusCode).toBe(201);
    expect((await define({ key: "store", label: "Store", type: "select", options: ["web", "paris"] })).statusCode).toBe(
      201,
    );
    expect((await define({ key: "due", label: "Due", type: "date" })).statusCode).toBe(201);
    expect((await define({ key: "bad", label: "Bad", type: "select" })).json().error.reason).toBe(
      "case_field_options_required",
    );
    expect((await define({ key: "due", label: "Again", type: "text" })).json().error.reason).toBe(
      "case_field_key_taken",
    );
    expect((await define({ key: "Not A Key", label: "x", type: "text" })).statusCode).toBe(400);
    expect((await t.api.call("POST", "/api/v1/case-fields", { key: "x", label: "x", type: "text" })).statusCode).toBe(
      403,
    );

    const { caseId } = await t.api.inbound("fields-1", "refund");
    const patch = (customFields: object) => t.api.call("PATCH", `/api/v1/cases/${caseId}`, { customFields });
    const wrongType = await patch({ refund_amount: "ten" });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({
      reason: "case_field_invalid",
      details: { field: "customFields.refund_amount" },
    });
    const notAnOption = await patch({ store: "london" });
    expect(notAnOption.json().error.details).toEqual({ field: "customFields.store", allowed: ["web", "paris"] });
    expect((await patch({ due: "2026-13-45" })).statusCode).toBe(400);
    expect((await patch({ colour: "red" })).json().error).toMatchObject({
      reason: "case_field_unknown",
      details: { field: "customFields.colour" },
    });

    const ok = await patch({ refund_amount: 12.5, store: "paris", due: "2026-12-24" });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().customFields).toEqual({ due: "2026-12-24", refund_amount: 12.5, store: "paris" });
    expect((await patch({ store: null })).json().customFields).toEqual({ due: "2026-12-24", refund_amount: 12.5 });
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({
      action: "case.updated",
      details: { changes: { customFields: {} } },
    });
    expect((await t.other.call("GET", "/api/v1/case-fields")).json().data).toEqual([]);
  });

  it("lets members follow a case and stop following it", async () => {
    const { caseId } = await t.api.inbound("follow-1", "hi");
    const agent = await t.api.asUser("agent");
    expect((await agent("POST", `/api/v1/cases/${caseId}/followers`, {})).statusCode).toBe(201);
    expect((await agent("POST", `/api/v1/cases/${caseId}/followers`, {})).statusCode).toBe(201);
    expect(
      (await t.api.call("POST", `/api/v1/cases/${caseId}/followers`, { userId: t.a.users.supervisor.id })).statusCode,
    ).toBe(201);
    const list = await t.api.call("GET", `/api/v1/cases/${caseId}/followers`);
    expect(list.json().data.map((f: { userId: string }) => f.userId)).toEqual([
      t.a.users.agent.id,
      t.a.users.supervisor.id,
    ]);
    expect((await t.api.call("POST", `/api/v1/cases/${caseId}/followers`, {})).json().error.reason).toBe(
      "user_required",
    );
    const stranger = await t.api.call("POST", `/api/v1/cases/${caseId}/followers`, { userId: t.b.users.agent.id });
    expect(stranger.json().error.reason).toBe("user_not_member");
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({ action: "case.followed" });
    expect((await t.other.call("GET", `/api/v1/cases/${caseId}/followers`)).statusCode).toBe(404);
    expect((await t.other.call("DELETE", `/api/v1/cases/${caseId}/followers/${t.a.users.agent.id}`)).statusCode).toBe(
      404,
    );
    expect((await agent("DELETE", `/api/v1/cases/${caseId}/followers/${t.a.users.agent.id}`)).statusCode).toBe(204);
    const gone = await agent("DELETE", `/api/v1/cases/${caseId}/followers/${t.a.users.agent.id}`);
    expect(gone.json().error.reason).toBe("follower_not_found");
  });
});
