import { eventually, expectStatus, getCase, receiveCustomerMessage } from "./api.ts";
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
      await page.getByRole("link", { name: "Teams", exact: true }).click();
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

      // A web chat channel: its own config form, a secret shown once, and the embed code to copy.
      await channelForm.getByRole("textbox", { name: "Type" }).click();
      await page.getByRole("option", { name: "Web chat" }).click();
      await channelForm.getByRole("textbox", { name: "Name" }).fill(`Site chat ${unique}`);
      const origins = channelForm.getByRole("textbox", { name: "Allowed origins" });
      await origins.fill("https://shop.example");
      await origins.press("Enter");
      await channelForm.getByRole("button", { name: "Add channel" }).click();
      await channelForm.getByTestId("secret-identitySecret").waitFor();
      const chatCard = page.getByTestId("channel").filter({ hasText: `Site chat ${unique}` });
      const snippet = (await chatCard.getByTestId("embed-snippet").textContent()) ?? "";
      if (!snippet.includes("/widget.js") || !snippet.includes("data-channel=")) {
        throw new Error(`the embed code is wrong: ${snippet}`);
      }

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
  {
    name: "admin adds a member, changes their role, and creates and revokes an API token",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      await signIn(page, baseUrl, email, password);
      await page.goto(`${baseUrl}/settings/members`);
      const invite = page.getByRole("form", { name: "Add a member" });
      const emailBox = invite.getByRole("textbox", { name: "Email" });

      // The server's refusal lands on the field it is about.
      await emailBox.fill(email);
      await invite.getByRole("button", { name: "Add member" }).click();
      await invite.getByText(/is already a member/).waitFor();
      if ((await emailBox.getAttribute("aria-invalid")) !== "true")
        throw new Error("the email field is not marked invalid");

      const name = `Lina Agent ${unique}`;
      await emailBox.fill(`lina.${unique}@demo.rapport.local`);
      await invite.getByRole("textbox", { name: "Name" }).fill(name);
      await invite.getByRole("button", { name: "Add member" }).click();
      await invite.getByText(`lina.${unique}@demo.rapport.local was added.`).waitFor();
      await invite.getByText("Their first password").waitFor();

      // Promote them from the members table.
      await page.getByRole("textbox", { name: `Role of ${name}` }).click();
      await page.getByRole("option", { name: "Supervisor" }).click();
      await eventually(async () => {
        const members = (await (await page.request.get(`${baseUrl}/api/v1/users?limit=200`)).json()) as {
          data: { name: string; role: string }[];
        };
        return members.data.some((member) => member.name === name && member.role === "supervisor");
      }, "the new member to become a supervisor");
      await screenshot("settings-members");

      // A token: its secret shows once; revoking asks first.
      await page.getByRole("link", { name: "API tokens" }).click();
      const tokenForm = page.getByRole("form", { name: "Create token" });
      await tokenForm.getByRole("textbox", { name: "Name" }).fill(`CRM sync ${unique}`);
      await tokenForm.getByRole("button", { name: "Create token" }).click();
      const secret = (await tokenForm.getByTestId("token-secret").textContent()) ?? "";
      if (!secret.startsWith("rpt_")) throw new Error(`the new token is not shown: "${secret}"`);
      const row = page.getByTestId("token-row").filter({ hasText: `CRM sync ${unique}` });
      page.once("dialog", (dialog) => void dialog.accept());
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.getByText("Revoked").waitFor();
      const rejected = await page.request.get(`${baseUrl}/api/v1/me`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      await expectStatus(rejected, 401, "GET /api/v1/me with the revoked token");
      await screenshot("settings-tokens");

      // The settings follow the UI language.
      await page.getByRole("textbox", { name: "Language" }).click();
      await page.getByRole("option", { name: "Français" }).click();
      await page.getByRole("heading", { name: "Jetons d'API" }).waitFor();
      await page.getByRole("link", { name: "Utilisateurs et rôles" }).waitFor();
    },
  },
];
