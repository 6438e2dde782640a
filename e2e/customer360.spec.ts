import type { Page, WebSocketRoute } from "playwright-core";
import { addMember, createApiChannel, eventually, expectStatus, getCase, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

type Shown = { title: string; body?: string };
type Json = Record<string, unknown>;

/** Opens a case inside the console (client-side navigation) and waits for it. */
async function openCase(page: Page, caseId: string) {
  await page.evaluate((path) => {
    window.history.pushState(null, "", path);
    window.dispatchEvent(new Event("rapport:navigate"));
  }, `/inbox/open/${caseId}`);
  const view = page.locator(`[data-testid="case-view"][data-case-id="${caseId}"]`);
  await view.waitFor();
  return view;
}

const live = (page: Page) => page.getByTestId("realtime-status").and(page.locator('[data-status="connected"]'));

export const journeys: Journey[] = [
  {
    name: "works the Customer 360 panel: attribute, tag, timeline, duplicates; presence, typing and assignment notice",
    timeoutMs: 120_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      // Desktop notifications are recorded instead of shown (a headless browser has no notification centre).
      // (A string: the function form would carry the TypeScript loader's helpers into the page.)
      await page.addInitScript(`
        window.__shownNotifications = [];
        window.Notification = class {
          static permission = "granted";
          static requestPermission() { return Promise.resolve("granted"); }
          constructor(title, options) { window.__shownNotifications.push({ title, body: options && options.body }); }
          close() {}
        };
      `);
      await signIn(page, baseUrl, email, password);
      const me = (await (await page.request.get(`${baseUrl}/api/v1/me`)).json()) as { user: { id: string } };

      // A customer writes; the shop's backend adds an order, a location and a page view; a second profile shares the email.
      const unique = Date.now().toString(36);
      const channelId = await createApiChannel(page, baseUrl, `C360 ${unique}`);
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `c360-${unique}`,
        customerId: `c360-${unique}`,
        name: `Amélie Laurent ${unique}`,
        text: "My sneakers are too small, can I swap them?",
      });
      const { contactId, number } = await getCase<{ contactId: string; number: number }>(page, baseUrl, caseId);
      const points = `points_${unique}`;
      const tier = `tier_${unique}`;
      for (const definition of [
        { key: points, label: `Points ${unique}`, type: "number" },
        { key: tier, label: `Tier ${unique}`, type: "select", options: ["bronze", "silver", "gold"] },
      ]) {
        await expectStatus(
          await page.request.post(`${baseUrl}/api/v1/contact-attributes`, { data: definition }),
          201,
          "POST /api/v1/contact-attributes",
        );
      }
      const mail = `amelie.${unique}@example.com`;
      await expectStatus(
        await page.request.patch(`${baseUrl}/api/v1/contacts/${contactId}`, {
          data: { emails: [mail], attributes: { [tier]: "silver" } },
        }),
        200,
        "PATCH /api/v1/contacts/:id",
      );
      const order = await page.request.post(`${baseUrl}/api/v1/orders`, {
        data: {
          externalId: `SO-${unique}`,
          contactId,
          status: "paid",
          currency: "EUR",
          total: "120.50",
          lines: [{ name: "Sneakers", quantity: 1, unitPrice: "120.50" }],
        },
      });
      await expectStatus(order, 201, "POST /api/v1/orders");
      const events = await page.request.post(`${baseUrl}/api/v1/events`, {
        data: {
          events: [
            { contactId, type: "page_view", properties: { url: "https://shop.example/returns" } },
            { contactId, type: "location", properties: { latitude: 48.8566, longitude: 2.3522, label: "Paris" } },
          ],
        },
      });
      await expectStatus(events, 201, "POST /api/v1/events");
      const duplicate = await page.request.post(`${baseUrl}/api/v1/contacts`, {
        data: { displayName: `A. Laurent ${unique}`, emails: [mail] },
      });
      await expectStatus(duplicate, 201, "POST /api/v1/contacts");

      const view = await openCase(page, caseId);
      await view.getByRole("tab", { name: "Customer" }).click();
      const panel = view.getByTestId("customer-panel");
      await panel.waitFor();

      // Emails read as entered (not as objects).
      await panel.getByRole("cell", { name: mail }).waitFor();

      // Attribute: a wrong value shows the API's refusal and keeps the input; a good one is saved.
      await panel.getByRole("button", { name: `Edit Points ${unique}` }).click();
      const pointsInput = panel.getByRole("textbox", { name: `Points ${unique}` });
      await pointsInput.fill("lots");
      await pointsInput.press("Enter");
      await panel.getByText(/expected a finite number/).waitFor();
      await screenshot("customer360-attribute-error");
      await pointsInput.fill("42");
      await pointsInput.press("Enter");
      await panel
        .locator(`[data-testid="attribute"][data-key="${points}"]:not([data-editing])`, { hasText: "42" })
        .waitFor();

      // Tag: typed and Enter.
      const tag = `vip-${unique}`;
      const tags = panel.getByRole("textbox", { name: "Tags" });
      await tags.fill(tag);
      await tags.press("Enter");
      await eventually(async () => {
        const contact = (await (await page.request.get(`${baseUrl}/api/v1/contacts/${contactId}`)).json()) as Json;
        const attributes = contact.attributes as Json;
        return attributes[points] === 42 && (contact.tags as string[]).includes(tag);
      }, "the attribute and the tag to be saved");

      // Orders, lifetime value, the location with a safe map link.
      await panel.getByTestId("customer-orders").getByText(`SO-${unique}`).waitFor();
      await panel
        .getByTestId("customer-orders")
        .getByText(/Lifetime value/)
        .waitFor();
      const mapLink = panel.getByTestId("customer-locations").getByRole("link", { name: /Paris/ });
      if ((await mapLink.getAttribute("rel")) !== "noopener noreferrer") throw new Error("map link lacks its rel");

      // Timeline: every event, then only the orders.
      const timeline = panel.getByTestId("customer-timeline");
      await timeline.locator('[data-testid="timeline-event"][data-type="location"]').waitFor();
      await timeline.locator('[data-testid="timeline-event"][data-type="page_view"]').waitFor();
      await timeline.locator('[data-testid="timeline-event"][data-type="order.paid"]').waitFor();
      await timeline.getByText("Orders", { exact: true }).click();
      await timeline.locator('[data-testid="timeline-event"][data-type="location"]').waitFor({ state: "detached" });
      const shownTypes = await timeline
        .getByTestId("timeline-event")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-type")));
      if (shownTypes.some((type) => !type?.startsWith("order."))) throw new Error(`filter leaked: ${shownTypes}`);
      await timeline.scrollIntoViewIfNeeded();
      await screenshot("customer360-timeline");

      // Duplicate: merge after confirming, then undo.
      const suggestion = panel.getByTestId("duplicate").filter({ hasText: `A. Laurent ${unique}` });
      await suggestion.getByRole("button", { name: "Merge into this profile" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Merge", exact: true }).click();
      await panel.getByTestId("merge-done").waitFor();
      await suggestion.waitFor({ state: "detached" });
      await panel.getByTestId("merge-decision").first().waitFor();
      await screenshot("customer360-merged");
      await panel.getByTestId("merge-done").getByRole("button", { name: "Undo" }).click();
      await panel.getByTestId("merge-done").waitFor({ state: "detached" });
      await suggestion.waitFor();
      const decisions = (await (
        await page.request.get(`${baseUrl}/api/v1/contacts/${contactId}/decisions`)
      ).json()) as {
        data: { kind: string }[];
      };
      if (
        decisions.data
          .map((d) => d.kind)
          .sort()
          .join() !== "merge,unmerge"
      ) {
        throw new Error(`expected a merge and its unmerge, got ${JSON.stringify(decisions.data)}`);
      }

      // Presence: away, kept across a reload.
      const switcher = page.getByTestId("presence-switcher");
      await switcher.click();
      await page.getByRole("menuitem", { name: /^Away/ }).click();
      await page.locator('[data-testid="presence-switcher"][data-presence="away"]').waitFor();
      await page.getByRole("menuitem", { name: /^Desktop notifications/ }).click();
      await page.getByRole("menuitem", { name: /^Desktop notifications\s*on$/ }).waitFor();
      await screenshot("customer360-presence");
      await page.keyboard.press("Escape");
      // The colleague of the next step exists before the reload, so the console knows their name.
      const colleague = { email: `sam.${unique}@example.com`, name: `Sam ${unique}`, role: "supervisor" };
      await addMember(page, baseUrl, { ...colleague, password: `Pw-${unique}-long-enough` });
      // The live connection goes through the test from now on, so the test can cut it (the browser stays online).
      let cut = false;
      const connections: WebSocketRoute[] = [];
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        if (cut) return void ws.close();
        ws.connectToServer();
        connections.push(ws);
      });
      await page.route(/\/socket\.io\//, (route) => (cut ? route.abort() : route.continue()));
      await page.reload();
      await page.locator('[data-testid="presence-switcher"][data-presence="away"]').waitFor();
      const presence = (await (await page.request.get(`${baseUrl}/api/v1/presence`)).json()) as { status: string };
      if (presence.status !== "away") throw new Error(`presence is ${presence.status}`);

      // The live connection drops for a while: what changed meanwhile (a tag, a new customer message) shows once
      // it is back. (Not the browser going offline: TanStack Query would refetch on the "online" event by itself.)
      await view.waitFor();
      await view.getByRole("tab", { name: "Customer" }).click();
      await view.getByTestId("customer-panel").getByText(tag, { exact: true }).waitFor();
      await view.getByTestId("timeline-event").first().waitFor();
      await live(page).waitFor();
      cut = true;
      for (const connection of connections) await connection.close();
      await page.locator('[data-testid="realtime-status"][data-status="disconnected"]').waitFor();
      const backTag = `back-${unique}`;
      await expectStatus(
        await page.request.patch(`${baseUrl}/api/v1/contacts/${contactId}`, { data: { tags: [tag, backTag] } }),
        200,
        "PATCH /api/v1/contacts/:id",
      );
      const again = `Any news about the swap? (${unique})`;
      await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `c360-${unique}-2`,
        customerId: `c360-${unique}`,
        name: `Amélie Laurent ${unique}`,
        text: again,
      });
      cut = false;
      await live(page).waitFor({ timeout: 20_000 });
      await view.getByTestId("message").filter({ hasText: again }).waitFor();
      await view.getByTestId("customer-panel").getByText(backTag).waitFor();

      // A colleague opens the same case and types: I see it (my case room was joined again after the reconnect).
      // Then they assign the case to me: I am notified.
      const browser = page.context().browser();
      if (!browser) throw new Error("no browser");
      const other = await browser.newContext();
      try {
        const second = await other.newPage();
        await signIn(second, baseUrl, colleague.email, `Pw-${unique}-long-enough`);
        await openCase(second, caseId);
        await live(second).waitFor();
        await second.getByRole("textbox", { name: "Reply" }).pressSequentially("Let me check the sizes", { delay: 20 });
        await view.getByTestId("typing-indicator").getByText(`Sam ${unique} is typing…`).waitFor();
        await screenshot("customer360-typing");
        const assigned = await second.request.patch(`${baseUrl}/api/v1/cases/${caseId}`, {
          data: { assigneeId: me.user.id },
        });
        await expectStatus(assigned, 200, "PATCH /api/v1/cases/:id");
      } finally {
        await other.close();
      }
      await eventually(async () => {
        const shown = await page.evaluate(
          () => (window as unknown as { __shownNotifications: Shown[] }).__shownNotifications,
        );
        return shown.some((n) => n.title === `Case #${number} was assigned to you`);
      }, "the assignment notification");
    },
  },
];
