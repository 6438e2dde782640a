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
      const box = page.getByRole("combobox", { name: "Search contacts, cases and messages" });
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
  {
    name: "finds a message by its words (Chinese too) and opens its case at that message",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      const unique = `ms${Date.now().toString(36)}`;
      const channelId = await createApiChannel(page, baseUrl, `Message search ${unique}`);
      const customer = { customerId: `${unique}-customer`, name: `Wang Fang ${unique}` };
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `${unique}-1`,
        ...customer,
        text: `订单 ${unique} 我想申请退款，还没有发货`,
      });
      for (let i = 2; i <= 12; i++) {
        await receiveCustomerMessage(page, baseUrl, channelId, {
          id: `${unique}-${i}`,
          ...customer,
          text: `Follow-up number ${i}, just checking in again about my parcel.`,
        });
      }
      const { number } = await getCase<{ number: number }>(page, baseUrl, caseId);

      await page.keyboard.press("Control+k");
      const box = page.getByRole("combobox", { name: "Search contacts, cases and messages" });
      await box.fill(`退款 ${unique}`);
      const hit = page.getByTestId("search-message").filter({ hasText: `#${number}` });
      await hit.waitFor();
      await page.locator("mark", { hasText: "退款" }).first().waitFor();
      await screenshot("search-message");
      await box.press("Enter");
      const focused = page.locator('[data-testid="message"][data-focused="true"]');
      await focused.filter({ hasText: "我想申请退款" }).waitFor();
      if (!page.url().includes(caseId)) throw new Error(`the search opened ${page.url()}, not case ${caseId}`);
      await focused.evaluate((el) => {
        const box = el.getBoundingClientRect();
        if (box.bottom < 0 || box.top > window.innerHeight)
          throw new Error("the found message is not scrolled into view");
      });
      await screenshot("search-message-opened");
    },
  },
];
