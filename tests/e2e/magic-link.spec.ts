// Passwordless sign-up in a real browser: ask for a link on /login/link → read it from the outbox →
// open it (the page only asks to continue) → continue → finish the profile → the dashboard.

import { expect, test } from "./browser-errors.ts";
import { readMail } from "./outbox.ts";

test("a new address signs up with an e-mailed link and finishes its profile", async ({ page }) => {
  test.setTimeout(60_000);
  const stamp = Date.now().toString(36);
  const email = `link_${stamp}@example.com`;
  const username = `linked_${stamp}`;

  await page.goto("/login/link");
  await page.getByLabel("E-mail", { exact: true }).fill(email);
  await page.getByRole("button", { name: "E-mail me a sign-in link" }).click();
  await expect(page).toHaveURL(/\/login\/link\?sent=1$/);
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();

  const mail = await readMail(page, email, /sign-in link/i);
  const link = /https?:\/\/\S+\/login\/link\/verify\?token=[a-z2-7]{32}/.exec(mail)?.[0];
  expect(link).toBeTruthy();

  // Opening the link signs no one in by itself (mail scanners open links too).
  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "Sign in to Alva" })).toBeVisible();
  await page.getByRole("button", { name: `Continue as ${email}` }).click();

  await expect(page).toHaveURL(/\/welcome$/);
  await expect(page.getByLabel("Username")).toHaveValue(/^user_[a-z2-7]{10}$/);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name (optional)").fill("Link Tester");
  await page.getByRole("button", { name: "Save and continue" }).click();

  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome, Link Tester");
  await expect(page.getByTestId("toast")).toContainText(`@${username}`);

  // The link worked once.
  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "This link has expired or was used" })).toBeVisible();
});
