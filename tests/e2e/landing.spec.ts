import type { Page } from "@playwright/test";
import { expect, test } from "./browser-errors.ts";

const uniqueEmail = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;

test.describe("landing page with JavaScript", () => {
  // A CSP violation is a console error: the guard in browser-errors.ts fails the test on it.
  test("renders, hydrates and breaks no CSP rule", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Marketing help that knows your business.");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "system");
    // Hydrated: client-side navigation works (a 404 link rendered by the client router).
    await page.waitForFunction(() => (window as unknown as { __reactRouterContext?: unknown }).__reactRouterContext);
  });

  test("joins the waitlist without a full reload and shows the pending state", async ({ page }) => {
    await page.goto("/");
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same document"));
    // Hold the submission a moment so the pending state is observable.
    await page.route("**/*", async (route) => {
      if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, 400));
      await route.continue();
    });
    await page.getByLabel("E-mail address").fill(uniqueEmail("js"));
    await page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect(page.getByRole("button", { name: "Joining…" })).toBeDisabled();
    await expect(page.getByRole("status")).toContainText("You're on the list.");
    await expect(page).toHaveURL(/\?waitlist=joined/);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same document");
  });

  test("answers a second sign-up with the same address kindly", async ({ page }) => {
    const email = uniqueEmail("twice");
    await page.goto("/");
    await page.getByLabel("E-mail address").fill(email);
    await page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect(page.getByRole("status")).toContainText("You're on the list.");
    await page.getByLabel("E-mail address").fill(email.toUpperCase());
    await page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect(page.getByRole("status")).toContainText("already on the list");
  });

  test("shows a field error and keeps what was typed", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("E-mail address").fill("nobody@");
    await page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect(page.getByText("That doesn't look like an e-mail address.")).toBeVisible();
    await expect(page.getByLabel("E-mail address")).toHaveValue("nobody@");
    await expect(page.getByLabel("E-mail address")).toHaveAttribute("aria-invalid", "true");
  });
});

test.describe("landing page without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("joins the waitlist with a plain form post and redirect", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("E-mail address").fill(uniqueEmail("nojs"));
    await page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect(page.getByRole("status")).toContainText("You're on the list.");
    await expect(page).toHaveURL(/\/\?waitlist=joined#waitlist$/);
  });

  test("shows the field error and keeps what was typed", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("E-mail address").fill("still wrong");
    await page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect(page.getByText("That doesn't look like an e-mail address.")).toBeVisible();
    await expect(page.getByLabel("E-mail address")).toHaveValue("still wrong");
  });
});

test.describe("theme", () => {
  const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  test("switches at once with JavaScript and is remembered on the next visit", async ({ page }) => {
    await page.goto("/");
    const light = await background(page);
    const saved = page.waitForResponse((response) => response.request().method() === "POST");
    await page.getByRole("button", { name: "Dark" }).click();
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await saved;
    await expect(page.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true");
    expect(await background(page)).not.toBe(light);
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  });

  test("switches without JavaScript, and the server renders it first (no flash)", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/?waitlist=joined");
    await page.getByRole("button", { name: "Dark" }).click();
    await expect(page).toHaveURL(/\?waitlist=joined$/);
    // The very first HTML byte already says dark: nothing waits for a script.
    const html = await (await page.request.get("/")).text();
    expect(html).toMatch(/<html[^>]*data-theme="dark"/);
    await context.close();
  });

  test("follows the operating system on 'system'", async ({ page }) => {
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto("/");
    const light = await background(page);
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await background(page)).not.toBe(light);
  });
});

test("a missing page shows the 404 page with the request id", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn't find that page");
  await expect(page.getByTestId("request-id")).toHaveText(response!.headers()["x-request-id"]!);
});

test("keyboard focus is visible", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Tab");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).not.toBe("none");
});
