import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { addMember, expectStatus, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

type Delivered = { message: { id: string; text: string; caseId: string } };

/** The customer side of an `api` channel: a webhook receiver collecting the replies Rapport delivers. */
async function startCustomerSide() {
  const delivered: Delivered[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      try {
        delivered.push(JSON.parse(body) as Delivered);
      } catch {
        // Not a delivery.
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: `ext-${delivered.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, delivered, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const journeys: Journey[] = [
  {
    name: "answers with a quick reply through / and mentions a teammate in a note",
    timeoutMs: 60_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const customer = await startCustomerSide();
      try {
        await signIn(page, baseUrl, email, password);
        const unique = Date.now().toString(36);

        // The shop's api channel delivers replies to the customer side; a shared quick reply with variables.
        const channel = await page.request.post(`${baseUrl}/api/v1/channels`, {
          data: {
            type: "api",
            name: `Shop ${unique}`,
            config: { webhookUrl: customer.url, allowPrivateNetwork: true },
          },
        });
        await expectStatus(channel, 201, "POST /api/v1/channels");
        const channelId = ((await channel.json()) as { channel: { id: string } }).channel.id;
        const shortcut = `ship${unique}`;
        await expectStatus(
          await page.request.post(`${baseUrl}/api/v1/quick-replies`, {
            data: {
              scope: "workspace",
              shortcut,
              title: "Parcel on its way",
              body: "Hi {{contact.first_name}}, your parcel for case #{{case.number}} left our warehouse today.",
            },
          }),
          201,
          "POST /api/v1/quick-replies",
        );
        const teammateName = `Mia ${unique}`;
        const teammateId = await addMember(page, baseUrl, {
          email: `mia.${unique}@demo.test`,
          name: teammateName,
          role: "agent",
          password: "correct horse battery staple",
        });
        // The member list is cached for a few minutes: reload so the new teammate can be mentioned.
        await page.reload({ waitUntil: "domcontentloaded" });
        await page.getByRole("link", { name: "All open" }).click();
        await page.getByTestId("realtime-status").and(page.locator('[data-status="connected"]')).waitFor();

        const question = `Where is my parcel ${unique}?`;
        const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
          id: `m-${unique}`,
          customerId: `cust-${unique}`,
          name: "Li Wei",
          text: question,
        });
        const row = page.getByTestId("case-row").filter({ hasText: question });
        await row.waitFor({ state: "visible" });
        await row.click();
        const caseView = page.getByTestId("case-view");
        await caseView.getByTestId("message").filter({ hasText: question }).waitFor({ state: "visible" });
        const number = (
          (await (await page.request.get(`${baseUrl}/api/v1/cases/${caseId}`)).json()) as { number: number }
        ).number;

        // `/` opens the quick replies; the preview shows this case's values.
        await page.keyboard.press("r");
        const replyBox = page.getByRole("textbox", { name: "Reply" });
        await replyBox.pressSequentially(`/${shortcut.slice(0, 6)}`);
        const menu = page.getByTestId("quick-reply-menu");
        await menu
          .getByTestId("quick-reply-option")
          .filter({ hasText: `/${shortcut}` })
          .waitFor({ state: "visible" });
        const rendered = `Hi Li, your parcel for case #${number} left our warehouse today.`;
        await menu.getByTestId("quick-reply-preview").getByText(rendered).waitFor({ state: "visible" });
        await screenshot("composer-quick-reply");
        await replyBox.press("Enter");
        await menu.waitFor({ state: "detached" });
        const value = await replyBox.inputValue();
        if (value !== rendered) throw new Error(`the reply box holds "${value}", not the rendered quick reply`);

        await replyBox.press("Control+Enter");
        await caseView.getByTestId("message").filter({ hasText: rendered }).waitFor({ state: "visible" });
        // The customer side (the api channel's webhook) receives it.
        await waitUntil(
          () => customer.delivered.some((d) => d.message.text === rendered && d.message.caseId === caseId),
          "the customer side received the quick reply",
        );
        await caseView
          .getByTestId("message")
          .filter({ hasText: rendered })
          .getByTestId("message-status")
          .getByText("Sent")
          .waitFor({ state: "visible" });

        // A note that @mentions the teammate, picked from the autocomplete.
        await page.keyboard.press("Escape");
        await page.keyboard.press("n");
        const noteBox = page.getByRole("textbox", { name: "Internal note" });
        await noteBox.pressSequentially(`Please double-check the address @mia.${unique.slice(0, 3)}`);
        const mentionMenu = page.getByTestId("mention-menu");
        await mentionMenu.getByText(teammateName).waitFor({ state: "visible" });
        await screenshot("composer-mention");
        await noteBox.press("Enter");
        const handle = `@Mia${unique}`;
        if (!(await noteBox.inputValue()).includes(handle)) throw new Error(`the note does not mention ${handle}`);
        await page.getByRole("button", { name: "Add note" }).click();
        const note = caseView.getByTestId("message").filter({ hasText: handle });
        await note.waitFor({ state: "visible" });
        if ((await note.getAttribute("data-private")) !== "true") throw new Error("the note is not private");

        const events = await page.request.get(`${baseUrl}/api/v1/cases/${caseId}/events?limit=200`);
        await expectStatus(events, 200, "GET /api/v1/cases/:id/events");
        const added = ((await events.json()) as { data: { action: string; details: Record<string, unknown> }[] }).data
          .filter((e) => e.action === "note.added")
          .at(-1);
        const mentioned = added?.details.mentionedUserIds;
        if (!Array.isArray(mentioned) || !mentioned.includes(teammateId)) {
          throw new Error(`the note did not mention the teammate: ${JSON.stringify(added)}`);
        }
        if (customer.delivered.some((d) => d.message.text.includes(handle))) {
          throw new Error("an internal note reached the customer");
        }
        await screenshot("composer-case");
      } finally {
        await customer.close();
      }
    },
  },
];
