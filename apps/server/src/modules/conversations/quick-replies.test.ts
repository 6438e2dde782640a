import { describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

describe.each(TEST_DATABASES)("quick replies on %s", (kind) => {
  const t = setupCaseTests(kind);

  const greet = {
    scope: "workspace",
    shortcut: "Greet",
    title: "Greeting",
    body: "Hi {{contact.first_name|there}}, this is {{ agent.name }} about case #{{case.number}}. {{order.id}}",
  };

  it("shares workspace replies from supervisors, keeps agents' own personal, and refuses the rest", async () => {
    const created = await t.api.call("POST", "/api/v1/quick-replies", greet, "supervisor");
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ shortcut: "greet", scope: "workspace", unknownVariables: ["order.id"] });

    const byAgent = await t.api.call("POST", "/api/v1/quick-replies", { ...greet, shortcut: "greet2" });
    expect(byAgent.statusCode).toBe(403);
    expect(byAgent.json().error).toMatchObject({ reason: "shared_reply_forbidden", details: { field: "scope" } });
    expect((await t.api.call("POST", "/api/v1/quick-replies", greet, "analyst")).statusCode).toBe(403);

    const taken = await t.api.call("POST", "/api/v1/quick-replies", greet, "admin");
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.reason).toBe("quick_reply_shortcut_taken");

    const mine = await t.api.call("POST", "/api/v1/quick-replies", { ...greet, scope: "personal", body: "Bye!" });
    expect(mine.statusCode, mine.body).toBe(201);
    // The same shortcut is free in someone else's personal scope, not twice in mine.
    expect(
      (await t.api.call("POST", "/api/v1/quick-replies", { ...greet, scope: "personal" }, "supervisor")).statusCode,
    ).toBe(201);
    expect((await t.api.call("POST", "/api/v1/quick-replies", { ...greet, scope: "personal" })).statusCode).toBe(409);

    const id = mine.json().id;
    expect((await t.api.call("PATCH", `/api/v1/quick-replies/${id}`, { title: "Goodbye" })).json().title).toBe(
      "Goodbye",
    );
    // Nobody else sees or changes a personal reply, not even a supervisor.
    expect((await t.api.call("GET", `/api/v1/quick-replies/${id}`, undefined, "supervisor")).statusCode).toBe(404);
    expect((await t.api.call("PATCH", `/api/v1/quick-replies/${id}`, { title: "x" }, "admin")).statusCode).toBe(404);
    const shared = created.json().id;
    const agentEdit = await t.api.call("PATCH", `/api/v1/quick-replies/${shared}`, { title: "x" });
    expect(agentEdit.statusCode).toBe(403);
    expect((await t.api.call("PATCH", `/api/v1/quick-replies/${shared}`, {}, "supervisor")).statusCode).toBe(400);
    expect(
      (await t.api.call("POST", "/api/v1/quick-replies", { ...greet, shortcut: "no spaces" }, "admin")).statusCode,
    ).toBe(400);

    expect((await t.api.call("DELETE", `/api/v1/quick-replies/${id}`)).statusCode).toBe(204);
    expect((await t.api.call("GET", `/api/v1/quick-replies/${id}`)).statusCode).toBe(404);

    // Another workspace sees none of it.
    expect((await t.other.call("GET", `/api/v1/quick-replies/${shared}`, undefined, "admin")).statusCode).toBe(404);
    expect((await t.other.call("GET", "/api/v1/quick-replies", undefined, "admin")).json().data).toEqual([]);
    expect((await t.other.call("DELETE", `/api/v1/quick-replies/${shared}`, undefined, "admin")).statusCode).toBe(404);
  });

  it("shows team replies to the team's members only and checks the team", async () => {
    const team = await t.api.call("POST", "/api/v1/teams", { name: "Billing" }, "admin");
    const teamId = team.json().id;
    const join = await t.api.call("PUT", `/api/v1/teams/${teamId}/members/${t.a.users.agent.id}`, undefined, "admin");
    expect(join.statusCode, join.body).toBe(204);
    const foreignTeam = (await t.other.call("POST", "/api/v1/teams", { name: "X" }, "admin")).json().id;

    const noTeam = await t.api.call(
      "POST",
      "/api/v1/quick-replies",
      { ...greet, scope: "team", shortcut: "refund" },
      "supervisor",
    );
    expect(noTeam.json().error).toMatchObject({ reason: "team_required", details: { field: "teamId" } });
    const wrongTeam = await t.api.call(
      "POST",
      "/api/v1/quick-replies",
      { ...greet, scope: "team", teamId: foreignTeam, shortcut: "refund" },
      "supervisor",
    );
    expect(wrongTeam.statusCode).toBe(400);
    expect(wrongTeam.json().error.reason).toBe("team_not_found");
    const created = await t.api.call(
      "POST",
      "/api/v1/quick-replies",
      { ...greet, scope: "team", teamId, shortcut: "refund", title: "Refund steps", body: "Refunds take 5 days." },
      "supervisor",
    );
    expect(created.statusCode, created.body).toBe(201);

    const agent = await t.api.asUser("agent");
    const seen = await agent("GET", "/api/v1/quick-replies?query=ref");
    expect(seen.json().data.map((r: { shortcut: string }) => r.shortcut)).toEqual(["refund"]);
    const byTitle = await agent("GET", "/api/v1/quick-replies?query=steps");
    expect(byTitle.json().data).toHaveLength(1);
    const analyst = await t.api.asUser("analyst");
    expect((await analyst("GET", "/api/v1/quick-replies?query=refund")).json().data).toEqual([]);
    expect((await analyst("GET", `/api/v1/quick-replies/${created.json().id}`)).statusCode).toBe(404);
  });

  it("pages the list by shortcut", async () => {
    for (const s of ["zz-a", "zz-b", "zz-c"]) {
      expect((await t.api.call("POST", "/api/v1/quick-replies", { ...greet, shortcut: s }, "admin")).statusCode).toBe(
        201,
      );
    }
    const first = await t.api.call("GET", "/api/v1/quick-replies?query=zz&limit=2");
    expect(first.json().data.map((r: { shortcut: string }) => r.shortcut)).toEqual(["zz-a", "zz-b"]);
    const next = await t.api.call("GET", `/api/v1/quick-replies?query=zz&limit=2&cursor=${first.json().nextCursor}`);
    expect(next.json()).toMatchObject({ data: [{ shortcut: "zz-c" }], nextCursor: null });
    expect((await t.api.call("GET", "/api/v1/quick-replies?cursor=garbage!")).statusCode).toBe(400);
  });

  it("renders a reply for a case, reporting unknown and empty variables instead of dropping them", async () => {
    const { caseId } = await t.api.inbound("Li Wei", "Where is my parcel?");
    const number = (await t.api.getCase(caseId)).number;
    const reply = (await t.api.call("GET", "/api/v1/quick-replies?query=greet")).json().data[0];
    const agent = await t.api.asUser("agent");
    const rendered = await agent("POST", `/api/v1/quick-replies/${reply.id}/render`, { caseId });
    expect(rendered.statusCode, rendered.body).toBe(200);
    expect(rendered.json()).toEqual({
      text: `Hi Li, this is agent about case #${number}. {{order.id}}`,
      content: null,
      unknownVariables: ["order.id"],
      emptyVariables: [],
    });
    // An API token has no name: reported empty, not silently blank.
    const byToken = await t.api.call("POST", `/api/v1/quick-replies/${reply.id}/render`, { caseId });
    expect(byToken.json().emptyVariables).toEqual(["agent.name"]);

    const typed = await t.api.call(
      "POST",
      "/api/v1/quick-replies",
      {
        scope: "personal",
        shortcut: "track",
        title: "Tracking link",
        body: "Track your parcel",
        content: { type: "link", title: "Your parcel, {{contact.name}}", url: "https://example.com/t" },
      },
      "agent",
    );
    const link = await t.api.call("POST", `/api/v1/quick-replies/${typed.json().id}/render`, { caseId });
    expect(link.json().content).toEqual({ type: "link", title: "Your parcel, Li Wei", url: "https://example.com/t" });

    const foreignCase = await t.other.inbound("x", "elsewhere");
    expect(
      (await t.api.call("POST", `/api/v1/quick-replies/${reply.id}/render`, { caseId: foreignCase.caseId })).statusCode,
    ).toBe(404);
    expect(
      (await t.other.call("POST", `/api/v1/quick-replies/${reply.id}/render`, { caseId: foreignCase.caseId }))
        .statusCode,
    ).toBe(404);
  });
});
