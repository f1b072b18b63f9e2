// Social sign-in in a real browser against the fake provider that tests/e2e/serve.ts starts
// (tests/fake-oauth/server.ts): GitHub creates an account, Google is connected from settings, then
// signing out and back in with Google lands on the same account.
import { expect, test, type Page } from "@playwright/test";

/** What the fake provider answers with (tests/fake-oauth/server.ts, FakeProfile). */
interface FakeProfile {
  id: string;
  login?: string;
  name?: string;
  email?: string | null;
  emailVerified?: boolean;
  avatar?: string;
}

const fakeOAuth = `http://127.0.0.1:${process.env.E2E_FAKE_OAUTH_PORT ?? 8797}`;

// Both tests queue users at the one fake provider: run them one after the other.
test.describe.configure({ mode: "serial" });

/** The next authorization at `provider` answers as `profile`. */
async function queueFakeUser(provider: "github" | "google", profile: FakeProfile) {
  const response = await fetch(`${fakeOAuth}/_fake/next/${provider}`, { method: "POST", body: JSON.stringify(profile) });
  expect(response.ok).toBe(true);
}

/**
 * Submits the same POST form ProviderButtons renders (app/oauth/provider-buttons.tsx), from an Alva
 * page, so it is a same-origin form post exactly as a click on "Continue with …" sends it.
 */
async function continueWith(page: Page, provider: "github" | "google") {
  await page.goto("/login");
  const button = page.getByRole("button", { name: `Continue with ${provider === "github" ? "GitHub" : "Google"}` });
  if ((await button.count()) > 0) {
    await button.click();
    return;
  }
  await page.evaluate((name) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = `/auth/${name}`;
    document.body.append(form);
    form.submit();
  }, provider);
}

test("sign up with GitHub, connect Google in settings, sign back in with Google", async ({ page }) => {
  test.setTimeout(60_000);
  const suffix = Date.now().toString(36);
  const github: FakeProfile = { id: String(Date.now()), login: `octo-${suffix}`, name: "Octo Cat", email: `octo_${suffix}@example.com`, emailVerified: true, avatar: "/avatar.png" };
  const google: FakeProfile = { id: `g${suffix}`, name: "Octo Cat", email: `octo.cat.${suffix}@gmail.example`, emailVerified: true };

  // GitHub: a new account, on to "finish your profile".
  await queueFakeUser("github", github);
  await continueWith(page, "github");
  await expect(page).toHaveURL(/\/welcome$/);
  // The username starts as the GitHub login, made valid ("-" becomes "_").
  await expect(page.getByLabel("Username")).toHaveValue(`octo_${suffix}`);
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // Connect Google from /settings/connections (link mode).
  await page.goto("/settings/connections");
  await expect(page.getByRole("button", { name: "Disconnect GitHub" })).toBeVisible();
  await queueFakeUser("google", google);
  await page.getByRole("button", { name: "Connect Google" }).click();
  await expect(page).toHaveURL(/\/settings\/connections$/);
  await expect(page.getByTestId("toast")).toContainText("Google is connected");
  await expect(page.getByRole("button", { name: "Disconnect Google" })).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveCount(2);

  // Sign out, then in again with Google: the same account (its connections page lists both).
  await page.context().clearCookies();
  await queueFakeUser("google", google);
  await continueWith(page, "google");
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/connections");
  await expect(page.getByTestId("connection")).toHaveCount(2);
  await expect(page.getByText(github.email!)).toBeVisible();
});

test("a callback URL opened in another browser is refused and signs nobody in", async ({ page, browser }) => {
  // Another browser signs in; its callback URL (code + state) is then opened in this one.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const suffix = Date.now().toString(36);
  await queueFakeUser("github", { id: String(Date.now() + 1), login: `other-${suffix}`, email: `other_${suffix}@example.com`, emailVerified: true });
  let callbackUrl = "";
  otherPage.on("request", (request) => {
    if (request.url().includes("/auth/github/callback?")) callbackUrl = request.url();
  });
  await continueWith(otherPage, "github");
  await expect(otherPage).toHaveURL(/\/welcome$/);
  expect(callbackUrl).toContain("code=");
  await other.close();

  const response = await page.goto(callbackUrl);
  expect(response?.status()).toBe(400);
  await expect(page.getByRole("alert")).toContainText("expired or was started in another browser");
  await page.goto("/settings/connections");
  await expect(page).toHaveURL(/\/login/);
});
