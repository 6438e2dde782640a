import { createApiChannel, eventually, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

/** Three cases on a new channel of their own (so the channel's view holds exactly them), with priorities. */
async function channelWithCases(page: Parameters<Journey["run"]>[0]["page"], baseUrl: string, unique: string) {
  const channelId = await createApiChannel(page, baseUrl, `Views ${unique}`);
  const ids: string[] = [];
  for (const [n, priority] of ["low", "urgent", "high"].entries()) {
    const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
      id: `${unique}-${n}`,
      customerId: `${unique}-c${n}`,
      name: `Viewer ${n}`,
      text: `Case ${n} of ${unique}`,
    });
    await expectStatus(
      await page.request.patch(`${baseUrl}/api/v1/cases/${caseId}`, { data: { priority } }),
      200,
      "PATCH /api/v1/cases/:id",
    );
    ids.push(caseId);
  }
  return { channelId, ids };
}

export const journeys: Journey[] = [
  {
    name: "opens a channel's view with its live count, sorts by priority and saves it as a view",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      const unique = `v${Date.now().toString(36)}`;
      const { channelId } = await channelWithCases(page, baseUrl, unique);
      await page.reload();
      const channelLink = page.locator(`a[data-view="channel-${channelId}"]`);
      await channelLink.click();
      const count = channelLink.getByTestId("view-count");
      await count.filter({ hasText: /^3$/ }).waitFor({ state: "visible" });
      const rows = page.getByTestId("case-row");
      await rows.filter({ hasText: `Case 0 of ${unique}` }).waitFor({ state: "visible" });

      // Server-side order: urgent, then high, then low.
      await page.getByRole("textbox", { name: "Sort" }).click();
      await page.getByRole("option", { name: "Priority" }).click();
      await eventually(
        async () => (await rows.first().textContent())?.includes(`Case 1 of ${unique}`) ?? false,
        "the urgent case first",
      );
      if (!(await rows.nth(1).textContent())?.includes(`Case 2 of ${unique}`)) throw new Error("high should be second");

      // A new message on the channel moves the count without a reload.
      await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `${unique}-late`,
        customerId: `${unique}-late`,
        name: "Late viewer",
        text: `Late case of ${unique}`,
      });
      await count.filter({ hasText: /^4$/ }).waitFor({ state: "visible" });
      await screenshot("inbox-views-channel-sorted");

      // Saved as a view of one's own: it opens, keeps the order, and can be deleted.
      await page.getByRole("button", { name: "Save as a view" }).click();
      await page.getByRole("textbox", { name: "View name" }).fill(`Urgent ${unique}`);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("heading", { name: `Urgent ${unique}` }).waitFor({ state: "visible" });
      const savedLink = page.getByRole("link", { name: `Urgent ${unique}` });
      await savedLink.getByTestId("view-count").filter({ hasText: /^4$/ }).waitFor({ state: "visible" });
      if ((await page.getByRole("textbox", { name: "Sort" }).inputValue()) !== "Priority") {
        throw new Error("the saved view should keep the priority order");
      }
      await screenshot("inbox-views-saved");
      await page.getByRole("button", { name: "Delete this view" }).click();
      await page.getByRole("button", { name: "Delete", exact: true }).click();
      await savedLink.waitFor({ state: "detached" });
      await page.getByRole("heading", { name: "My cases" }).waitFor({ state: "visible" });
    },
  },
  {
    name: "ticks cases with shift-click, sets their status in bulk and undoes it",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      const unique = `b${Date.now().toString(36)}`;
      const { channelId, ids } = await channelWithCases(page, baseUrl, unique);
      await page.goto(`${baseUrl}/inbox/channel-${channelId}`);
      const rows = page.getByTestId("case-row");
      await rows.nth(2).waitFor({ state: "visible" });

      const checkbox = (index: number) => page.getByTestId("case-select").nth(index);
      await checkbox(0).click();
      await checkbox(2).click({ modifiers: ["Shift"] });
      await page.getByTestId("bulk-count").filter({ hasText: "3 selected" }).waitFor({ state: "visible" });

      await page.getByTestId("bulk-bar").getByRole("button", { name: "Status" }).click();
      await page.getByRole("menuitem", { name: "Pending" }).click();
      const report = page.getByTestId("bulk-report");
      await report.filter({ hasText: "3 cases changed." }).waitFor({ state: "visible" });
      await eventually(async () => (await rows.filter({ hasText: "Pending" }).count()) === 3, "three pending rows");
      await screenshot("inbox-bulk-status");

      await report.getByRole("button", { name: "Undo" }).click();
      await report.waitFor({ state: "detached" });
      for (const id of ids) {
        await eventually(async () => {
          const response = await page.request.get(`${baseUrl}/api/v1/cases/${id}`);
          return ((await response.json()) as { status: string }).status === "open";
        }, `case ${id} open again`);
      }
      await eventually(async () => (await rows.filter({ hasText: "Pending" }).count()) === 0, "no pending row left");
    },
  },
];
