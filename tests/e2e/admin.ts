// Shared by the admin specs: the seeded administrator (seed.ts) signed in in a browser of their own.
import type { Browser, Page } from "@playwright/test";
import { E2E_ADMIN } from "./seed.ts";
import { expectSoon, newPage } from "./team.ts";

export async function signedInAdmin(browser: Browser, javaScriptEnabled = true): Promise<Page> {
  const page = await newPage(browser, javaScriptEnabled);
  await page.goto("/login");
  await page.getByLabel("E-mail or username", { exact: true }).fill(E2E_ADMIN.username);
  await page.getByLabel("Password", { exact: true }).fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectSoon(page).toHaveURL(/\/dashboard$/);
  return page;
}
