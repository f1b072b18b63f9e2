// /settings/account in a real browser: a user prepares and downloads their data, then deletes their
// account with their password, lands signed out with the date of final removal, and cannot sign in.
import { readFile } from "node:fs/promises";
import { expect, test } from "./browser-errors.ts";
import { expectSoon, newPage, newUsername, signInHere, signUp } from "./team.ts";

for (const javaScriptEnabled of [true, false]) {
  test(`a user downloads their data and deletes their account (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({
    browser,
  }) => {
    test.setTimeout(120_000);
    const person = await signUp(await newPage(browser, javaScriptEnabled), newUsername("leaver"));
    await signInHere(person);
    await expectSoon(person.page).toHaveURL(/\/dashboard$/);
    const { page } = person;

    await page.goto("/settings");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Your data" }).click();
    await expect(page).toHaveURL(/\/settings\/account$/);
    await page.getByRole("button", { name: "Prepare my data" }).click();
    // The page refreshes itself (a revalidation with JavaScript, a meta refresh without) until it is ready.
    const link = page.getByRole("link", { name: "Download alva-data.json" });
    await expectSoon(link).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const archive = JSON.parse(await readFile((await download.path())!, "utf8"));
    expect(archive.account.username).toBe(person.username);
    expect(archive.account.email).toBe(person.email);
    expect(JSON.stringify(archive)).not.toContain("argon2");

    // A wrong password keeps the account and what was typed is not echoed back.
    await page.getByLabel("Your password").fill("not my password at all");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await expectSoon(page.getByText("That password isn't right.")).toBeVisible();

    await page.getByLabel("Your password").fill("a long and private passphrase");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await expectSoon(page).toHaveURL(/\/$/);
    await expect(
      page.getByText(/Your account was deleted\. It will be removed for good on \d{4}-\d\d-\d\d/),
    ).toBeVisible();

    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/login/);
    await signInHere(person);
    await expectSoon(page.getByText(/deleted/i).first()).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
  });
}
