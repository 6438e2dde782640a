import { crc32, deflateSync } from "node:zlib";
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

/** A 12×12 red PNG, as a visitor's photo (encoded here: signature, IHDR, IDAT, IEND). */
function redPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(12, 0);
  header.writeUInt32BE(12, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: 12 }, () => [220, 30, 30]).flat())]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(Array.from({ length: 12 }, () => row)))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Signs the page in and patches the demo web chat channel's config; returns a function restoring the given keys. */
async function patchDemoChannel(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
  config: Record<string, unknown>,
  restore: Record<string, unknown>,
) {
  await signIn(page, baseUrl, email, password);
  const channelId = await demoChannelId(page, baseUrl);
  const patched = await page.request.patch(`${baseUrl}/api/v1/channels/${channelId}`, { data: { config } });
  await expectStatus(patched, 200, "PATCH /api/v1/channels/:id");
  return async () => {
    const back = await page.request.patch(`${baseUrl}/api/v1/channels/${channelId}`, { data: { config: restore } });
    await expectStatus(back, 200, "PATCH /api/v1/channels/:id (restore)");
  };
}

/** The messages of the workspace's case whose subject contains a text, read through the API. */
async function caseMessages(page: Page, baseUrl: string, text: string) {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const list = await page.request.get(`${baseUrl}/api/v1/cases?limit=50&q=${encodeURIComponent(text)}`);
    await expectStatus(list, 200, "GET /api/v1/cases");
    const found = ((await list.json()) as { data: { id: string; subject: string }[] }).data.find((c) =>
      c.subject.includes(text),
    );
    if (found) {
      const res = await page.request.get(`${baseUrl}/api/v1/cases/${found.id}/messages`);
      return ((await res.json()) as { data: { text: string; private: boolean }[] }).data;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no case with "${text}"`);
}

export const journeys: Journey[] = [
  {
    name: "searches the help center from the widget once an article is published",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await signIn(page, baseUrl, email, password);
      const unique = Date.now().toString(36);
      const created = await page.request.post(`${baseUrl}/api/v1/knowledge/articles`, {
        data: {
          slug: `descale-${unique}`,
          status: "published",
          versions: {
            en: { title: `Descaling your kettle ${unique}`, body: "Use white vinegar, then rinse twice." },
          },
        },
      });
      await expectStatus(created, 201, "POST /api/v1/knowledge/articles");
      const articleId = ((await created.json()) as { id: string }).id;
      try {
        await openWidget(page, baseUrl);
        const help = page.getByTestId("rapport-help");
        await help.getByRole("searchbox", { name: "Search help articles" }).fill(`vinegar ${unique}`);
        const hit = help.getByTestId("rapport-help-hit").filter({ hasText: `Descaling your kettle ${unique}` });
        await hit.waitFor({ state: "visible" });
        await help.locator("mark", { hasText: "vinegar" }).first().waitFor();
        const link = hit.getByRole("link");
        if ((await link.getAttribute("rel")) !== "noopener noreferrer")
          throw new Error("the article link leaks the page");
        if (!(await link.getAttribute("href"))?.includes(`/articles/descale-${unique}`))
          throw new Error("the hit does not link to its article");
        await screenshot("widget-help-search");
      } finally {
        await page.request.delete(`${baseUrl}/api/v1/knowledge/articles/${articleId}`);
      }
    },
  },
  {
    name: "sends a visitor's image that the agent sees in the case",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      const question = `The lid of my teapot cracked (${unique})`;
      const panel = await visitorAsks(page, baseUrl, question);
      await panel.getByTestId("rapport-file").setInputFiles({
        name: `lid-${unique}.png`,
        mimeType: "image/png",
        buffer: redPng(),
      });
      const shown = panel.getByTestId("rapport-image");
      await shown.waitFor({ state: "visible" });
      if (!(await shown.evaluate((img: HTMLImageElement) => img.naturalWidth === 12)))
        throw new Error("the widget does not show the image");
      await screenshot("widget-upload");

      // A file over the channel's type list is refused in the widget with a reason.
      await panel.getByTestId("rapport-file").setInputFiles({
        name: "setup.exe",
        mimeType: "application/x-msdownload",
        buffer: Buffer.from("MZ"),
      });
      await panel.getByText("This type of file cannot be sent.").waitFor({ state: "visible" });

      const { context: agentContext, caseView } = await agentOpensCase(page, baseUrl, email, password, question);
      try {
        const image = caseView.getByTestId("message").locator("img");
        await image.waitFor({ state: "visible" });
        await agentContext
          .pages()[0]
          ?.waitForFunction(() =>
            Array.from(document.querySelectorAll("[data-testid=message] img")).some(
              (i) => (i as HTMLImageElement).naturalWidth === 12,
            ),
          );
        await agentContext.pages()[0]?.screenshot({ path: "e2e/artifacts/widget-upload-console.png" });

        // The agent answers with an image from the composer: the visitor sees it in the widget.
        const agent = agentContext.pages()[0];
        if (!agent) throw new Error("no agent page");
        const [chooser] = await Promise.all([
          agent.waitForEvent("filechooser"),
          agent.getByRole("button", { name: "Attach a file" }).click(),
        ]);
        await chooser.setFiles({ name: `answer-${unique}.png`, mimeType: "image/png", buffer: redPng() });
        const send = agent.getByRole("button", { name: "Send", exact: true });
        await agent.waitForFunction(() => {
          const button = Array.from(document.querySelectorAll("button")).find((b) => b.textContent?.trim() === "Send");
          return button !== undefined && !button.disabled;
        });
        await send.click();
        const answer = panel.locator('[data-direction="outbound"]').getByTestId("rapport-image");
        await answer.waitFor({ state: "visible" });
      } finally {
        await agentContext.close();
      }
    },
  },
  {
    name: "asks the pre-chat form first and shows the answers to the agent",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const restore = await patchDemoChannel(
        page,
        baseUrl,
        email,
        password,
        {
          preChatForm: {
            enabled: true,
            fields: [
              { kind: "name", required: true },
              { kind: "email", required: true },
              { kind: "custom", key: "order", label: { en: "Order number" } },
            ],
          },
        },
        { preChatForm: { enabled: false } },
      );
      try {
        const unique = Date.now().toString(36);
        await openWidget(page, baseUrl);
        const form = page.getByTestId("rapport-prechat");
        await form.waitFor({ state: "visible" });
        await form.getByRole("button", { name: "Start chat" }).click();
        await form.getByText("Please fill in this field.").first().waitFor({ state: "visible" });
        await form.getByLabel("Name").fill("Mei Chen");
        await form.getByLabel("Email").fill("mei-at-example");
        await form.getByRole("button", { name: "Start chat" }).click();
        await form.getByText("Please enter a valid email address.").waitFor({ state: "visible" });
        await form.getByLabel("Email").fill(`mei.${unique}@example.com`);
        await form.getByLabel("Order number").fill(`A-${unique}`);
        await screenshot("widget-prechat");
        await form.getByRole("button", { name: "Start chat" }).click();
        const input = page.getByTestId("rapport-panel").getByRole("textbox", { name: "Your message" });
        await input.waitFor({ state: "visible" });
        const question = `Can I change my order? (${unique})`;
        await input.fill(question);
        await input.press("Enter");
        await page.getByTestId("rapport-message").filter({ hasText: question }).waitFor({ state: "visible" });
        const messages = await caseMessages(page, baseUrl, question);
        const note = messages.find((m) => m.private);
        if (!note?.text.includes(`Order number: A-${unique}`) || !note.text.includes("Name: Mei Chen"))
          throw new Error(`no pre-chat note on the case: ${JSON.stringify(messages)}`);
      } finally {
        await restore();
      }
    },
  },
  {
    name: "shows the offline form when nobody can answer and turns it into a case",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const restore = await patchDemoChannel(
        page,
        baseUrl,
        email,
        password,
        { offlineForm: { enabled: true } },
        { offlineForm: { enabled: false } },
      );
      try {
        const offline = await page.request.put(`${baseUrl}/api/v1/presence`, { data: { status: "offline" } });
        await expectStatus(offline, 200, "PUT /api/v1/presence");
        // The server keeps a workspace's availability for up to 10 s.
        await page.waitForTimeout(10_500);
        const unique = Date.now().toString(36);
        await openWidget(page, baseUrl);
        const form = page.getByTestId("rapport-offline");
        await form.waitFor({ state: "visible" });
        await form.getByRole("button", { name: "Send message" }).click();
        await form.getByText("Please fill in this field.").first().waitFor({ state: "visible" });
        await form.getByLabel("Name").fill("Li Wei");
        await form.getByLabel("Email").fill(`li.${unique}@customer.example`);
        const message = `Do you ship to Chengdu? (${unique})`;
        await form.getByLabel("Message").fill(message);
        await form.getByRole("button", { name: "Send message" }).click();
        // The demo workspace has no mailbox: the visitor is told the answer comes here.
        await page
          .getByTestId("rapport-offline-thanks")
          .filter({ hasText: "We will answer here as soon as we are back." })
          .waitFor({ state: "visible" });
        await screenshot("widget-offline");
        const messages = await caseMessages(page, baseUrl, message);
        if (!messages.some((m) => !m.private && m.text.includes(message)))
          throw new Error(`the offline message is not on the case: ${JSON.stringify(messages)}`);
        // The demo workspace has no email channel: the case says replies cannot go by email.
        if (!messages.some((m) => m.private && m.text.includes("no email channel")))
          throw new Error(`the case does not say there is no email channel: ${JSON.stringify(messages)}`);
      } finally {
        await restore();
      }
    },
    timeoutMs: 60_000,
  },
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
