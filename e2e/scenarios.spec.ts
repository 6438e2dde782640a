import { createApiChannel, eventually, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

type Message = { direction: string; authorType: string; text: string };

export const journeys: Journey[] = [
  {
    name: "a supervisor installs the multi-level keyword menu from the scenario gallery and a customer walks it",
    timeoutMs: 90_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      const keyword = `menu-${unique}`;
      await signIn(page, baseUrl, email, password);
      const channelId = await createApiChannel(page, baseUrl, `Scenario shop ${unique}`);

      await page.getByRole("link", { name: "Settings" }).click();
      await page.getByRole("link", { name: "Automation rules" }).click();
      await page.getByTestId("scenario-gallery").waitFor();
      await screenshot("scenario-gallery");
      await page.getByRole("button", { name: "Set up: Multi-level keyword menu (IVR)" }).click();

      // The entry: no menu button; the example keyword and this journey's own.
      await page.getByTestId("scenario-field-entry-menuKey").fill("");
      const keywords = page.getByTestId("scenario-field-entry-keywords");
      await keywords.fill(keyword);
      await keywords.press("Enter");

      // A tree with a duplicate key is refused with the path of the problem, shown on the tree field.
      const tree = page.getByTestId("scenario-field-tree");
      const good = {
        text: "Reply with a number:",
        options: [
          {
            key: "1",
            label: "Orders",
            text: "Orders:",
            options: [{ key: "1", label: "Track", reply: { kind: "text", text: "Tracking: https://t.example/" } }],
          },
          { key: "2", label: "Opening hours", reply: { kind: "text", text: "9:00–18:00, Monday to Friday." } },
        ],
      };
      await tree.fill(
        JSON.stringify({
          ...good,
          options: [...good.options, { key: "２", label: "Again", reply: { kind: "text", text: "x" } }],
        }),
      );
      await page.getByTestId("scenario-install").click();
      const error = page.getByTestId("scenario-error");
      await error.waitFor();
      const shown = (await error.textContent()) ?? "";
      if (!/tree\.options\[2\]\.key: duplicate key "２"/.test(shown)) throw new Error(`unexpected error: ${shown}`);
      await screenshot("scenario-invalid-tree");

      await tree.fill(JSON.stringify(good));
      await page.getByTestId("scenario-install").click();
      await page.getByTestId("scenario-installed").waitFor();
      await screenshot("scenario-installed");

      // The customer walks the menu on the api channel: the top level, then option 2's reply.
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `sc-1-${unique}`,
        customerId: `sc-${unique}`,
        name: "Menu customer",
        text: keyword,
      });
      const botReplies = async () => {
        const response = await page.request.get(`${baseUrl}/api/v1/cases/${caseId}/messages`);
        await expectStatus(response, 200, "GET /api/v1/cases/:id/messages");
        const { data } = (await response.json()) as { data: Message[] };
        return data.filter((m) => m.direction === "outbound" && m.authorType === "bot").map((m) => m.text);
      };
      await eventually(async () => (await botReplies()).length === 1, "the menu's top level");
      await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `sc-2-${unique}`,
        customerId: `sc-${unique}`,
        name: "Menu customer",
        text: "2",
      });
      await eventually(async () => (await botReplies()).length === 2, "option 2's reply");
      const replies = await botReplies();
      if (
        replies[0] !== "Reply with a number:\n1. Orders\n2. Opening hours" ||
        replies[1] !== "9:00–18:00, Monday to Friday."
      )
        throw new Error(`unexpected replies: ${JSON.stringify(replies)}`);

      // The rule it created opens in the rule builder from the gallery.
      await page.getByTestId("scenario-rule-link").first().click();
      await page.getByRole("form", { name: "Rule" }).waitFor();
      await page.waitForTimeout(400); // the modal's opening transition
      await screenshot("scenario-rule-opened");
    },
  },
];
