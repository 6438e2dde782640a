import { describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

type CaseList = {
  id: string;
  name: string;
  items: { id: string; label: string; required: boolean; ticked: boolean }[];
};

describe.each(TEST_DATABASES)("audit checklists on %s", (kind) => {
  const t = setupCaseTests(kind);

  it("refuses solving a case until the required items of its checklists are ticked, naming them", async () => {
    const refund = await t.api.call(
      "POST",
      "/api/v1/checklists",
      {
        name: "Refund audit",
        tag: "Refund",
        items: [
          { label: "Verify identity" },
          { label: "Check the order" },
          { label: "Offer a coupon", required: false },
        ],
      },
      "supervisor",
    );
    expect(refund.statusCode, refund.body).toBe(201);
    expect(refund.json().tag).toBe("refund");
    expect(
      (await t.api.call("POST", "/api/v1/checklists", { name: "Always", items: [{ label: "Summarise" }] }, "admin"))
        .statusCode,
    ).toBe(201);
    expect((await t.api.call("POST", "/api/v1/checklists", { name: "x", items: [{ label: "y" }] })).statusCode).toBe(
      403,
    );
    expect((await t.api.call("POST", "/api/v1/checklists", { name: "x", items: [] }, "admin")).statusCode).toBe(400);

    const plain = await t.api.inbound("check-1", "hello");
    const plainLists: CaseList[] = (await t.api.call("GET", `/api/v1/cases/${plain.caseId}/checklists`)).json().data;
    expect(plainLists.map((l) => l.name)).toEqual(["Always"]);
    const notApplicable = await t.api.call(
      "PUT",
      `/api/v1/cases/${plain.caseId}/checklists/${refund.json().id}/items/${refund.json().items[0].id}`,
      { ticked: true },
    );
    expect(notApplicable.statusCode).toBe(409);
    expect(notApplicable.json().error.reason).toBe("checklist_not_applicable");

    const { caseId } = await t.api.inbound("check-2", "refund please");
    expect((await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { tags: ["refund"] })).statusCode).toBe(200);
    const refused = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { status: "solved" });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.reason).toBe("checklist_incomplete");
    expect(refused.json().error.details.items.map((i: { label: string }) => i.label)).toEqual([
      "Verify identity",
      "Check the order",
      "Summarise",
    ]);
    expect(refused.json().error.message).toContain("Refund audit: Verify identity");
    expect((await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { status: "closed" })).statusCode).toBe(409);

    const lists: CaseList[] = (await t.api.call("GET", `/api/v1/cases/${caseId}/checklists`)).json().data;
    for (const list of lists) {
      for (const item of list.items.filter((i) => i.required)) {
        const tick = await t.api.call("PUT", `/api/v1/cases/${caseId}/checklists/${list.id}/items/${item.id}`, {
          ticked: true,
        });
        expect(tick.statusCode, tick.body).toBe(200);
      }
    }
    const after: CaseList[] = (await t.api.call("GET", `/api/v1/cases/${caseId}/checklists`)).json().data;
    expect(after.flatMap((l) => l.items.filter((i) => i.ticked).map((i) => i.label)).sort()).toEqual([
      "Check the order",
      "Summarise",
      "Verify identity",
    ]);
    expect((await t.api.events(caseId)).at(-1)).toMatchObject({ action: "checklist.ticked" });
    const solved = await t.api.call("PATCH", `/api/v1/cases/${caseId}`, { status: "solved" });
    expect(solved.statusCode, solved.body).toBe(200);

    const unknownItem = await t.api.call(
      "PUT",
      `/api/v1/cases/${caseId}/checklists/${refund.json().id}/items/${plain.caseId}`,
      { ticked: true },
    );
    expect(unknownItem.statusCode).toBe(404);
  });

  it("keeps item ids across edits, and hides checklists and cases of other workspaces", async () => {
    const made = await t.api.call(
      "POST",
      "/api/v1/checklists",
      { name: "VIP", tag: "vip", items: [{ label: "Greet" }] },
      "admin",
    );
    const item = made.json().items[0];
    const edited = await t.api.call(
      "PATCH",
      `/api/v1/checklists/${made.json().id}`,
      { items: [item, { label: "Escalate", required: false }] },
      "admin",
    );
    expect(edited.json().items).toEqual([item, expect.objectContaining({ label: "Escalate", required: false })]);
    expect((await t.other.call("GET", `/api/v1/checklists/${made.json().id}`)).statusCode).toBe(404);
    expect(
      (await t.other.call("PATCH", `/api/v1/checklists/${made.json().id}`, { name: "x" }, "admin")).statusCode,
    ).toBe(404);
    const { caseId } = await t.api.inbound("check-3", "hi");
    expect((await t.other.call("GET", `/api/v1/cases/${caseId}/checklists`)).statusCode).toBe(404);
    const foreignTick = await t.other.call(
      "PUT",
      `/api/v1/cases/${caseId}/checklists/${made.json().id}/items/${item.id}`,
      {
        ticked: true,
      },
    );
    expect(foreignTick.statusCode).toBe(404);
    expect((await t.api.call("DELETE", `/api/v1/checklists/${made.json().id}`, undefined, "admin")).statusCode).toBe(
      204,
    );
    expect((await t.api.call("GET", `/api/v1/checklists/${made.json().id}`)).statusCode).toBe(404);
  });
});
