import { createApiChannel, eventually, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

export const journeys: Journey[] = [
  {
    name: "flags an abusive message and inserts a suggested past reply from the composer",
    timeoutMs: 60_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      const unique = Date.now().toString(36);
      const channelId = await createApiChannel(page, baseUrl, `AI ${unique}`);
      const article = await page.request.post(`${baseUrl}/api/v1/knowledge/articles`, {
        data: {
          status: "published",
          versions: { en: { title: `Refund delays ${unique}`, body: "Refunds take 5 working days." } },
        },
      });
      await expectStatus(article, 201, "POST /api/v1/knowledge/articles");

      // A past case about a refund, answered by an agent.
      const pastCase = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `past-${unique}`,
        customerId: `past-${unique}`,
        name: "Ana",
        text: `When do I get my refund zq${unique}?`,
      });
      const pastReply = `Your refund zq${unique} reaches your card within 5 working days.`;
      await expectStatus(
        await page.request.post(`${baseUrl}/api/v1/cases/${pastCase}/messages`, { data: { text: pastReply } }),
        201,
        "POST reply",
      );
      await eventually(
        async () =>
          (
            (await (await page.request.get(`${baseUrl}/api/v1/cases/${pastCase}/analysis`)).json()) as {
              messagesAnalyzed: number;
            }
          ).messagesAnalyzed === 1,
        "the past message is analysed",
      );

      // Now an abusive customer asks the same.
      const text = `You idiots, where is my refund zq${unique}?`;
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `now-${unique}`,
        customerId: `now-${unique}`,
        name: "Rude",
        text,
      });
      await eventually(
        async () =>
          (
            (await (await page.request.get(`${baseUrl}/api/v1/cases/${caseId}`)).json()) as { tags: string[] }
          ).tags.includes("moderation:flagged"),
        "the case is tagged moderation:flagged",
      );
      await page.goto(`${baseUrl}/inbox/open/${caseId}`);
      const caseView = page.getByTestId("case-view");
      const message = caseView.getByTestId("message").filter({ hasText: text });
      await message.getByTestId("moderation-badge").waitFor({ state: "visible" });

      await page.getByRole("button", { name: "Reply suggestions" }).click();
      const panel = page.getByTestId("ai-suggestions");
      await panel.getByText(`Refund delays ${unique}`).waitFor({ state: "visible" });
      const suggested = panel.getByTestId("ai-suggestion-reply").filter({ hasText: pastReply });
      await suggested.waitFor({ state: "visible" });
      await screenshot("ai-suggestions");
      await suggested.click();
      const box = page.getByRole("textbox", { name: "Reply" });
      await eventually(async () => (await box.inputValue()) === pastReply, "the reply is inserted");
    },
  },
];
