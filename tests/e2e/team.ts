// Shared by the chat and invitation browser tests: accounts in their own browser contexts, and an
// owner inviting a teammate through the dev outbox.
import { type Browser, expect, type Page } from "@playwright/test";
import { readMail } from "./outbox.ts";

const password = "a long and private passphrase";

/** Sign-up hashes a password (~200 ms of CPU, far more on a loaded machine): wait generously. */
export const expectSoon = expect.configure({ timeout: 60_000 });

export interface Person {
  page: Page;
  username: string;
  email: string;
}

/** A new browser context with its own client IP (the sign-up limit is per IP). */
export async function newPage(browser: Browser, javaScriptEnabled = true): Promise<Page> {
  const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
  const context = await browser.newContext({ javaScriptEnabled, extraHTTPHeaders: { "CF-Connecting-IP": ip } });
  return context.newPage();
}

export function newUsername(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function signUp(page: Page, username: string): Promise<Person> {
  const email = `${username}@example.com`;
  await page.goto("/signup");
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("E-mail", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password, again", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expectSoon(page).toHaveURL(/\/login/);
  return { page, username, email };
}

/** Fills the sign-in form the page is on. */
export async function signInHere(person: Person): Promise<void> {
  await person.page.getByLabel("E-mail or username", { exact: true }).fill(person.username);
  await person.page.getByLabel("Password", { exact: true }).fill(password);
  await person.page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * Confirms the signed-in person's address with the code from the dev outbox. Paid model calls (plans,
 * asking Alva) wait for a verified address.
 */
export async function verifyEmail(page: Page, email: string): Promise<void> {
  const mail = await readMail(page, email, /verify|confirm/i);
  await page.goto("/verify-email");
  await page.getByLabel("Code from the e-mail").fill(/\b(\d{8})\b/.exec(mail)![1]!);
  await page.getByRole("button", { name: "Confirm", exact: true }).click();
  await expectSoon(page).toHaveURL(/\/dashboard$/);
}

export async function signedInUser(browser: Browser, prefix: string, javaScriptEnabled = true): Promise<Person> {
  const person = await signUp(await newPage(browser, javaScriptEnabled), newUsername(prefix));
  await signInHere(person);
  await expectSoon(person.page).toHaveURL(/\/dashboard$/);
  return person;
}

/**
 * The owner invites a teammate who has no account yet; the teammate opens the e-mailed link, signs up,
 * signs in from the invitation page and accepts. Ends with the teammate in the owner's /chat.
 */
export async function inviteTeammate(browser: Browser, owner: Person, javaScriptEnabled = true): Promise<Person> {
  const username = newUsername("mate");
  const email = `${username}@example.com`;
  await owner.page.goto("/workspaces");
  await owner.page.getByRole("link", { name: "Members" }).first().click();
  await owner.page.getByLabel("E-mail address", { exact: true }).fill(email);
  await owner.page.getByRole("button", { name: "Send invitation" }).click();
  await expectSoon(owner.page.getByTestId("invitations")).toContainText(email);

  const page = await newPage(browser, javaScriptEnabled);
  const mail = await readMail(page, email, /Join/);
  const link = /https?:\/\/\S+\/invitations\/[a-z2-7]{32}/.exec(mail)![0];
  await page.goto(new URL(link).pathname);
  await expectSoon(page.getByRole("heading", { name: /Join/ })).toBeVisible();
  await page.getByRole("link", { name: `Create one with ${email}` }).click();
  const mate = await signUp(page, username);
  await page.goto(new URL(link).pathname);
  await page.getByRole("link", { name: `Sign in as ${email}` }).click();
  await signInHere(mate);
  await page.getByRole("button", { name: /Accept and join/ }).click();
  await expectSoon(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  return mate;
}
