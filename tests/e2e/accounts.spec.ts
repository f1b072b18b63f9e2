// The whole account life cycle in a real browser: sign-up → verify from the outbox → sign in →
// sessions page → revoke → reset password → sign in again.

import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./browser-errors.ts";
import { readMail } from "./outbox.ts";

const password = "a long and private passphrase";
const newPassword = "another long private passphrase";

async function signIn(page: Page, login: string, secret: string) {
  await page.goto("/login");
  await page.getByLabel("E-mail or username").fill(login);
  await page.getByLabel("Password").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

async function newPage(browser: Browser, userAgent: string) {
  const context = await browser.newContext({ userAgent });
  return { context, page: await context.newPage() };
}

test("an account from sign-up to a password reset", async ({ browser }) => {
  test.setTimeout(90_000);
  const username = `e2e_${Date.now().toString(36)}`;
  const email = `${username}@example.com`;
  const laptop = await newPage(browser, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
  const phone = await newPage(
    browser,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
  );
  const { page } = laptop;

  // Sign up: the answer sends us to sign in and says to check the inbox.
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password, again").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("toast")).toContainText(`Check ${email}`);

  // Unverified users can sign in, and see the banner.
  await signIn(page, email, password);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Welcome, ${username}`);
  await expect(page.getByTestId("verify-banner")).toBeVisible();

  // Verify with the 8-digit code from the outbox.
  const verification = await readMail(page, email, /verify|confirm/i);
  const code = /\b(\d{8})\b/.exec(verification)?.[1];
  expect(code).toBeTruthy();
  await page.goto("/verify-email");
  await page.getByLabel("Code from the e-mail").fill(code!);
  await page.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("verify-banner")).toHaveCount(0);

  // A second device signs in; the sessions page lists both, this one marked.
  await signIn(phone.page, username, password);
  await page.goto("/settings/sessions");
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(2);
  const current = sessions.filter({ has: page.getByTestId("current-session") });
  await expect(current).toContainText("Firefox on Linux");

  // Revoke the phone's session: the phone is signed out at its next request.
  await sessions.filter({ hasText: "Safari on iOS" }).getByRole("button", { name: "End session" }).click();
  await expect(page.getByTestId("session")).toHaveCount(1);
  await phone.page.goto("/dashboard");
  await expect(phone.page).toHaveURL(/\/login\?redirectTo=%2Fdashboard$/);

  // Forgot the password (on the phone, signed out): reset it through the e-mailed link.
  await phone.page.goto("/forgot-password");
  await phone.page.getByLabel("E-mail").fill(email);
  await phone.page.getByRole("button", { name: "Send me a link" }).click();
  await expect(phone.page).toHaveURL(/\/forgot-password\?sent=1$/);
  const resetMail = await readMail(phone.page, email, /reset|password/i);
  const link = /(http:\/\/\S+\/reset-password\?token=\S+)/.exec(resetMail)?.[1];
  expect(link).toBeTruthy();
  await phone.page.goto(link!);
  await phone.page.getByLabel("New password", { exact: true }).fill(newPassword);
  await phone.page.getByLabel("New password, again").fill(newPassword);
  await phone.page.getByRole("button", { name: /save|set|change|reset/i }).click();
  await expect(phone.page).toHaveURL(/\/login$/);

  // The reset ended every session, including the laptop's; the new password works, the old one not.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("E-mail or username").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("don't match an account");
  await signIn(page, email, newPassword);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Welcome, ${username}`);

  // Sign out from the user menu.
  await page.locator("summary", { hasText: "Account menu" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("toast")).toContainText("signed out");
  await laptop.context.close();
  await phone.context.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign-up shows field errors and keeps what was typed", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Username").fill("No Spaces Allowed");
    await page.getByLabel("E-mail").fill("someone@example.com");
    await page.getByLabel("Password", { exact: true }).fill("password");
    await page.getByLabel("Password, again").fill("password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Use only letters, digits and _.")).toBeVisible();
    await expect(page.getByText("too common")).toBeVisible();
    await expect(page.getByLabel("E-mail")).toHaveValue("someone@example.com");
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  });
});
