// The first-run setup wizard in Chromium, against the second e2e server (playwright.config.ts), whose
// instance has not been set up. Setup can finish only once per instance, so the tests run in order:
// first the early steps without JavaScript (which never finish), then the whole wizard with it.
import type { Page } from "@playwright/test";
import { png } from "../fixtures/png.ts";
import { expect, test } from "./browser-errors.ts";

const freshPort = Number(process.env.E2E_FRESH_PORT ?? 8798);
test.use({ baseURL: `http://localhost:${freshPort}` });
test.describe.configure({ mode: "serial" });

const PASSWORD = "violet kettle harbour 42";

async function expectStep(page: Page, step: number, label: string, heading: string) {
  await expect(page.getByTestId("setup-step")).toHaveText(`Step ${step} of 4`);
  await expect(page.locator('ol li[aria-current="step"]')).toContainText(label);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
}

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("any page leads to the wizard, and the first two steps work with plain form posts", async ({ page }) => {
    test.setTimeout(60_000);
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/setup$/);
    await expectStep(page, 1, "Welcome", "Welcome to Alva");
    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 2, "Admin account", "Create the administrator account");

    // A bad address and a short password: field errors, what was typed stays, passwords do not.
    await page.getByLabel("E-mail").fill("nobody@");
    await page.getByLabel("Username").fill("NoJs_Owner");
    await page.getByLabel("Display name (optional)").fill("No Script");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Password, again").fill("short");
    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 2, "Admin account", "Create the administrator account");
    await expect(page.getByText("That doesn't look like an e-mail address.")).toBeVisible();
    await expect(page.getByText("Use at least 8 characters.")).toBeVisible();
    await expect(page.getByLabel("E-mail")).toHaveValue("nobody@");
    await expect(page.getByLabel("E-mail")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Username")).toHaveValue("NoJs_Owner");
    await expect(page.getByLabel("Display name (optional)")).toHaveValue("No Script");
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");

    await page.getByLabel("E-mail").fill("nojs@example.com");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password, again").fill(PASSWORD);
    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 3, "Organization", "Name your organization");
    expect(await page.content()).not.toContain(PASSWORD);

    // Back: the account answers come back (normalized), and the chosen password is kept.
    await page.getByLabel("Organization name").fill("Typed before going back");
    await page.getByRole("button", { name: "Back" }).click();
    await expectStep(page, 2, "Admin account", "Create the administrator account");
    await expect(page.getByLabel("Username")).toHaveValue("nojs_owner");
    await expect(page.getByText("leave both password fields empty to keep it")).toBeVisible();
    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 3, "Organization", "Name your organization");
    await expect(page.getByLabel("Organization name")).toHaveValue("Typed before going back");
  });
});

test.describe("with JavaScript", () => {
  test("runs the whole wizard without reloading, signs the admin in, and is gone afterwards", async ({ page }) => {
    test.setTimeout(60_000);
    await page.goto("/");
    await expect(page).toHaveURL(/\/setup$/);
    await page.waitForFunction(() => (window as unknown as { __reactRouterContext?: unknown }).__reactRouterContext);
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same document"));
    await expectStep(page, 1, "Welcome", "Welcome to Alva");

    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 2, "Admin account", "Create the administrator account");
    await page.getByLabel("E-mail").fill("Owner@Example.com");
    await page.getByLabel("Username").fill("owner");
    await page.getByLabel("Display name (optional)").fill("Ada Owner");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password, again").fill(`${PASSWORD}?`);
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByText("The two passwords differ.")).toBeVisible();
    // Focus lands on the field in error; both passwords are cleared, the rest stays.
    await expect(page.getByLabel("Password, again")).toBeFocused();
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
    await expect(page.getByLabel("E-mail")).toHaveValue("Owner@Example.com");

    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password, again").fill(PASSWORD);
    // Hold the (hashing) submission a moment so the pending state is observable.
    await page.route("**/setup*", async (route) => {
      if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByRole("button", { name: "Checking…" })).toBeDisabled();
    await expectStep(page, 3, "Organization", "Name your organization");
    await expect(page.getByRole("heading", { level: 1 })).toBeFocused();

    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByText("Name your organization.")).toBeVisible();
    await expect(page.getByLabel("Organization name")).toBeFocused();
    await page.getByLabel("Organization name").fill("Acme Bakery");
    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 4, "Finish", "Check and finish");
    for (const value of ["owner@example.com", "owner", "Ada Owner", "Acme Bakery"]) {
      await expect(page.locator("dl")).toContainText(value);
    }

    // Back and forward again: nothing is lost, the password included.
    await page.getByRole("button", { name: "Back" }).click();
    await expect(page.getByLabel("Organization name")).toHaveValue("Acme Bakery");
    await page.getByRole("button", { name: "Back" }).click();
    await expect(page.getByLabel("E-mail")).toHaveValue("owner@example.com");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("button", { name: "Next" }).click();
    await expectStep(page, 4, "Finish", "Check and finish");
    // The organization's logo, optional, with a preview before it is sent.
    await page
      .getByLabel(/Drop your organization's logo here/)
      .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png(160, 64) });
    await expect(page.getByTestId("upload-previews").getByRole("img")).toHaveCount(1);

    await page.getByRole("button", { name: "Finish setup" }).click();
    await expect(page.getByRole("button", { name: "Finishing…" })).toBeDisabled();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome, Ada Owner.");
    await expect(page.getByTestId("toast")).toContainText("Alva is set up");
    const logo = page.getByTestId("organization-logo");
    await expect(logo).toBeVisible();
    await expect
      .poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same document");

    // The wizard is gone, for this browser and any other.
    expect((await page.request.get("/setup")).status()).toBe(404);
    expect(
      (
        await page.request.post("/setup", {
          form: { step: "finish", intent: "next" },
          headers: { "Sec-Fetch-Site": "same-origin" },
        })
      ).status(),
    ).toBe(404);
    const response = await page.goto("/setup");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn't find that page");
    const home = await page.goto("/");
    expect(home?.status()).toBe(200);
    await expect(page).toHaveURL(/\/$/);
  });
});
