// The onboarding questionnaire in a real browser: the whole thing with JavaScript on (no full page
// loads between cards), a stretch with JavaScript off, leaving and resuming, a validation error,
// editing from the summary, the JSON download, and a logo upload that is then shown.
import { readFileSync } from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { png } from "../fixtures/png.ts";
import { expect, test } from "./browser-errors.ts";

const password = "a long and private passphrase";

/** A fresh account, signed in, in its own browser context (own IP for the sign-up rate limit). */
async function newSignedInUser(browser: Browser, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    extraHTTPHeaders: { "CF-Connecting-IP": ip },
  });
  const page = await context.newPage();
  const username = `onb_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await page.goto("/signup");
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("E-mail", { exact: true }).fill(`${username}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password, again", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel("E-mail or username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return page;
}

/** Fills the required cards' answers (the page must be on that card). */
const required: Record<string, (page: Page) => Promise<void>> = {
  "business-name": (page) => page.getByLabel("Business name", { exact: true }).fill("Rosa's Bakery"),
  industry: (page) => page.getByLabel("Industry", { exact: true }).fill("Artisan bakery"),
  stage: (page) => page.getByLabel("Growing — steady sales, want more", { exact: true }).check(),
  location: async (page) => {
    await page.getByLabel("Based in", { exact: true }).fill("Lyon");
    await page.getByLabel("Service area", { exact: true }).fill("Greater Lyon");
  },
  offer: (page) => page.getByLabel("What you sell", { exact: true }).fill("Sourdough bread and celebration cakes"),
  pricing: async (page) => {
    await page.getByLabel("One-off purchase", { exact: true }).check();
    await page.getByLabel("Currency", { exact: true }).selectOption("GBP");
    await page.getByLabel("From", { exact: true }).fill("3");
    await page.getByLabel("To", { exact: true }).fill("60");
  },
  difference: (page) => page.getByLabel("What makes you different", { exact: true }).fill("Slow fermentation"),
  "ideal-customer": (page) => page.getByLabel("Ideal customer", { exact: true }).fill("Families nearby"),
  audience: (page) => page.getByLabel("Consumers (B2C)", { exact: true }).check(),
  problems: (page) => page.getByLabel("Their problems", { exact: true }).fill("Bland bread"),
  "primary-goal": (page) => page.getByLabel("More sales", { exact: true }).check(),
  budget: (page) => page.getByLabel("Monthly budget", { exact: true }).fill("300"),
  "time-and-constraints": (page) => page.getByLabel("Time available", { exact: true }).fill("4"),
};

/** A few optional cards get answers too; the rest are skipped. */
const optional: Record<string, (page: Page) => Promise<void>> = {
  website: (page) => page.getByLabel("Web address", { exact: true }).fill("rosas-bakery.example"),
  voice: async (page) => {
    await page.getByLabel("Friendly", { exact: true }).check();
    await page.getByLabel("Warm", { exact: true }).check();
  },
  competitors: async (page) => {
    await page.getByLabel("Competitor 1 name", { exact: true }).fill("Paul");
    await page.getByLabel("Competitor 1 website", { exact: true }).fill("https://paul.example");
  },
};

/** Waits until React has hydrated the card (before that a click would be a plain form post). */
async function hydrated(page: Page) {
  await expect(page.locator("form[data-hydrated]")).toHaveCount(1);
}

async function cardId(page: Page): Promise<string> {
  return new URL(page.url()).pathname.replace("/onboarding/", "");
}

async function next(page: Page) {
  await page.getByRole("button", { name: /^(Next|Save)$/ }).click();
}

test("the whole questionnaire with JavaScript on, editing from the summary and downloading the JSON", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const page = await newSignedInUser(browser);
  await page.goto("/onboarding");
  await expect(page).toHaveURL(/\/onboarding\/business-name$/);
  await expect(page.getByTestId("card-position")).toHaveText("Card 1 of 26");
  await expect(page.getByTestId("card-section")).toHaveText("Business");
  await hydrated(page);
  // A marker on window survives only if no card causes a full page load.
  await page.evaluate(() => ((window as unknown as { alvaMarker: number }).alvaMarker = 42));

  for (let position = 1; position <= 26; position++) {
    await expect(page.getByTestId("card-position")).toHaveText(`Card ${position} of 26`);
    const id = await cardId(page);
    const fill = required[id] ?? optional[id];
    if (fill) {
      await fill(page);
      await next(page);
    } else {
      await expect(page.getByTestId("card-required")).toHaveText("(optional)");
      await page.getByRole("button", { name: "Skip" }).click();
    }
    if (position < 26) await expect(page.getByTestId("card-position")).toHaveText(`Card ${position + 1} of 26`);
  }
  await expect(page).toHaveURL(/\/onboarding\/summary$/);
  expect(await page.evaluate(() => (window as unknown as { alvaMarker?: number }).alvaMarker)).toBe(42);

  await expect(page.getByTestId("completeness")).toHaveText("13 of 13 required cards answered");
  // The e2e server runs the offline demo model, so the button is live (tests/e2e/plans.spec.ts presses it).
  await expect(page.getByRole("button", { name: "Generate my marketing plan" })).toBeEnabled();
  await expect(page.getByTestId("summary-website")).toContainText("https://rosas-bakery.example/");
  await expect(page.getByTestId("summary-voice").getByRole("listitem")).toHaveText(["Friendly", "Warm"]);
  await expect(page.getByTestId("summary-team-size")).toContainText("Skipped");

  // Edit from the summary: the card, then straight back to the summary with the new answer.
  await page.getByRole("link", { name: "Edit: What is your business called?" }).click();
  await expect(page).toHaveURL(/\/onboarding\/business-name\?return=summary$/);
  await expect(page.getByLabel("Business name", { exact: true })).toHaveValue("Rosa's Bakery");
  await page.getByLabel("Business name", { exact: true }).fill("Rosa & Sons");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/onboarding\/summary$/);
  await expect(page.getByTestId("summary-business-name")).toContainText("Rosa & Sons");

  // Download JSON.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download JSON" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("alva-client-profile.json");
  const profile = JSON.parse(readFileSync((await download.path())!, "utf8"));
  expect(profile.schemaVersion).toBe(2);
  expect(profile.business.name).toBe("Rosa & Sons");
  // The budget card started in the currency the pricing card was answered in.
  expect(profile.goals.monthlyBudget).toEqual({ amount: 300, currency: "GBP" });
  expect(profile.completeness).toMatchObject({ requiredAnswered: 13, requiredTotal: 13 });
  await page.context().close();
});

