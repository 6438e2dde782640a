import { createApiChannel, eventually, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

type Message = { direction: string; authorType: string; text: string };

export const journeys: Journey[] = [
  {
    name: "a supervisor builds a keyword rule with a reply, dry-runs it, and sees it answer on the api channel",
    timeoutMs: 90_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      const keyword = `hours-${unique}`;
      await signIn(page, baseUrl, email, password);
      const channelId = await createApiChannel(page, baseUrl, `Rules shop ${unique}`);
      // A case from before the rule exists, for the dry run to find.
      await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `rules-old-${unique}`,
        customerId: `rules-old-${unique}`,
        name: "Earlier customer",
        text: keyword,
      });

      await page.getByRole("link", { name: "Settings" }).click();
      await page.getByRole("link", { name: "Automation rules" }).click();
      await page.getByTestId("new-rule").click();
      const form = page.getByRole("form", { name: "Rule" });

      // Validated before anything is sent.
      await form.getByTestId("save-rule").click();
      await form.getByText("Required").first().waitFor();
      await form.getByText("Add at least one keyword.").waitFor();

      await form.getByRole("textbox", { name: /^Name/ }).fill(`Opening hours ${unique}`);
      const keywords = form.getByRole("textbox", { name: /^Keywords/ });
      await keywords.fill(keyword);
      await keywords.press("Enter");
      // The complaint goes away as soon as the field is fixed.
      await form.getByText("Add at least one keyword.").waitFor({ state: "detached" });

      // A condition with a broken regular expression is caught in the form, then fixed.
      await form.getByRole("button", { name: "Condition" }).click();
      await form.getByRole("textbox", { name: "Operator" }).click();
      await page.getByRole("option", { name: "matches regex" }).click();
      const value = form.getByRole("textbox", { name: "Value" });
      await value.fill("([");
      await form.getByText(/Invalid regular expression/).waitFor();
      await value.fill("hours-[a-z0-9]+");

      await form.getByRole("textbox", { name: /^Text/ }).fill("We are open 9:00–18:00, Monday to Friday.");
      await form.getByTestId("dry-run").click();
      await form
        .getByTestId("dry-run-result")
        .getByText(/^Matched [1-9]\d* of \d+ recent cases\.$/)
        .waitFor();
      await screenshot("rules-editor-dry-run");

      await form.getByTestId("save-rule").click();
      const row = page.locator(`[data-testid="rule"][data-rule-name="Opening hours ${unique}"]`);
      await row.waitFor();

      // The rule fires through the api channel: the customer gets the bot's reply.
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `rules-new-${unique}`,
        customerId: `rules-new-${unique}`,
        name: "New customer",
        text: ` ${keyword.toUpperCase()} `,
      });
      let reply: Message | undefined;
      await eventually(async () => {
        const response = await page.request.get(`${baseUrl}/api/v1/cases/${caseId}/messages`);
        await expectStatus(response, 200, "GET /api/v1/cases/:id/messages");
        const { data } = (await response.json()) as { data: Message[] };
        reply = data.find((m) => m.direction === "outbound");
        return reply !== undefined;
      }, "the rule's reply");
      if (reply?.authorType !== "bot" || !reply.text.includes("9:00–18:00")) {
        throw new Error(`unexpected reply: ${JSON.stringify(reply)}`);
      }

      // Editing round-trips the rule: opened, saved unchanged, still there and still on.
      await row.getByRole("button", { name: `Edit rule Opening hours ${unique}` }).click();
      const editForm = page.getByRole("form", { name: "Rule" });
      await editForm.getByRole("textbox", { name: "Value" }).waitFor();
      if ((await editForm.getByRole("textbox", { name: "Value" }).inputValue()) !== "hours-[a-z0-9]+")
        throw new Error("the condition did not load into the editor");
      await editForm.getByTestId("save-rule").click();
      await editForm.waitFor({ state: "detached" });
      if (!(await row.getByRole("switch").isChecked())) throw new Error("saving the rule switched it off");

      // The execution log shows the run.
      await row.getByRole("button", { name: `Execution log of Opening hours ${unique}` }).click();
      await page.getByTestId("log-entry").first().waitFor();
      await page.getByTestId("log-result").getByText("Reply").first().waitFor();
      await page.waitForTimeout(400); // the modal's opening transition
      await screenshot("rules-execution-log");
    },
  },
];
