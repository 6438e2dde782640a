import type { APIResponse, Page } from "playwright-core";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

/** Opens the widget on the demo page (the launcher lives in the widget's open shadow root). */
async function openWidget(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/demo/widget`, { waitUntil: "domcontentloaded" });
  await page.getByTestId("rapport-launcher").click();
  await page.getByTestId("rapport-panel").waitFor({ state: "visible" });
}

async function expectStatus(response: APIResponse, status: number, what: string): Promise<void> {
  if (response.status() !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status()}: ${await response.text()}`);
  }
}

/** The demo web chat channel's id, read from the demo page (which creates the channel on first request). */
async function demoChannelId(page: Page, baseUrl: string): Promise<string> {
  const html = await (await page.request.get(`${baseUrl}/demo/widget`)).text();
  const id = /data-channel="([0-9a-f-]{36})"/.exec(html)?.[1];
  if (!id) throw new Error("the demo page names no channel");
  return id;
}

/** The visitor opens the widget on the demo page and asks a question; returns the open panel. */
async function visitorAsks(page: Page, baseUrl: string, question: string) {
  await openWidget(page, baseUrl);
  const panel = page.getByTestId("rapport-panel");
  const input = panel.getByRole("textbox", { name: "Your message" });
  await input.fill(question);
  await input.press("Enter");
  await panel.getByTestId("rapport-message").filter({ hasText: question }).waitFor({ state: "visible" });
  return panel;
}

/** An agent, in a second browser context, signs in and opens the case of the question (close `context` after). */
async function agentOpensCase(page: Page, baseUrl: string, email: string, password: string, question: string) {
  const browser = page.context().browser();
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  const agent = await context.newPage();
  agent.setDefaultTimeout(10_000);
  await signIn(agent, baseUrl, email, password);
  await agent.getByRole("link", { name: "All open" }).click();
  await agent.getByRole("heading", { name: "All open" }).waitFor({ state: "visible" });
  const row = agent.getByTestId("case-row").filter({ hasText: question });
  await row.waitFor({ state: "visible" });
  await row.click();
  const caseView = agent.getByTestId("case-view");
  await caseView.getByTestId("message").filter({ hasText: question }).waitFor({ state: "visible" });
  return { context, agent, caseView };
}

export const journeys: Journey[] = [
  {
    name: "chats live between a web visitor and an agent",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      const question = `Is the Longjing tea in stock? (${unique})`;
      const panel = await visitorAsks(page, baseUrl, question);

      // The agent, in a second browser context, sees the case and replies.
      const { context: agentContext, agent, caseView } = await agentOpensCase(page, baseUrl, email, password, question);
      try {
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
  {
    name: "asks the visitor for a rating when the agent solves the case",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      const question = `Where is my parcel? (${unique})`;
      await visitorAsks(page, baseUrl, question);
      const { context: agentContext, agent } = await agentOpensCase(page, baseUrl, email, password, question);
      try {
        await agent.getByRole("textbox", { name: "Status" }).click();
        await agent.getByRole("option", { name: "Solved" }).click();

        // The visitor is asked at once, rates 4 stars with a comment.
        const prompt = page.getByTestId("rapport-csat");
        await prompt.waitFor({ state: "visible" });
        await prompt.getByRole("button", { name: "Rating 4 of 5" }).click();
        await prompt.getByRole("textbox", { name: "Tell us more (optional)" }).fill(`Quick answer (${unique})`);
        await prompt.getByRole("button", { name: "Send rating" }).click();
        await page.getByTestId("rapport-csat-thanks").waitFor({ state: "visible" });
        await screenshot("widget-csat");

        // The supervisor's API has the answer; a reload does not ask again.
        const listed = await agent.request.get(`${baseUrl}/api/v1/csat?limit=20`);
        await expectStatus(listed, 200, "GET /api/v1/csat");
        const answers = ((await listed.json()) as { data: { rating: number; comment: string | null }[] }).data;
        if (!answers.some((a) => a.rating === 4 && a.comment === `Quick answer (${unique})`))
          throw new Error(`the rating is not listed: ${JSON.stringify(answers)}`);
        await page.reload({ waitUntil: "domcontentloaded" });
        await page.getByTestId("rapport-launcher").click();
        await page.getByTestId("rapport-message").filter({ hasText: question }).waitFor({ state: "visible" });
        if (await page.getByTestId("rapport-csat").isVisible()) throw new Error("the rating prompt came back");
      } finally {
        await agentContext.close();
      }
    },
  },
  {
    name: "opens with a proactive message when setContext meets a trigger and an agent is online",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      await signIn(page, baseUrl, email, password);
      const online = await page.request.put(`${baseUrl}/api/v1/presence`, { data: { status: "online" } });
      await expectStatus(online, 200, "PUT /api/v1/presence");
      try {
        const channelId = await demoChannelId(page, baseUrl);
        const message = `Free shipping over 100 € — any question? (${unique})`;
        const patched = await page.request.patch(`${baseUrl}/api/v1/channels/${channelId}`, {
          data: {
            config: {
              triggers: [
                { id: `cart-${unique}`, message, when: { context: { key: "cartValue", op: "gt", value: 100 } } },
              ],
            },
          },
        });
        await expectStatus(patched, 200, "PATCH /api/v1/channels/:id");

        await page.goto(`${baseUrl}/demo/widget`, { waitUntil: "domcontentloaded" });
        await page.getByTestId("rapport-launcher").waitFor({ state: "visible" });
        await page.evaluate("window.Rapport.setContext({ cartValue: 60 })");
        if (await page.getByTestId("rapport-panel").isVisible()) throw new Error("opened below the threshold");
        await page.evaluate("window.Rapport.setContext({ cartValue: 120 })");
        await page.getByTestId("rapport-proactive").filter({ hasText: message }).waitFor({ state: "visible" });
        await screenshot("widget-proactive");

        // Once per session: closed and set again, it stays closed.
        await page.getByRole("button", { name: "Close chat" }).click();
        await page.evaluate("window.Rapport.setContext({ cartValue: 130 })");
        await page.waitForTimeout(1500);
        if (await page.getByTestId("rapport-panel").isVisible()) throw new Error("the trigger fired twice");
      } finally {
        await page.request.put(`${baseUrl}/api/v1/presence`, { data: { status: "offline" } });
      }
    },
  },
];
