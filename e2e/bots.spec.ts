import type { Page } from "playwright-core";
import { createApiChannel, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey, JourneyContext } from "./types.ts";

async function setBot(page: Page, baseUrl: string, enabled: boolean) {
  await expectStatus(
    await page.request.put(`${baseUrl}/api/v1/bot/settings`, { data: { enabled } }),
    200,
    "PUT /api/v1/bot/settings",
  );
}

async function handoverJourney({ page, baseUrl, screenshot }: JourneyContext) {
  const installed = await page.request.post(`${baseUrl}/api/v1/bot/templates/order-status`);
  if (installed.status() !== 201 && installed.status() !== 409)
    throw new Error(`installing the order-status template: HTTP ${installed.status()}`);

  const unique = Date.now().toString(36);
  const name = `Nora ${unique}`;
  const channelId = await createApiChannel(page, baseUrl, `Bot shop ${unique}`);
  const customer = { customerId: `bot-${unique}`, name };
  const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
    id: `b1-${unique}`,
    ...customer,
    text: "Hello, where is my order?",
  });
  const botReplies = async () => {
    const response = await page.request.get(`${baseUrl}/api/v1/cases/${caseId}/messages`);
    const { data } = (await response.json()) as { data: { authorType: string }[] };
    return data.filter((m) => m.authorType === "bot").length;
  };
  const until = async (n: number) => {
    for (let i = 0; i < 100 && (await botReplies()) < n; i++) await page.waitForTimeout(100);
    if ((await botReplies()) < n) throw new Error(`the bot did not write its message ${n}`);
  };
  await until(1);
  // No such order on this customer's profile: the flow hands the case over.
  await receiveCustomerMessage(page, baseUrl, channelId, { id: `b2-${unique}`, ...customer, text: "10042" });
  await until(2);

  await page.getByRole("link", { name: "All open" }).click();
  const row = page.getByTestId("case-row").filter({ hasText: name });
  await row.waitFor({ state: "visible" });
  await row.click();
  const card = page.getByLabel("Handover", { exact: true });
  await card.getByText("Agent answering").waitFor({ state: "visible" });
  await card.getByText("order not found", { exact: false }).waitFor({ state: "visible" });
  await card.getByText("order_number: 10042").waitFor({ state: "visible" });
  await card.getByText("Customer: 10042").waitFor({ state: "visible" });
  await screenshot("bot-handover-card");

  await card.getByRole("button", { name: "Hand back to the bot" }).click();
  await card.getByText("Bot answering").waitFor({ state: "visible" });
  await card.getByText("an agent handed it back", { exact: false }).waitFor({ state: "visible" });
  await screenshot("bot-handed-back");
}

export const journeys: Journey[] = [
  {
    name: "shows the bot's handover in the case and hands the case back",
    timeoutMs: 60_000,
    run: async (ctx) => {
      await signIn(ctx.page, ctx.baseUrl, ctx.email, ctx.password);
      await setBot(ctx.page, ctx.baseUrl, true);
      try {
        await handoverJourney(ctx);
      } finally {
        // The other journeys share the demo workspace: its new cases must not go to the bot.
        await setBot(ctx.page, ctx.baseUrl, false);
      }
    },
  },
];
