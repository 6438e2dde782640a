import { createApiChannel, getCase, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

export const journeys: Journey[] = [
  {
    name: "finds a contact and a case from the header search with the keyboard",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      const unique = `gs${Date.now().toString(36)}`;
      const channelId = await createApiChannel(page, baseUrl, `Search ${unique}`);
      const name = `Océane Dupont ${unique}`;
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `${unique}-1`,
        customerId: `${unique}-customer`,
        name,
        text: `Le colis ${unique} est abîmé`,
      });
      const { number } = await getCase<{ number: number }>(page, baseUrl, caseId);

      // Ctrl+K from the inbox, the contact by name, Enter lists that contact's cases, Enter opens one.
      await page.keyboard.press("Control+k");
      const box = page.getByRole("combobox", { name: "Search contacts and cases" });
      await box.fill(name);
      await page.getByTestId("search-contact").filter({ hasText: name }).waitFor();
      await screenshot("search-contact");
      await box.press("Enter");
      await page.getByText(`Cases of ${name}`).waitFor();
      await page
        .getByTestId("search-case")
        .filter({ hasText: `#${number}` })
        .waitFor();
      await box.press("Enter");
      await page.locator(`[data-testid="case-view"][data-case-id="${caseId}"]`).waitFor();

      // The case number alone finds the case too.
      await page.keyboard.press("Control+k");
      await box.fill(String(number));
      await page
        .getByTestId("search-case")
        .filter({ hasText: `#${number}` })
        .first()
        .waitFor();
      await page.keyboard.press("Escape");
      await box.waitFor({ state: "hidden" });
    },
  },
];
