// An admin finds a user, disables them — the user's open browser is signed out at its next page and
// sign-in says the account is disabled — and enables them again.
import { signedInAdmin } from "./admin.ts";
import { expect, test } from "./browser-errors.ts";
import { expectSoon, type Person, signedInUser, signInHere } from "./team.ts";

test.setTimeout(180_000);

async function expectSignInRefused(person: Person) {
  await person.page.goto("/login");
  await signInHere(person);
  await expectSoon(person.page.getByText("This account is disabled.")).toBeVisible();
  await expect(person.page).toHaveURL(/\/login/);
}

test("an admin finds a user, disables them (their browser is signed out) and enables them again", async ({
  browser,
}) => {
  const user = await signedInUser(browser, "adm_target");
  const admin = await signedInAdmin(browser);

  // Find: by part of the username, with a status filter, as a plain GET form.
  await admin.goto("/admin/users");
  await admin.getByLabel("E-mail or username").fill(user.username.slice(0, 14));
  await admin.getByLabel("Status").selectOption("unverified");
  await admin.getByRole("button", { name: "Find" }).click();
  await expect(admin).toHaveURL(/[?&]status=unverified/);
  await admin.getByRole("link", { name: `@${user.username}` }).click();
  await expect(admin.getByRole("heading", { level: 1, name: `@${user.username}` })).toBeVisible();
  await expect(admin.getByRole("region", { name: "Profile" }).getByText(user.email)).toBeVisible();

  // Disable: the user's open browser is signed out at its next request, and cannot sign in again.
  await admin.getByRole("button", { name: "Disable account" }).click();
  await expectSoon(admin.getByText(`@${user.username} is disabled and signed out everywhere.`)).toBeVisible();
  await expect(admin.getByText("Disabled", { exact: true }).first()).toBeVisible();

  await user.page.goto("/dashboard");
  await expectSoon(user.page).toHaveURL(/\/login/);
  await expectSignInRefused(user);

  // Enable: the same password works again.
  await admin.getByRole("button", { name: "Enable account" }).click();
  await expectSoon(admin.getByText(`@${user.username} can sign in again.`)).toBeVisible();
  await user.page.goto("/login");
  await signInHere(user);
  await expectSoon(user.page).toHaveURL(/\/dashboard$/);

  // Both actions are in the audit log.
  await admin.goto(`/admin/audit?action=user.disable`);
  await expect(admin.getByRole("link", { name: `@${user.username}` })).toBeVisible();
  await admin.goto(`/admin/audit?action=user.enable`);
  await expect(admin.getByRole("link", { name: `@${user.username}` })).toBeVisible();
});
