import type { Page } from "playwright-core";
import { expectStatus } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey, JourneyContext } from "./types.ts";

type Intent = { id: string; name: string; flowId: string | null };

/** Removes the order-status template's intent and flow if an earlier run installed them, so "Install" works. */
async function uninstallOrderStatus(page: Page, baseUrl: string) {
  const intents = (await (await page.request.get(`${baseUrl}/api/v1/bot/intents`)).json()) as { data: Intent[] };
  const installed = intents.data.find((i) => i.name === "order.status");
  if (!installed) return;
  await expectStatus(
    await page.request.delete(`${baseUrl}/api/v1/bot/intents/${installed.id}`),
    204,
    "DELETE order.status",
  );
  if (installed.flowId)
    await expectStatus(
      await page.request.delete(`${baseUrl}/api/v1/bot/flows/${installed.flowId}`),
      204,
      "DELETE its flow",
    );
}

async function knowledgeBase({ page, baseUrl, screenshot }: JourneyContext, unique: string) {
  const me = (await (await page.request.get(`${baseUrl}/api/v1/me`)).json()) as { workspace: { slug: string } };
  const title = `Gift cards ${unique}`;
  await page.goto(`${baseUrl}/settings/knowledge`);
  await page.getByRole("link", { name: `Open the help center (/help/${me.workspace.slug})` }).waitFor();
  await page.getByRole("button", { name: "New article" }).click();
  const editor = page.getByRole("form", { name: "New article" });
  // A version without a title is refused beside the title.
  await editor.getByRole("button", { name: "Save" }).click();
  await editor.getByText("Required").waitFor();
  await editor.getByRole("textbox", { name: "Title (English)" }).fill(title);
  await editor
    .getByRole("textbox", { name: "Body (English)" })
    .fill("Gift cards **never expire**.\n\n## Balance\n\nSee [your account](https://shop.test/account).");
  await editor.getByText("Preview", { exact: true }).click();
  const preview = editor.getByTestId("kb-preview");
  await preview.locator("strong", { hasText: "never expire" }).waitFor();
  await preview.locator("h2", { hasText: "Balance" }).waitFor();
  await screenshot("kb-editor-preview");
  await editor.getByRole("button", { name: "Save" }).click();
  const saved = page.getByRole("form", { name: `Edit "${title}"` });
  await saved.getByRole("status").getByText("Saved").waitFor();
  await page.getByTestId("kb-stats").getByText("Views").waitFor();

  // Publish it, then read it in the public help center.
  await saved.getByRole("radio", { name: "Published" }).check();
  await saved.getByRole("button", { name: "Save" }).click();
  await page.getByRole("link", { name: "View in the help center" }).waitFor();
  await screenshot("kb-article-published");
  const slug = `gift-cards-${unique}`;
  await page.getByRole("button", { name: "← All articles" }).click();
  await page.getByRole("textbox", { name: "Search" }).fill(`gift ${unique}`);
  await page.locator(`[data-testid="kb-article"][data-slug="${slug}"]`).waitFor();
  await screenshot("kb-article-list");

  await page.goto(`${baseUrl}/help/${me.workspace.slug}/articles/${slug}`);
  await page.getByRole("heading", { name: title }).waitFor();
  await page.getByText("never expire").waitFor();
  await screenshot("kb-help-center-article");
}

async function bot({ page, baseUrl, screenshot }: JourneyContext, unique: string) {
  await uninstallOrderStatus(page, baseUrl);
  await page.goto(`${baseUrl}/settings/bot`);
  await page.getByRole("form", { name: "Bot settings" }).waitFor();
  await page.getByRole("tab", { name: "Intents" }).click();
  const form = page.getByRole("form", { name: "Add intent" });
  const name = `gift-card.balance-${unique}`;
  await form.getByRole("textbox", { name: "Name" }).fill(name);
  const english = form.getByRole("textbox", { name: "Example utterances — English" });
  await english.fill("what is the balance of my gift card");
  await form.getByRole("textbox", { name: "Answer — English" }).fill("Your gift card balance is in your account.");
  await form.getByRole("button", { name: "Add intent" }).click();
  await form.getByText("Give at least two example utterances.").waitFor();
  await english.fill("what is the balance of my gift card\nhow much is left on my gift card");
  await form.getByRole("textbox", { name: "Example utterances — French" }).fill("solde de ma carte cadeau");
  await form.getByRole("button", { name: "Add intent" }).click();
  await page.locator(`[data-testid="bot-intent"][data-intent="${name}"]`).waitFor();
  await screenshot("bot-intents");

  await page.getByRole("tab", { name: "Templates & training" }).click();
  const template = page.locator('[data-testid="bot-template"][data-template="order-status"]');
  await template.getByRole("button", { name: "Install" }).click();
  await template.getByRole("status").getByText("Installed").waitFor();
  await page.getByRole("button", { name: "Train now" }).click();
  await page.getByTestId("last-training").waitFor({ timeout: 30_000 });
  await screenshot("bot-templates-training");

  // The installed flow is valid; a step pointing nowhere is shown at that very field.
  await page.getByRole("tab", { name: "Flows" }).click();
  await page.getByRole("button", { name: "Edit Order status" }).click();
  const flow = page.getByRole("form", { name: "Edit flow Order status" });
  await flow.getByRole("button", { name: "Check" }).click();
  await flow.getByText("No problems found.").waitFor();
  const next = flow.getByRole("textbox", { name: "Step 1 (ask_number): Next step" });
  await next.fill("nowhere");
  await next.press("Escape");
  await flow.getByRole("button", { name: "Check" }).click();
  await flow.getByTestId("flow-problems").getByText("Step 1 (ask_number) › next").waitFor();
  if ((await next.getAttribute("aria-invalid")) !== "true")
    throw new Error("the Next step field is not marked invalid");
  await next.scrollIntoViewIfNeeded();
  await screenshot("bot-flow-problem");
  await flow.getByRole("button", { name: "Cancel" }).click();
  await page.locator('[data-testid="bot-flow"][data-flow="Order status"]').waitFor();
}

