import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { caseApi } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("custom statuses, custom fields and followers of cases on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let api: Awaited<ReturnType<typeof caseApi>>;
  let other: Awaited<ReturnType<typeof caseApi>>;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    api = await caseApi(env, a);
    other = await caseApi(env, b);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("maps a workspace's own statuses onto the five status types", async () => {
    const created = await api.call(
      "POST",
      "/api/v1/case-statuses",
      { name: "Waiting for warehouse", type: "pending" },
      "admin",
    );
    expect(created.statusCode, created.body).toBe(201);
    const statusId = created.json().id;
    expect((await api.call("POST", "/api/v1/case-statuses", { name: "x", type: "open" })).statusCode).toBe(403);
    const dup = await api.call(
      "POST",
      "/api/v1/case-statuses",
      { name: "waiting FOR warehouse", type: "on-hold" },
      "admin",
    );
    expect(dup.json().error.reason).toBe("case_status_name_taken");
    expect((await api.call("POST", "/api/v1/case-statuses", { name: "x", type: "stuck" }, "admin")).statusCode).toBe(
      400,
    );
    expect((await api.call("GET", "/api/v1/case-statuses")).json().data).toEqual([
      { id: statusId, name: "Waiting for warehouse", type: "pending", position: 0 },
    ]);

    const { caseId } = await api.inbound("status-1", "where is it?");
    const set = await api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: statusId });
    expect(set.json()).toMatchObject({ status: "pending", customStatusId: statusId });
    const mismatch = await api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: statusId, status: "open" });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.reason).toBe("case_status_mismatch");
    const foreignStatus = (
      await other.call("POST", "/api/v1/case-statuses", { name: "Theirs", type: "open" }, "admin")
    ).json().id;
    const foreign = await api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: foreignStatus });
    expect(foreign.json().error).toMatchObject({
      reason: "case_status_not_found",
      details: { field: "customStatusId" },
    });
    expect((await other.call("GET", "/api/v1/case-statuses")).json().data.map((s: { name: string }) => s.name)).toEqual(
      ["Theirs"],
    );
    expect((await other.call("DELETE", `/api/v1/case-statuses/${statusId}`, undefined, "admin")).statusCode).toBe(404);

    expect((await api.call("DELETE", `/api/v1/case-statuses/${statusId}`, undefined, "admin")).statusCode).toBe(204);
    expect(await api.getCase(caseId)).toMatchObject({ status: "pending", customStatusId: null });
    const again = await api.call("POST", "/api/v1/case-statuses", { name: "Escalated", type: "open" }, "admin");
    await api.call("PATCH", `/api/v1/cases/${caseId}`, { customStatusId: again.json().id });
    const plain = await api.call("PATCH", `/api/v1/cases/${caseId}`, { status: "on-hold" });
    expect(plain.json()).toMatchObject({ status: "on-hold", customStatusId: null });
  });

  it("validates custom field values against their type, naming the field", async () => {
    const define = (body: object) => api.call("POST", "/api/v1/case-fields", body, "admin");
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
    expect((await api.call("POST", "/api/v1/case-fields", { key: "x", label: "x", type: "text" })).statusCode).toBe(
      403,
    );

    const { caseId } = await api.inbound("fields-1", "refund");
    const patch = (customFields: object) => api.call("PATCH", `/api/v1/cases/${caseId}`, { customFields });
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
    expect((await api.events(caseId)).at(-1)).toMatchObject({
      action: "case.updated",
      details: { changes: { customFields: {} } },
    });
    expect((await other.call("GET", "/api/v1/case-fields")).json().data).toEqual([]);
  });

  it("lets members follow a case and stop following it", async () => {
    const { caseId } = await api.inbound("follow-1", "hi");
    const agent = await api.asUser("agent");
    expect((await agent("POST", `/api/v1/cases/${caseId}/followers`, {})).statusCode).toBe(201);
    expect((await agent("POST", `/api/v1/cases/${caseId}/followers`, {})).statusCode).toBe(201);
    expect(
      (await api.call("POST", `/api/v1/cases/${caseId}/followers`, { userId: a.users.supervisor.id })).statusCode,
    ).toBe(201);
    const list = await api.call("GET", `/api/v1/cases/${caseId}/followers`);
    expect(list.json().data.map((f: { userId: string }) => f.userId)).toEqual([
      a.users.agent.id,
      a.users.supervisor.id,
    ]);
    expect((await api.call("POST", `/api/v1/cases/${caseId}/followers`, {})).json().error.reason).toBe("user_required");
    const stranger = await api.call("POST", `/api/v1/cases/${caseId}/followers`, { userId: b.users.agent.id });
    expect(stranger.json().error.reason).toBe("user_not_member");
    expect((await api.events(caseId)).at(-1)).toMatchObject({ action: "case.followed" });
    expect((await other.call("GET", `/api/v1/cases/${caseId}/followers`)).statusCode).toBe(404);
    expect((await other.call("DELETE", `/api/v1/cases/${caseId}/followers/${a.users.agent.id}`)).statusCode).toBe(404);
    expect((await agent("DELETE", `/api/v1/cases/${caseId}/followers/${a.users.agent.id}`)).statusCode).toBe(204);
    const gone = await agent("DELETE", `/api/v1/cases/${caseId}/followers/${a.users.agent.id}`);
    expect(gone.json().error.reason).toBe("follower_not_found");
  });
});
