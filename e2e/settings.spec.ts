import { eventually, getCase, receiveCustomerMessage } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

type SlaCase = {
  slaState: string | null;
  slaDueAt: string | null;
  sla: { policy?: unknown } | null;
  teamId: string | null;
};

export const journeys: Journey[] = [
  {
    name: "admin creates a team, an SLA policy and an api channel; a new case gets the SLA",
    timeoutMs: 60_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      await signIn(page, baseUrl, email, password);
      await page.getByRole("link", { name: "Settings" }).click();
      await page.getByRole("heading", { name: "Workspace" }).waitFor();

      // A team, from the Teams section.
      await page.getByRole("link", { name: "Teams" }).click();
      const teamName = `VIP care ${unique}`;
      const teamForm = page.getByRole("form", { name: "Create team" });
      await teamForm.getByRole("button", { name: "Create team" }).click();
      await teamForm.getByText("Required").waitFor(); // validated before anything is sent
      await teamForm.getByRole("textbox", { name: "Team name" }).fill(teamName);
      await teamForm.getByRole("button", { name: "Create team" }).click();
      await page.locator(`[data-testid="team"][data-team-name="${teamName}"]`).waitFor();

      // The SLA policy: a bad value is refused next to its field, then a good one is saved.
      await page.getByRole("link", { name: "SLA policy" }).click();
      const sla = page.getByRole("form", { name: "SLA policy" });
      await sla.getByRole("textbox", { name: "Policy name" }).fill(`Standard ${unique}`);
      const firstResponse = sla.getByRole("textbox", { name: "Normal — First response" });
      await firstResponse.fill("0");
      await sla.getByRole("button", { name: "Save" }).click();
      await sla.getByText("A whole number of minutes from 1 to 525,600.").waitFor();
      await firstResponse.fill("30");
      await sla.getByRole("textbox", { name: "Urgent — First response" }).fill("5");
      await sla.getByRole("textbox", { name: "Normal — Resolution" }).fill("480");
      await sla.getByRole("button", { name: "Save" }).click();
      await sla.getByRole("status").getByText("Saved").waitFor();
      await screenshot("settings-sla-policy");

      // An api channel, from the Channels section: the server's complaint shows beside the field.
      await page.getByRole("link", { name: "Channels" }).click();
      const channelForm = page.getByRole("form", { name: "Add channel" });
      await channelForm.getByRole("textbox", { name: "Name" }).fill(`Shop backend ${unique}`);
      const webhook = channelForm.getByRole("textbox", { name: "Webhook URL for replies" });
      await webhook.fill("not a url");
      await channelForm.getByRole("button", { name: "Add channel" }).click();
      await channelForm.getByText(/config\.webhookUrl/).waitFor();
      if ((await webhook.getAttribute("aria-invalid")) !== "true")
        throw new Error("the webhook URL field is not marked invalid");
      await webhook.fill("");
      await channelForm.getByRole("button", { name: "Add channel" }).click();
      await channelForm.getByText(`Channel "Shop backend ${unique}" added`).waitFor();
      await channelForm.getByTestId("secret-webhookSecret").waitFor();
      const card = page.getByTestId("channel").filter({ hasText: `Shop backend ${unique}` });
      const channelId = await card.getAttribute("data-channel-id");
      if (!channelId) throw new Error("the new channel is not listed");
      await screenshot("settings-channel-created");

      // A new customer message through that channel opens a case measured against the policy.
      const question = `My order never arrived ${unique}`;
      const caseId = await receiveCustomerMessage(page, baseUrl, channelId, {
        id: `sla-${unique}`,
        customerId: `sla-customer-${unique}`,
        name: "Nadia Haddad",
        text: question,
      });
      await eventually(async () => {
        const item = await getCase<SlaCase>(page, baseUrl, caseId);
        return item.slaState === "ok" && item.slaDueAt !== null;
      }, "the new case to get its SLA clock");
      const item = await getCase<SlaCase>(page, baseUrl, caseId);
      const dueInMinutes = (Date.parse(item.slaDueAt ?? "") - Date.now()) / 60_000;
      if (dueInMinutes < 25 || dueInMinutes > 31) {
        throw new Error(`the first response should be due in about 30 minutes, not ${dueInMinutes.toFixed(1)}`);
      }

      // The agent sees the SLA on the case, and puts it in the new team.
      await page.goto(`${baseUrl}/inbox/open/${caseId}`);
      const caseView = page.getByTestId("case-view");
      await caseView.getByTestId("message").filter({ hasText: question }).waitFor();
      await caseView.getByTestId("sla-badge").and(page.locator('[data-sla-state="ok"]')).waitFor();
      await page.getByRole("textbox", { name: "Team", exact: true }).click();
      await page.getByRole("option", { name: teamName }).click();
      await eventually(
        async () => (await getCase<SlaCase>(page, baseUrl, caseId)).teamId !== null,
        "the case to join the team",
      );
      await screenshot("case-with-sla");
    },
  },
];
