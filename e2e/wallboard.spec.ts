import { addMember, createApiChannel, eventually, getCase, logInByApi, receiveCustomerMessages } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

export const journeys: Journey[] = [
  {
    name: "supervisor sees the queue on the wallboard and reassigns a waiting case",
    timeoutMs: 60_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      // The admin prepares a supervisor and a channel through the API.
      const unique = `wb${Date.now().toString(36)}`;
      await logInByApi(page, baseUrl, email, password);
      const supervisor = {
        email: `sam.${unique}@demo.rapport.local`,
        name: `Sam Supervisor ${unique}`,
        role: "supervisor",
        password: `Supervisor-${unique}-pass`,
      };
      const supervisorId = await addMember(page, baseUrl, supervisor);
      const channelId = await createApiChannel(page, baseUrl, `Queue ${unique}`);
      await page.request.post(`${baseUrl}/api/v1/auth/logout`);

      await signIn(page, baseUrl, supervisor.email, supervisor.password);
      await page.getByRole("link", { name: "Wallboard" }).click();
      await page.getByRole("heading", { name: "Wallboard" }).waitFor({ state: "visible" });
      await page.getByTestId("realtime-status").and(page.locator('[data-status="connected"]')).waitFor();
      const before = Number(await page.getByTestId("stat-waiting").textContent());

      // Three customers write while the wallboard is open: the queue grows live.
      const caseIds = await receiveCustomerMessages(
        page,
        baseUrl,
        channelId,
        [1, 2, 3].map((n) => ({
          id: `${unique}-${n}`,
          customerId: `${unique}-customer-${n}`,
          name: `Waiting customer ${n}`,
          text: `Still waiting for my refund ${unique} (${n})`,
        })),
      );
      await eventually(
        async () => Number(await page.getByTestId("stat-waiting").textContent()) >= before + 3,
        "the queue to grow by 3 on the wallboard",
      );
      const target = caseIds[0];
      if (!target) throw new Error("no case was created");
      // The demo's older cases wait longer: narrow the lists to this channel's queue.
      await page.getByRole("textbox", { name: "Channel" }).click();
      await page.getByRole("option", { name: `Queue ${unique}` }).click();
      const row = page.locator(`[data-testid="waiting-cases"] [data-case-id="${target}"]`);
      await row.waitFor({ state: "visible" });
      await page.getByRole("region", { name: "Queue by channel" }).getByText(`Queue ${unique}`).waitFor();
      await screenshot("wallboard-queue");

      // Reassign from the wallboard: pick the supervisor in the row's assignee select.
      const { number } = await getCase<{ number: number }>(page, baseUrl, target);
      await row.getByRole("textbox", { name: `Assignee of case #${number}` }).click();
      await page.getByRole("option", { name: supervisor.name }).click();
      await eventually(
        async () => (await getCase<{ assigneeId: string | null }>(page, baseUrl, target)).assigneeId === supervisorId,
        "the case to be assigned on the server",
      );
      // An assigned case no longer waits: it leaves the queue, and the agents' table shows the load.
      await row.waitFor({ state: "detached" });
      await page
        .getByTestId("agents")
        .getByRole("row", { name: new RegExp(supervisor.name) })
        .waitFor();
      await screenshot("wallboard-reassigned");

      // The board follows the UI language.
      await page.getByRole("textbox", { name: "Language" }).click();
      await page.getByRole("option", { name: "简体中文" }).click();
      await page.getByRole("heading", { name: "实时看板" }).waitFor();
      await page.getByRole("region", { name: "各渠道排队" }).waitFor();
      await screenshot("wallboard-zh");

      const history = await page.request.get(`${baseUrl}/api/v1/cases/${target}/events`);
      const events = (await history.json()) as { data: { action: string; actorId: string | null }[] };
      if (!events.data.some((event) => event.actorId === supervisorId)) {
        throw new Error("the case history does not record the supervisor's reassignment");
      }
    },
  },
];
