import type { Page } from "playwright-core";
import type { Journey } from "./types.ts";

// After sign-in the console opens the agent inbox on the "My cases" view.
const signedInHeading = "My cases";

async function openLoginForm(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.locator('input[name="email"]').waitFor({ state: "visible" });
  await page.locator('input[name="password"]').waitFor({ state: "visible" });
}

async function submitLogin(page: Page, email: string, password: string): Promise<void> {
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
}

export const journeys: Journey[] = [
  {
    name: "signs in with valid credentials",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await openLoginForm(page, baseUrl);
      await submitLogin(page, email, password);
      await page.getByRole("heading", { name: signedInHeading }).waitFor({ state: "visible" });
      await page.getByTestId("session-email").getByText(email, { exact: true }).waitFor({ state: "visible" });
      await screenshot("login");
    },
  },
  {
    name: "shows an error alert for a wrong password",
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      await openLoginForm(page, baseUrl);
      await submitLogin(page, email, `${password}-wrong`);
      const alert = page.getByRole("alert");
      await alert.waitFor({ state: "visible" });
      const text = ((await alert.textContent()) ?? "").trim();
      if (text.length === 0) throw new Error("the error alert is empty");
      if (await page.getByRole("heading", { name: signedInHeading }).isVisible()) {
        throw new Error("signed in with a wrong password");
      }
      await screenshot("login-wrong-password");
    },
  },
];
