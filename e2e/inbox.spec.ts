import { fileURLToPath } from "node:url";
import { createApiChannel, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

const docsScreenshot = fileURLToPath(new URL("../docs/images/console-inbox.png", import.meta.url));

export const journeys: Journey[] = [
  {
    name: "answers a new inbound case from the inbox",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      await page.getByRole("link", { name: "All open" }).click();
      await page.getByRole("heading", { name: "All open" }).waitFor({ state: "visible" });
      await page.getByTestId("realtime-status").and(page.locator('[data-status="connected"]')).waitFor();

      // The case arrives while the inbox is open: it must show up without a reload.
      const unique = Date.now().toString(36);
      const channelId = await createApiChannel(page, baseUrl, `Shop ${unique}`);
      const others = [
        { name: "Sofia Rossi", text: "Can I still change the delivery address?" },
        { name: "张敏", text: "我想退货，请问怎么操作？" },
      ];
      for (const [index, other] of others.entries()) {
        await receiveCustomerMessage(page, baseUrl, channelId, {
          id: `o${index}-${unique}`,
          customerId: `other${index}-${unique}`,
          ...other,
        });
      }
      const question = `Where is my order ${unique}?`;
      await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `m-${unique}`,
        customerId: `cust-${unique}`,
        name: "Li Wei",
        text: question,
      });
      const row = page.getByTestId("case-row").filter({ hasText: question });
      await row.waitFor({ state: "visible" });
      await row.click();

      const caseView = page.getByTestId("case-view");
      await caseView.getByTestId("message").filter({ hasText: question }).waitFor({ state: "visible" });

      // `r` puts the cursor in the reply box; Ctrl+Enter sends.
      await page.keyboard.press("r");
      const reply = `Your parcel left our warehouse this morning (${unique}).`;
      const replyBox = page.getByRole("textbox", { name: "Reply" });
      await replyBox.fill(reply);
      await replyBox.press("Control+Enter");
      const sent = caseView.getByTestId("message").filter({ hasText: reply });
      await sent.waitFor({ state: "visible" });
      if ((await sent.getAttribute("data-direction")) !== "outbound") throw new Error("the reply is not outbound");

      // An internal note, written through the toggle.
      await page.locator("label", { hasText: "Internal note" }).click();
      const note = `Customer is a VIP, ship the replacement express (${unique}).`;
      await page.getByRole("textbox", { name: "Internal note" }).fill(note);
      await page.getByRole("button", { name: "Add note" }).click();
      const noteBubble = caseView.getByTestId("message").filter({ hasText: note });
      await noteBubble.waitFor({ state: "visible" });
      if ((await noteBubble.getAttribute("data-private")) !== "true") throw new Error("the note is not private");

      // Priority and tags from the side panel.
      await page.getByRole("textbox", { name: "Priority" }).click();
      await page.getByRole("option", { name: "High" }).click();
      await caseView.getByText("High", { exact: true }).first().waitFor({ state: "visible" });
      const tags = page.getByRole("textbox", { name: "Tags" });
      await tags.fill("shipping");
      await tags.press("Enter");
      await page.getByTestId("case-row").filter({ hasText: question }).getByText("High").waitFor({ state: "visible" });
      await page.getByTestId("case-contact").getByText("Li Wei").waitFor({ state: "visible" });

      await tags.blur();
      if (process.env.E2E_UPDATE_DOCS) await page.screenshot({ path: docsScreenshot });
      await screenshot("inbox-case");

      // Solve the case from the side panel; the history records it.
      await page.getByRole("textbox", { name: "Status" }).click();
      await page.getByRole("option", { name: "Solved" }).click();
      await caseView.getByText("Solved", { exact: true }).first().waitFor({ state: "visible" });
      const caseId = await caseView.getAttribute("data-case-id");
      const saved = await page.request.get(`${baseUrl}/api/v1/cases/${caseId}`);
      await expectStatus(saved, 200, "GET /api/v1/cases/:id");
      const { status } = (await saved.json()) as { status: string };
      if (status !== "solved") throw new Error(`the case is "${status}" on the server, not solved`);
      await page.getByRole("tab", { name: "History" }).click();
      await page.getByTestId("case-history").getByText("Case updated").first().waitFor({ state: "visible" });

      // The whole UI follows the language switcher.
      await page.getByRole("textbox", { name: "Language" }).click();
      await page.getByRole("option", { name: "简体中文" }).click();
      await page.getByRole("tab", { name: "历史" }).waitFor({ state: "visible" });
      await page.getByRole("tab", { name: "详情" }).waitFor({ state: "visible" });
      await page.getByRole("link", { name: "所有未解决" }).waitFor({ state: "visible" });
      await page.getByRole("button", { name: "添加备注" }).waitFor({ state: "visible" });
      if ((await page.locator("html").getAttribute("lang")) !== "zh-CN") throw new Error("<html lang> is not zh-CN");
      await screenshot("inbox-case-zh");
    },
  },
  {
    name: "moves through the inbox with the keyboard",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      await page.getByRole("link", { name: "All open" }).click();
      await page.getByRole("heading", { name: "All open" }).waitFor({ state: "visible" });

      const unique = `kb${Date.now().toString(36)}`;
      const channelId = await createApiChannel(page, baseUrl, `Keyboard ${unique}`);
      for (const n of [1, 2]) {
        await receiveCustomerMessage(page, baseUrl, channelId, {
          id: `${unique}-${n}`,
          customerId: `${unique}-customer-${n}`,
          name: `Customer ${n}`,
          text: `Question ${n} ${unique}`,
        });
      }
      const rows = page.getByTestId("case-row");
      await rows.filter({ hasText: `Question 1 ${unique}` }).waitFor({ state: "visible" });

      // `?` opens the shortcut help, Esc closes it.
      await page.locator("body").press("Shift+?");
      const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
      await help.waitFor({ state: "visible" });
      await screenshot("inbox-shortcuts");
      await page.keyboard.press("Escape");
      await help.waitFor({ state: "hidden" });

      // `/` jumps to the search box; the list narrows to this test's cases.
      await page.keyboard.press("/");
      await page.getByRole("textbox", { name: "Search cases" }).pressSequentially(unique);
      await rows.first().waitFor({ state: "visible" });
      await rows.filter({ hasNotText: unique }).first().waitFor({ state: "detached" });
      const count = await rows.count();
      if (count !== 2) throw new Error(`the search should leave this test's 2 cases, found ${count}`);
      await page.keyboard.press("Escape");

      // j moves down, k back up; Enter opens the focused case; Esc closes it.
      await page.keyboard.press("j");
      await page.keyboard.press("j");
      await page.keyboard.press("k");
      const focused = page.locator('[data-testid="case-row"][data-focused="true"]');
      const focusedId = await focused.getAttribute("data-case-id");
      const firstId = await rows.first().getAttribute("data-case-id");
      if (focusedId !== firstId) throw new Error("j, j, k should end on the first row");
      await page.keyboard.press("j");
      const secondId = await rows.nth(1).getAttribute("data-case-id");
      await page.keyboard.press("Enter");
      await page.locator(`[data-testid="case-view"][data-case-id="${secondId}"]`).waitFor({ state: "visible" });
      await page.keyboard.press("Escape");
      await page.getByTestId("case-view").waitFor({ state: "hidden" });
      await page.getByText("Select a case").waitFor({ state: "visible" });
    },
  },
];