test("a stretch of the questionnaire with JavaScript off", async ({ browser }) => {
  test.setTimeout(60_000);
  const page = await newSignedInUser(browser, { javaScriptEnabled: false });
  await page.goto("/onboarding");
  await expect(page).toHaveURL(/\/onboarding\/business-name$/);
  await required["business-name"]!(page);
  await next(page);
  await expect(page).toHaveURL(/\/onboarding\/website$/);
  await expect(page.getByTestId("progress-text")).toHaveText("1 of 26 cards done");
  await page.getByRole("button", { name: "Skip" }).click();
  await expect(page).toHaveURL(/\/onboarding\/industry$/);
  await required.industry!(page);
  await next(page);
  await expect(page).toHaveURL(/\/onboarding\/stage$/);
  // A required card offers no skip; submitting it empty shows the error.
  await expect(page.getByRole("button", { name: "Skip" })).toHaveCount(0);
  await next(page);
  await expect(page.getByText("Pick the stage closest to yours.")).toBeVisible();
  await required.stage!(page);
  await next(page);
  await expect(page).toHaveURL(/\/onboarding\/location$/);
  // Back is a plain link.
  await page.getByRole("link", { name: "Back" }).click();
  await expect(page).toHaveURL(/\/onboarding\/stage$/);
  await expect(page.getByLabel("Growing — steady sales, want more", { exact: true })).toBeChecked();
  await page.context().close();
});

test("progress shown at once, leaving and resuming, and a validation error that keeps what was typed", async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const page = await newSignedInUser(browser);
  await page.goto("/onboarding");
  await expect(page.getByTestId("progress-text")).toHaveText("0 of 26 cards done");
  await hydrated(page);
  // Hold the answer's request for a moment: the progress moves before the server has answered.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/onboarding\/business-name\.data/, async (route) => {
    await held;
    await route.continue();
  });
  await required["business-name"]!(page);
  await next(page);
  await expect(page.getByTestId("progress-text")).toHaveText("1 of 26 cards done");
  await expect(page.getByRole("button", { name: "Saving…" })).toBeDisabled();
  expect(new URL(page.url()).pathname).toBe("/onboarding/business-name");
  release();
  await expect(page).toHaveURL(/\/onboarding\/website$/);
  await page.unroute(/\/onboarding\/business-name\.data/);

  await page.getByLabel("Web address", { exact: true }).fill("not a web address");
  await next(page);
  await expect(page.getByText("That doesn't look like a web address")).toBeVisible();
  await expect(page.getByLabel("Web address", { exact: true })).toHaveValue("not a web address");
  await expect(page).toHaveURL(/\/onboarding\/website$/);
  await page.getByLabel("Web address", { exact: true }).fill("https://rosa.example");
  await next(page);
  await expect(page).toHaveURL(/\/onboarding\/industry$/);

  // Leave, come back: resumes at the first unanswered card.
  await page.goto("/dashboard");
  await page.goto("/onboarding");
  await expect(page).toHaveURL(/\/onboarding\/industry$/);
  await expect(page.getByTestId("card-position")).toHaveText("Card 3 of 26");
  await expect(page.getByTestId("progress-text")).toHaveText("2 of 26 cards done");
  // The earlier answers are still there when revisited.
  await page.goto("/onboarding/website");
  await expect(page.getByLabel("Web address", { exact: true })).toHaveValue("https://rosa.example/");
  await page.context().close();
});

test("a logo upload is stored and shown", async ({ browser }) => {
  test.setTimeout(60_000);
  const page = await newSignedInUser(browser);
  await page.goto("/onboarding/logo");
  await expect(page.getByTestId("card-section")).toHaveText("Brand");

  // Too large: a clear message, nothing saved.
  await page
    .getByLabel("Logo", { exact: true })
    .setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(6 * 1024 * 1024) });
  await next(page);
  await expect(page.getByText("That file is larger than 5 MB. Choose a smaller image.")).toBeVisible();

  await page
    .getByLabel("Logo", { exact: true })
    .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png(120, 120) });
  await next(page);
  await expect(page).toHaveURL(/\/onboarding\/brand-images$/);
  await page.getByRole("link", { name: "Back" }).click();
  await expect(page).toHaveURL(/\/onboarding\/logo$/);
  const logo = page.getByTestId("current-logo");
  await expect(logo).toBeVisible();
  await expect
    .poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);

  await page.goto("/onboarding/summary");
  const shown = page.getByTestId("summary-logo").getByRole("img", { name: "Your logo" });
  await expect(shown).toBeVisible();
  await expect
    .poll(() => shown.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  await page.context().close();
});
