import type { Page } from "playwright-core";

/** Signs in through the login form and waits for the inbox's default "My cases" view. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.getByRole("heading", { name: "My cases" }).waitFor({ state: "visible" });
}
