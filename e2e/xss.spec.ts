import { createApiChannel, expectStatus, receiveCustomerMessages } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";
import { xssCorpus } from "./xss-corpus.ts";

const customers = 50;
const messagesPerCustomer = 5;
const attributeKinds = ["note", "bio", "ref"] as const;
/** The embedded database works through the 250 new messages' routing and SLA events meanwhile. */
const busyServerMs = 90_000;

declare global {
  interface Window {
    __xss?: () => void;
    __xssFired?: number;
  }
}

export const journeys: Journey[] = [
  {
    name: "renders an XSS corpus in messages, contact names and attributes as text, running none of it",
    timeoutMs: 240_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      if (xssCorpus.length < customers * messagesPerCustomer) throw new Error("the corpus is too small");
      // The probe every payload calls if it ever runs; any dialog (alert, confirm, prompt) counts too.
      await page.addInitScript(() => {
        window.__xss = () => {
          window.__xssFired = (window.__xssFired ?? 0) + 1;
        };
      });
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      const probeErrors: string[] = [];
      page.on("pageerror", (error) => {
        if (/__xss|alert|confirm/.test(error.message)) probeErrors.push(error.message);
      });
      const assertNothingRan = async (where: string) => {
        const state = await page.evaluate(() => ({
          fired: window.__xssFired ?? 0,
          injected: document.querySelectorAll("[data-xss]").length,
        }));
        if (state.fired || state.injected || dialogs.length || probeErrors.length) {
          throw new Error(
            `script injection at ${where}: ${state.fired} probe calls, ${state.injected} injected elements, dialogs ${JSON.stringify(dialogs)}, errors ${JSON.stringify(probeErrors)}`,
          );
        }
      };

      await signIn(page, baseUrl, email, password);
      // Control: the detector does see an injected element (so a clean run below means something).
      const control = await page.evaluate(() => {
        const probe = document.createElement("div");
        probe.innerHTML = '<b data-xss onclick="__xss()">control</b>';
        document.body.append(probe);
        probe.querySelector("b")?.click();
        const seen = { injected: document.querySelectorAll("[data-xss]").length, fired: window.__xssFired ?? 0 };
        probe.remove();
        window.__xssFired = 0;
        return seen;
      });
      if (control.injected !== 1) throw new Error("the injection detector does not work");
      console.log(`    control: an injected handler ${control.fired ? "ran" : "was blocked by the page's CSP"}`);
      const unique = Date.now().toString(36);
      const channelId = await createApiChannel(page, baseUrl, `XSS ${unique}`);

      // Message bodies: the whole corpus; contact names: one payload per customer.
      const messages = xssCorpus.slice(0, customers * messagesPerCustomer).map((payload, index) => {
        const customer = index % customers;
        return {
          id: `xss-${unique}-${index}`,
          customerId: `xss-${unique}-${customer}`,
          name: xssCorpus[customer] ?? "",
          text: payload,
        };
      });
      const messageCases = await receiveCustomerMessages(page, baseUrl, channelId, messages, busyServerMs);
      const bodiesOf = new Map<string, string[]>();
      for (const [index, caseId] of messageCases.entries()) {
        bodiesOf.set(caseId, [...(bodiesOf.get(caseId) ?? []), messages[index]?.text ?? ""]);
      }
      if (bodiesOf.size !== customers) throw new Error(`expected ${customers} cases, got ${bodiesOf.size}`);

      // Attributes: three text attributes per contact, each holding another payload.
      const keys = attributeKinds.map((kind) => `${kind}_${unique}`);
      for (const key of keys) {
        const defined = await page.request.post(`${baseUrl}/api/v1/contact-attributes`, {
          data: { key, label: `${key} <b data-xss onclick=__xss()>label</b>`, type: "text" },
          timeout: busyServerMs,
        });
        await expectStatus(defined, 201, "POST /api/v1/contact-attributes");
      }
      const listed = await page.request.get(`${baseUrl}/api/v1/cases?channelId=${channelId}&limit=100`, {
        timeout: busyServerMs,
      });
      await expectStatus(listed, 200, "GET /api/v1/cases");
      const cases = ((await listed.json()) as { data: { id: string; contactId: string }[] }).data;
      const attributePayloads = new Map<string, string[]>();
      for (const [index, item] of cases.entries()) {
        const values = keys.map((_, k) => xssCorpus[customers + index * keys.length + k] ?? "");
        attributePayloads.set(item.id, values);
        const patched = await page.request.patch(`${baseUrl}/api/v1/contacts/${item.contactId}`, {
          data: { attributes: Object.fromEntries(keys.map((key, k) => [key, values[k]])) },
          timeout: busyServerMs,
        });
        await expectStatus(patched, 200, "PATCH /api/v1/contacts/:id");
      }
      const injected = new Set([...messages.map((m) => m.text), ...messages.map((m) => m.name)]);
      for (const values of attributePayloads.values()) for (const value of values) injected.add(value);
      if (injected.size < 200) throw new Error(`only ${injected.size} distinct payloads were injected`);

      // The inbox list shows every customer's name and first message: the channel's own view, scrolled to
      // its end (the list is virtualised: rows are rendered as they come into view).
      await page.goto(`${baseUrl}/inbox/channel-${channelId}`);
      const rows = page.getByTestId("case-row");
      await rows.first().waitFor();
      const firstCustomer = rows.filter({ hasText: xssCorpus[0] ?? "" }).first();
      for (let step = 0; step < 40 && (await firstCustomer.count()) === 0; step++) {
        await page.getByTestId("case-list-scroll").evaluate((list) => list.scrollBy(0, list.clientHeight));
        await page.waitForTimeout(100);
      }
      await firstCustomer.waitFor();
      await assertNothingRan("the inbox list");
      await screenshot("xss-inbox");

      // Every case: its five messages and its customer's attributes, rendered as the literal text.
      for (const item of cases) {
        await page.evaluate((path) => {
          window.history.pushState(null, "", path);
          window.dispatchEvent(new Event("rapport:navigate"));
        }, `/inbox/open/${item.id}`);
        const view = page.locator(`[data-testid="case-view"][data-case-id="${item.id}"]`);
        await view.waitFor();
        await view
          .getByTestId("message")
          .nth(messagesPerCustomer - 1)
          .waitFor();
        await view.getByRole("tab", { name: "Customer" }).click();
        await view.getByTestId("customer-attributes").waitFor();
        const shown = await view.evaluate((element) => element.textContent ?? "");
        for (const text of [...(bodiesOf.get(item.id) ?? []), ...(attributePayloads.get(item.id) ?? [])]) {
          if (!shown.includes(text)) throw new Error(`case ${item.id} does not show ${JSON.stringify(text)} as text`);
        }
        await assertNothingRan(`case ${item.id}`);
      }
      await screenshot("xss-case");

      // Global search lists contacts by those names and messages by their words; the wallboard lists the waiting cases' subjects.
      await page.keyboard.press("Control+k");
      await page.getByRole("combobox", { name: "Search contacts, cases and messages" }).fill("data-xss");
      await page.getByTestId("search-contact").first().waitFor();
      // …and messages holding those words, whose snippets (the payloads themselves) render as text too.
      await page.getByTestId("search-message").first().waitFor();
      await assertNothingRan("global search");
      await screenshot("xss-search");
      await page.keyboard.press("Escape");
      await page.getByRole("link", { name: "Wallboard" }).click();
      await page.getByTestId("waiting-cases").waitFor();
      await assertNothingRan("the wallboard");
      await screenshot("xss-wallboard");
      console.log(`    ${injected.size} distinct payloads rendered as text; no script ran`);
    },
  },
];
