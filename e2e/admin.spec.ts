import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

export const journeys: Journey[] = [
  {
    name: "admin sets business hours, a skill, a custom status, a quick reply and a macro, then reads them in the audit log",
    timeoutMs: 90_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const unique = Date.now().toString(36);
      await signIn(page, baseUrl, email, password);

      // Business hours: a malformed time is refused beside its field, then the week and a holiday are saved.
      await page.goto(`${baseUrl}/settings/business-hours`);
      const hours = page.getByRole("form", { name: "Opening hours and holidays" });
      await hours.getByRole("textbox", { name: "Monday 1: opens" }).fill("08:30");
      const mondayCloses = hours.getByRole("textbox", { name: "Monday 1: closes" });
      await mondayCloses.fill("25:00");
      await hours.getByRole("button", { name: "Save" }).click();
      await hours.getByText("Use HH:MM, e.g. 09:00.").waitFor();
      await mondayCloses.fill("18:00");
      await hours.getByRole("button", { name: "Add holiday" }).click();
      const holiday = hours.getByTestId("holiday").last();
      await holiday.getByLabel("Date").fill("2026-12-25");
      await holiday.getByRole("textbox", { name: "Name" }).fill(`Christmas ${unique}`);
      await hours.getByRole("button", { name: "Save" }).click();
      await hours.getByRole("status").getByText("Saved").waitFor();
      await screenshot("admin-business-hours");

      // Skills: define one, then give it to an agent with a capacity.
      await page.getByRole("link", { name: "Skills & capacity" }).click();
      const skill = `billing-${unique}`;
      const skillForm = page.getByRole("form", { name: "Add skill" });
      await skillForm.getByRole("button", { name: "Add skill" }).click();
      await skillForm.getByText("Required").waitFor();
      await skillForm.getByRole("textbox", { name: "Skill" }).fill(skill);
      await skillForm.getByRole("button", { name: "Add skill" }).click();
      await page.locator(`[data-testid="skill"][data-skill="${skill}"]`).waitFor();
      const agent = page.getByTestId("agent-routing").first();
      await agent.getByRole("textbox", { name: "Skills" }).click();
      await page.getByRole("option", { name: skill }).click();
      await agent.getByRole("textbox", { name: "Skills" }).press("Escape");
      await agent.getByRole("textbox", { name: `Level of ${skill}` }).fill("4");
      await agent.getByRole("textbox", { name: "API" }).fill("6");
      await agent.getByRole("button", { name: "Save" }).click();
      await agent.getByRole("status").getByText("Saved").waitFor();
      await page.locator(`[data-testid="skill"][data-skill="${skill}"]`).getByText("1 agent").waitFor();
      await screenshot("admin-skills");

      // A custom status that refines "Pending".
      await page.getByRole("link", { name: "Case statuses & fields" }).click();
      const status = `Waiting for parts ${unique}`;
      const statusForm = page.getByRole("form", { name: "Add status" });
      await statusForm.getByRole("textbox", { name: "Name" }).fill(status);
      await statusForm.getByRole("textbox", { name: "Base status" }).click();
      await page.getByRole("option", { name: "Pending" }).click();
      await statusForm.getByRole("button", { name: "Add status" }).click();
      await page.locator(`[data-testid="custom-status"][data-status="${status}"]`).waitFor();
      await screenshot("admin-case-statuses");

      // A quick reply: a variable inserted from the help, shown filled in the preview.
      await page.getByRole("link", { name: "Quick replies" }).click();
      const shortcut = `thanks-${unique}`;
      const replyForm = page.getByRole("form", { name: "Add quick reply" });
      await replyForm.getByRole("textbox", { name: "Shortcut" }).fill(shortcut);
      await replyForm.getByRole("textbox", { name: "Title" }).fill(`Thanks ${unique}`);
      const body = replyForm.getByRole("textbox", { name: "Text" });
      await body.fill("Thank you ");
      await body.press("End");
      await replyForm.getByRole("button", { name: "{{contact.first_name}}" }).click();
      await body.press("End");
      await body.pressSequentially(", we are on it. {{bogus}}");
      await replyForm.getByTestId("reply-preview").getByText("Li", { exact: true }).waitFor();
      await replyForm.getByRole("button", { name: "Add quick reply" }).click();
      await replyForm.getByText("Unknown variables: bogus.").waitFor();
      await body.fill("Thank you {{contact.first_name|there}}, we are on it.");
      await replyForm.getByRole("button", { name: "Add quick reply" }).click();
      await page.locator(`[data-testid="quick-reply"][data-shortcut="${shortcut}"]`).waitFor();
      await screenshot("admin-quick-replies");

      // A macro: reply, then set the status to solved.
      await page.getByRole("link", { name: "Macros" }).click();
      const macro = `Close politely ${unique}`;
      const macroForm = page.getByRole("form", { name: "Add macro" });
      await macroForm.getByRole("textbox", { name: "Name" }).fill(macro);
      await macroForm
        .getByRole("textbox", { name: "Reply text" })
        .fill("Glad we could help, {{contact.first_name|there}}!");
      await macroForm.getByRole("button", { name: "Add action" }).click();
      const second = macroForm.getByTestId("macro-action").nth(1);
      await second.getByRole("textbox", { name: "Do" }).click();
      await page.getByRole("option", { name: "Set status" }).click();
      await macroForm.getByRole("button", { name: "Add macro" }).click();
      await second.getByText("Required").waitFor(); // the status is missing
      await second.getByRole("textbox", { name: "Status" }).click();
      await page.getByRole("option", { name: "Solved" }).click();
      await macroForm.getByRole("button", { name: "Add macro" }).click();
      await page.locator(`[data-testid="macro"][data-macro="${macro}"]`).waitFor();
      await screenshot("admin-macros");

      // The audit log shows each change, and filters by action family.
      await page.getByRole("link", { name: "Audit log" }).click();
      const entry = (action: string, text: string) =>
        page.locator(`[data-testid="audit-entry"][data-action="${action}"]`).filter({ hasText: text }).first();
      await entry("business_hours.updated", "holidays").waitFor();
      await entry("skill.created", skill).waitFor();
      await entry("routing.agent.updated", skill).waitFor();
      await entry("case_status.created", status).waitFor();
      await entry("quick_reply.created", shortcut).waitFor();
      await entry("macro.created", macro).waitFor();
      await screenshot("admin-audit-log");
      const filters = page.getByRole("form", { name: "Filter the audit log" });
      await filters.getByRole("textbox", { name: "Action" }).fill("macro.");
      await filters.getByRole("button", { name: "Filter" }).click();
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll('[data-testid="audit-entry"]')).every((row) =>
          (row.getAttribute("data-action") ?? "").startsWith("macro."),
        ),
      );
      await entry("macro.created", macro).waitFor();
      await screenshot("admin-audit-log-filtered");

      // Leave the workspace always open again: later journeys count on SLA clocks and web chat availability now.
      await page.goto(`${baseUrl}/settings/business-hours`);
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Remove business hours (always open)" }).click();
      await page.getByText("No business hours set yet").waitFor();

      // The same screens in Chinese.
      await page.evaluate(() => localStorage.setItem("rapport.language", "zh-CN"));
      await page.goto(`${baseUrl}/settings/business-hours`);
      await page.getByRole("heading", { name: "营业时间", exact: true }).waitFor();
      await page.getByRole("link", { name: "审计日志" }).click();
      await page.getByRole("form", { name: "筛选审计日志" }).waitFor();
      await entry("macro.created", macro).waitFor();
      await screenshot("admin-audit-log-zh");
      await page.evaluate(() => localStorage.setItem("rapport.language", "en"));
    },
  },
];

