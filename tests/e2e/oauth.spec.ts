// Social sign-in in a real browser against the fake provider that tests/e2e/serve.ts starts
// (tests/fake-oauth/server.ts): GitHub creates an account, Google is connected from settings, then
// signing out and back in with Google lands on the same account; Apple's form_post flow (a genuinely
// cross-site POST from the fake on 127.0.0.1 to the app on localhost) creates an account and signs
// back in to it.
import type { Page } from "@playwright/test";
import type { FakeProfile } from "../fake-oauth/profile.ts";
import { expect as baseExpect, test } from "./browser-errors.ts";

/** Every step here is a full page load, several through the fake provider: slow on a busy machine. */
const expect = baseExpect.configure({ timeout: 20_000 });

const fakeOAuth = `http://127.0.0.1:${process.env.E2E_FAKE_OAUTH_PORT ?? 8797}`;

type Provider = "github" | "google" | "apple";
const labels: Record<Provider, string> = { github: "GitHub", google: "Google", apple: "Apple" };

// Both tests queue users at the one fake provider: run them one after the other.
test.describe.configure({ mode: "serial" });

/** The next authorization at `provider` answers as `profile`. */
async function queueFakeUser(provider: Provider, profile: FakeProfile) {
  const response = await fetch(`${fakeOAuth}/_fake/next/${provider}`, {
    method: "POST",
    body: JSON.stringify(profile),
  });
  expect(response.ok).toBe(true);
}

/**
 * Submits the same POST form ProviderButtons renders (app/oauth/provider-buttons.tsx), from an Alva
 * page, so it is a same-origin form post exactly as a click on "Continue with …" sends it.
 */
async function continueWith(page: Page, provider: Provider) {
  await page.goto("/login");
  const button = page.getByRole("button", { name: `Continue with ${labels[provider]}` });
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
  test.setTimeout(120_000);
  const suffix = Date.now().toString(36);
  const github: FakeProfile = {
    id: String(Date.now()),
    login: `octo-${suffix}`,
    name: "Octo Cat",
    email: `octo_${suffix}@example.com`,
    emailVerified: true,
    avatar: "/avatar.png",
  };
  const google: FakeProfile = {
    id: `g${suffix}`,
    name: "Octo Cat",
    email: `octo.cat.${suffix}@gmail.example`,
    emailVerified: true,
  };

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
  test.setTimeout(120_000);
  // Another browser signs in; its callback URL (code + state) is then opened in this one.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const suffix = Date.now().toString(36);
  await queueFakeUser("github", {
    id: String(Date.now() + 1),
    login: `other-${suffix}`,
    email: `other_${suffix}@example.com`,
    emailVerified: true,
  });
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

test("sign up with Apple (form_post back to the app), finish the profile, then sign in again", async ({ page }) => {
  test.setTimeout(120_000);
  const suffix = Date.now().toString(36);
  const apple: FakeProfile = {
    id: `001234.${suffix}`,
    name: "Tim Apple",
    email: `tim_${suffix}@privaterelay.example`,
    emailVerified: true,
  };

  /** What the browser posts back to the app, and from where (the next POST to Apple's callback). */
  async function nextApplePost() {
    const request = await page.waitForRequest(
      (candidate) => new URL(candidate.url()).pathname === "/auth/apple/callback",
    );
    const headers = await request.allHeaders();
    return {
      method: request.method(),
      fields: new URLSearchParams(request.postData() ?? ""),
      origin: headers.origin,
      fetchSite: headers["sec-fetch-site"],
    };
  }

  // The button is there only when Apple is configured (serve.ts points it at the fake).
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Continue with Apple" })).toBeVisible();
  await queueFakeUser("apple", apple);
  const firstPost = nextApplePost();
  await page.getByRole("button", { name: "Continue with Apple" }).click();

  // The fake's page posted code, state and (first authorization) the user's name, cross-site; the app
  // bounced it to /auth/apple/finish, which created the account: on to "finish your profile".
  await expect(page).toHaveURL(/\/welcome$/);
  const first = await firstPost;
  expect(first.method).toBe("POST");
  expect(first.origin).toBe(new URL(fakeOAuth).origin);
  expect(first.fetchSite).toBe("cross-site");
  expect(first.fields.get("code")).toBeTruthy();
  expect(first.fields.get("state")).toBeTruthy();
  expect(JSON.parse(first.fields.get("user")!)).toMatchObject({ name: { firstName: "Tim", lastName: "Apple" } });
  // The username comes from the e-mail's local part; the display name from Apple's `user` field.
  await expect(page.getByLabel("Username")).toHaveValue(`tim_${suffix}`);
  await expect(page.getByLabel("Display name (optional)")).toHaveValue("Tim Apple");
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/connections");
  await expect(page.getByRole("button", { name: "Disconnect Apple" })).toBeVisible();

  // Signed out, then in again with the same Apple ID: straight to the dashboard of the same account.
  // Apple sends no `user` field this time.
  await page.context().clearCookies();
  await page.goto("/login");
  await queueFakeUser("apple", apple);
  const secondPost = nextApplePost();
  await page.getByRole("button", { name: "Continue with Apple" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  const second = await secondPost;
  expect(second.fields.get("code")).toBeTruthy();
  expect(second.fields.get("user")).toBeNull();
  await page.goto("/settings/connections");
  await expect(page.getByRole("button", { name: "Disconnect Apple" })).toBeVisible();
  await expect(page.getByText(apple.email!)).toBeVisible();
});
