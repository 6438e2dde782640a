import { beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("macros on %s", (kind) => {
  const t = setupCaseTests(kind);
  let teamId: string;
  let quickReplyId: string;

  beforeAll(async () => {
    teamId = (await t.api.call("POST", "/api/v1/teams", { name: "Refunds" }, "admin")).json().id;
    const qr = await t.api.call(
      "POST",
      "/api/v1/quick-replies",
      {
        scope: "workspace",
        shortcut: "refunded",
        title: "Refunded",
        body: "Hi {{contact.first_name}}, your refund is on its way.",
      },
      "admin",
    );
    quickReplyId = qr.json().id;
  });

  const macro = (actions: object[], name = `m-${Math.random()}`) => ({ name, actions });

  it("applies every action of a macro in one go, through the case's usual rules, and says so in the history", async () => {
    const created = await t.api.call(
      "POST",
      "/api/v1/macros",
      macro(
        [
          { type: "quick_reply", quickReplyId },
          { type: "note", text: "Refund issued for case {{case.number}}" },
          { type: "add_tags", tags: ["Refund", "paid"] },
          { type: "remove_tags", tags: ["paid"] },
          { type: "set_status", status: "pending" },
          { type: "set_priority", priority: "high" },
          { type: "assign_agent", userId: t.a.users.agent.id },
          { type: "assign_team", teamId },
        ],
        "Refund done",
      ),
      "supervisor",
    );
    expect(created.statusCode, created.body).toBe(201);
    expect((await t.api.call("GET", "/api/v1/macros")).json().data.map((m: { name: string }) => m.name)).toContain(
      "Refund done",
    );

    const { caseId } = await t.api.inbound("Ana Souza", "Please refund order 9");
    const number = (await t.api.getCase(caseId)).number;
    const applied = await t.api.call("POST", `/api/v1/cases/${caseId}/macros/${created.json().id}/apply`);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json().case).toMatchObject({
      status: "pending",
      priority: "high",
      tags: ["refund"],
      assigneeId: t.a.users.agent.id,
      teamId,
    });
    expect(applied.json().messages).toEqual([
      expect.objectContaining({ text: "Hi Ana, your refund is on its way.", status: "queued", private: false }),
      expect.objectContaining({ text: `Refund issued for case ${number}`, private: true }),
    ]);
    const history = await t.api.events(caseId);
    expect(history.find((e) => e.action === "case.updated")?.details).toMatchObject({ why: ['macro "Refund done"'] });
    expect(history.at(-1)).toMatchObject({ action: "macro.applied", details: { name: "Refund done" } });
  });

  it("checks members, teams, quick replies and variables when a macro is saved, naming the field", async () => {
    const foreignTeam = (await t.other.call("POST", "/api/v1/teams", { name: "X" }, "admin")).json().id;
    const personal = (
      await t.api.call("POST", "/api/v1/quick-replies", { shortcut: "mine", title: "Mine", body: "x" }, "supervisor")
    ).json().id;
    const refusals: [object[], string, string][] = [
      [
        [
          { type: "set_status", status: "open" },
          { type: "assign_agent", userId: t.b.users.agent.id },
        ],
        "actions[1].userId",
        "assignee_not_member",
      ],
      [[{ type: "assign_agent", userId: t.a.users.analyst.id }], "actions[0].userId", "assignee_cannot_work_cases"],
      [[{ type: "assign_team", teamId: foreignTeam }], "actions[0].teamId", "team_not_found"],
      [[{ type: "quick_reply", quickReplyId: personal }], "actions[0].quickReplyId", "quick_reply_personal"],
      [[{ type: "reply", text: "Order {{order.id}}" }], "actions[0].text", "template_unknown_variables"],
    ];
    for (const [actions, field, reason] of refusals) {
      const res = await t.api.call("POST", "/api/v1/macros", macro(actions), "supervisor");
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ reason, details: { field } });
    }
    const unknownType = await t.api.call("POST", "/api/v1/macros", macro([{ type: "launch_rocket" }]), "supervisor");
    expect(unknownType.statusCode).toBe(400);
    expect((await t.api.call("POST", "/api/v1/macros", macro([]), "supervisor")).statusCode).toBe(400);
    expect(
      (await t.api.call("POST", "/api/v1/macros", macro([{ type: "set_status", status: "open" }]))).statusCode,
    ).toBe(403);
    const dup = await t.api.call(
      "POST",
      "/api/v1/macros",
      macro([{ type: "set_status", status: "open" }], "refund DONE"),
      "admin",
    );
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.reason).toBe("macro_name_taken");

    const made = await t.api.call(
      "POST",
      "/api/v1/macros",
      macro([{ type: "set_priority", priority: "low" }]),
      "admin",
    );
    const id = made.json().id;
    const badPatch = await t.api.call(
      "PATCH",
      `/api/v1/macros/${id}`,
      { actions: [{ type: "assign_team", teamId: foreignTeam }] },
      "admin",
    );
    expect(badPatch.json().error.details.field).toBe("actions[0].teamId");
    expect((await t.api.call("PATCH", `/api/v1/macros/${id}`, { name: "Low" }, "admin")).json().name).toBe("Low");
    expect((await t.other.call("GET", `/api/v1/macros/${id}`)).statusCode).toBe(404);
    expect((await t.other.call("DELETE", `/api/v1/macros/${id}`, undefined, "admin")).statusCode).toBe(404);
    expect((await t.api.call("DELETE", `/api/v1/macros/${id}`, undefined, "admin")).statusCode).toBe(204);
    expect((await t.api.call("GET", `/api/v1/macros/${id}`)).statusCode).toBe(404);
  });

  it("rolls every action back when one is refused, and hides other workspaces' macros and cases", async () => {
    const { caseId } = await t.api.inbound("closed-1", "thanks, bye");
    expect((await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { status: "closed" })).statusCode).toBe(200);
    const reopen = await t.api.call(
      "POST",
      "/api/v1/macros",
      macro([
        { type: "reply", text: "Reopening" },
        { type: "set_status", status: "open" },
      ]),
      "admin",
    );
    const refused = await t.api.call("POST", `/api/v1/cases/${caseId}/macros/${reopen.json().id}/apply`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.reason).toBe("case_closed");
    expect(await t.api.messages(caseId)).toHaveLength(1);

    const foreign = await t.other.inbound("x", "elsewhere");
    expect(
      (await t.other.call("POST", `/api/v1/cases/${foreign.caseId}/macros/${reopen.json().id}/apply`)).statusCode,
    ).toBe(404);
    expect(
      (await t.api.call("POST", `/api/v1/cases/${foreign.caseId}/macros/${reopen.json().id}/apply`)).statusCode,
    ).toBe(404);
    expect(
      (await t.api.call("POST", `/api/v1/cases/${caseId}/macros/${reopen.json().id}/apply`, undefined, "analyst"))
        .statusCode,
    ).toBe(403);
  });
});