journeys.push({
  name: "admin edits a channel's configuration and tests its connection",
  run: async ({ page, baseUrl, email, password, screenshot }) => {
    const unique = Date.now().toString(36);
    await signIn(page, baseUrl, email, password);
    await page.goto(`${baseUrl}/settings/channels`);
    const add = page.getByRole("form", { name: "Add channel" });
    await add.getByRole("textbox", { name: "Name" }).fill(`Backend ${unique}`);
    await add.getByRole("button", { name: "Add channel" }).click();
    const card = page.getByTestId("channel").filter({ hasText: `Backend ${unique}` });
    await card.waitFor();

    await card.getByRole("button", { name: `Edit channel Backend ${unique}` }).click();
    const edit = card.getByRole("form", { name: `Edit Backend ${unique}` });
    await edit.getByRole("textbox", { name: "Name" }).fill(`Backend renamed ${unique}`);
    const webhook = edit.getByRole("textbox", { name: "Webhook URL for replies" });
    await webhook.fill("not a url");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.getByText(/webhookUrl/).waitFor(); // the server's complaint, beside the field
    await webhook.fill("http://127.0.0.1:9/replies");
    await edit.getByRole("checkbox", { name: "Allow private network addresses" }).check();
    await edit.getByRole("button", { name: "Save" }).click();
    const renamed = page.getByTestId("channel").filter({ hasText: `Backend renamed ${unique}` });
    await renamed.waitFor();
    await renamed.getByRole("button", { name: "Test connection" }).click();
    await renamed.getByRole("status").getByText("Connection works.").waitFor();
    await renamed.getByRole("button", { name: `Edit channel Backend renamed ${unique}` }).click();
    const saved = await renamed.getByRole("textbox", { name: "Webhook URL for replies" }).inputValue();
    if (saved !== "http://127.0.0.1:9/replies") throw new Error(`the edit was not saved: ${saved}`);
    await screenshot("admin-channel-edited");

    await page.goto(`${baseUrl}/settings/audit-log`);
    await page
      .locator('[data-testid="audit-entry"][data-action="channel.updated"]')
      .filter({ hasText: "config.webhookUrl" })
      .first()
      .waitFor();
  },
});
