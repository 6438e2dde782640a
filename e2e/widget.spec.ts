import type { Page } from "playwright-core";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

/** Opens the widget on the demo page (the launcher lives in the widget's open shadow root). */
async function openWidget(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/demo/widget`, { waitUntil: "domcontentloaded" });
  await page.getByTestId("rapport-launcher").click();
  await page.getByTestId("rapport-panel").waitFor({ state: "visible" });
}

export const journeys: Journey[] = [
  {
    name: "chats live between a web visitor and an agent",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      await openWidget(page, baseUrl);
      const panel = page.getByTestId("rapport-panel");
      const question = `Is the Longjing tea in stock? (${unique})`;
      const input = panel.getByRole("textbox", { name: "Your message" });
      await input.fill(question);
      await input.press("Enter");
      await panel.getByTestId("rapport-message").filter({ hasText: question }).waitFor({ state: "visible" });

      // The agent, in a second browser context, sees the case and replies.
      const browser = page.context().browser();
      if (!browser) throw new Error("no browser");
      const agentContext = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
      try {
        const agent = await agentContext.newPage();
        agent.setDefaultTimeout(10_000);
        await signIn(agent, baseUrl, email, password);
        await agent.getByRole("link", { name: "All open" }).click();
        await agent.getByRole("heading", { name: "All open" }).waitFor({ state: "visible" });
        const row = agent.getByTestId("case-row").filter({ hasText: question });
        await row.waitFor({ state: "visible" });
        await row.click();
        const caseView = agent.getByTestId("case-view");
        await caseView.getByTestId("message").filter({ hasText: question }).waitFor({ state: "visible" });
        const answer = `Yes, 40 tins left (${unique}).`;
        const replyBox = agent.getByRole("textbox", { name: "Reply" });
        await replyBox.fill(answer);
        await replyBox.press("Control+Enter");
        await caseView.getByTestId("message").filter({ hasText: answer }).waitFor({ state: "visible" });

        // The visitor sees the reply without reloading.
        const reply = panel.getByTestId("rapport-message").filter({ hasText: answer });
        await reply.waitFor({ state: "visible" });
        if ((await reply.getAttribute("data-direction")) !== "outbound") throw new Error("the reply is not outbound");
        await screenshot("widget-chat");

        // A reload keeps the conversation (the visitor token is in localStorage).
        await page.reload({ waitUntil: "domcontentloaded" });
        await page.getByTestId("rapport-launcher").click();
        await page.getByTestId("rapport-message").filter({ hasText: question }).waitFor({ state: "visible" });
        await page.getByTestId("rapport-message").filter({ hasText: answer }).waitFor({ state: "visible" });
      } finally {
        await agentContext.close();
      }
    },
  },
  {
    name: "accepts a verified identify and refuses a forged one",
    run: async ({ page, baseUrl, screenshot }) => {
      await openWidget(page, baseUrl);
      const forged = await page.evaluate<string>(
        `window.Rapport.identify({ userId: "demo-customer-1", hash: "${"0".repeat(64)}" }).then(() => "accepted", (e) => e.message)`,
      );
      if (!forged.startsWith("identity_hash_invalid")) throw new Error(`a forged hash was not refused: ${forged}`);
      const unsigned = await page.evaluate<string>(
        `window.Rapport.identify({ userId: "demo-customer-1" }).then(() => "accepted", (e) => e.message)`,
      );
      if (!unsigned.startsWith("identity_unverified"))
        throw new Error(`an unsigned identify was not refused: ${unsigned}`);
      await page.getByTestId("rapport-panel").getByText("We could not verify your account.").waitFor();
      // The demo page signs in with the hash its server computed.
      await page.getByRole("button", { name: "Sign in as Mei Chen" }).click();
      await page.getByText("Signed in as Mei Chen").waitFor({ state: "visible" });
      await screenshot("widget-identify");
    },
  },
];