async function ai({ page, baseUrl, screenshot }: JourneyContext, unique: string) {
  await page.goto(`${baseUrl}/settings/ai`);
  const triage = page.getByRole("form", { name: "Spike alerts" });
  const keywords = triage.getByRole("textbox", { name: "Watched keywords" });
  await keywords.fill(`outage${unique}`);
  await keywords.press("Enter");
  await triage.getByRole("button", { name: "Save" }).click();
  await triage.getByRole("status").getByText("Saved").waitFor();

  // A loopback webhook is refused at the field until private addresses are allowed; the secret is shown once.
  const delivery = page.getByRole("form", { name: "Alert delivery" });
  await delivery.getByRole("textbox", { name: "Webhook URL" }).fill("http://127.0.0.1:9/hooks");
  await delivery.getByRole("button", { name: "Save" }).click();
  await delivery.getByText("resolves to a private or loopback address", { exact: false }).waitFor();
  await delivery.getByRole("checkbox", { name: "Allow a private or local address" }).check();
  await delivery.getByRole("button", { name: "Save" }).click();
  await delivery.getByTestId("webhook-secret").waitFor();
  await screenshot("ai-alert-delivery");

  const provider = page.getByRole("form", { name: "External AI provider" });
  const key = `sk-e2e-${unique}-secret`;
  await provider.getByRole("textbox", { name: "Base URL" }).fill("http://127.0.0.1:9/v1");
  await provider.getByRole("textbox", { name: "Model" }).fill("local-model");
  await provider.getByLabel("API key").fill(key);
  await provider.getByRole("checkbox", { name: "Allow a private or local address" }).check();
  await provider.getByRole("button", { name: "Save" }).click();
  await provider.getByText("This workspace uses its own provider (model local-model).").waitFor();
  await screenshot("ai-settings");
  await page.reload();
  await page.getByText("A key is stored (never shown).", { exact: false }).waitFor();
  if ((await page.content()).includes(key)) throw new Error("the stored API key is on the page");
  if ((await page.getByLabel("API key").inputValue()) !== "") throw new Error("the API key field is not empty");
}

export const journeys: Journey[] = [
  {
    name: "admin publishes a knowledge-base article, adds a bot intent, installs a template and sets up AI",
    timeoutMs: 150_000,
    run: async (ctx) => {
      const { page, baseUrl } = ctx;
      const unique = Date.now().toString(36);
      await signIn(page, baseUrl, ctx.email, ctx.password);
      const spikes = await (await page.request.get(`${baseUrl}/api/v1/ai/settings`)).json();
      try {
        await knowledgeBase(ctx, unique);
        await bot(ctx, unique);
        await ai(ctx, unique);
      } finally {
        // Later journeys share the demo workspace: no webhook, no provider, the spike settings as they were.
        await page.request.put(`${baseUrl}/api/v1/ai/settings`, { data: spikes });
        await page.request.put(`${baseUrl}/api/v1/ai/alert-delivery`, { data: { webhookUrl: null, email: true } });
        await page.request.put(`${baseUrl}/api/v1/ai/provider`, { data: { url: null } });
        const intents = (await (await page.request.get(`${baseUrl}/api/v1/bot/intents`)).json()) as { data: Intent[] };
        for (const intent of intents.data.filter((i) => i.name.endsWith(`-${unique}`)))
          await page.request.delete(`${baseUrl}/api/v1/bot/intents/${intent.id}`);
        const articles = (await (await page.request.get(`${baseUrl}/api/v1/knowledge/articles?limit=100`)).json()) as {
          data: { id: string; slug: string }[];
        };
        for (const article of articles.data.filter((a) => a.slug === `gift-cards-${unique}`))
          await page.request.delete(`${baseUrl}/api/v1/knowledge/articles/${article.id}`);
      }
    },
  },
];
