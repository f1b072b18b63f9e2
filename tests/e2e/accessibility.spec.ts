// axe-core over the main pages, signed out and signed in, in the light and the dark theme: a serious or
// critical violation (contrast, names, labels, landmarks) fails the test and is listed.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { png } from "../fixtures/png.ts";
import { signedInAdmin } from "./admin.ts";
import { expect, test } from "./browser-errors.ts";
import { newPage, signedInUser } from "./team.ts";

test.setTimeout(240_000);

const publicPages = ["/", "/login", "/signup", "/forgot-password"];
const signedInPages = ["/dashboard", "/onboarding", "/plans", "/chat", "/workspaces"];
const settingsPages = ["", "/profile", "/sessions", "/security", "/password", "/email", "/connections", "/account"];

async function violations(page: Page, path: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    for (const violation of result.violations) {
      if (violation.impact !== "serious" && violation.impact !== "critical") continue;
      const where = violation.nodes.map((node) => node.target.join(" ")).slice(0, 3);
      found.push(`${path} (${colorScheme}): ${violation.id} — ${violation.help} — ${where.join(" | ")}`);
    }
  }
  return found;
}

test("signed-out pages have no serious accessibility violations in either theme", async ({ browser }) => {
  const page = await newPage(browser);
  const found: string[] = [];
  for (const path of publicPages) found.push(...(await violations(page, path)));
  expect(found).toEqual([]);
});

test("signed-in pages have no serious accessibility violations in either theme", async ({ browser }) => {
  const { page } = await signedInUser(browser, "a11y");
  const found: string[] = [];
  for (const path of signedInPages) found.push(...(await violations(page, path)));
  expect(found).toEqual([]);
});

test("settings pages have no serious accessibility violations in either theme", async ({ browser }) => {
  const { page } = await signedInUser(browser, "a11ys");
  const found: string[] = [];
  for (const path of settingsPages) found.push(...(await violations(page, `/settings${path}`)));
  expect(found).toEqual([]);
});

test("admin pages have no serious accessibility violations in either theme", async ({ browser }) => {
  const page = await signedInAdmin(browser);
  await page.goto("/admin/users");
  const someone = await page.getByTestId("user-row").first().getByRole("link").getAttribute("href");
  const found: string[] = [];
  for (const path of [
    "/admin",
    "/admin/users",
    someone!,
    "/admin/audit",
    "/admin/stats",
    "/admin/stats?days=90",
    "/admin/settings",
    "/admin/system",
  ])
    found.push(...(await violations(page, path)));
  expect(found).toEqual([]);
});

// A phone's width: the same checks, and no sideways scroll of the page itself (tables may scroll
// inside their own box, the page may not).
test("the main pages at 390 px have no serious violations and no horizontal page scroll", async ({ browser }) => {
  const { page } = await signedInUser(browser, "a11yp");
  await page.setViewportSize({ width: 390, height: 844 });
  const found: string[] = [];
  for (const path of [
    "/dashboard",
    "/onboarding/summary",
    "/onboarding/pricing",
    "/onboarding/brand-images",
    "/plans",
    "/chat",
    "/workspaces",
    "/settings/sessions",
    "/settings/security",
  ]) {
    found.push(...(await violations(page, path)));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) found.push(`${path}: the page scrolls sideways by ${overflow} px`);
  }
  expect(found).toEqual([]);
});

test("the admin's tables at 390 px: no serious violations, no horizontal page scroll", async ({ browser }) => {
  const page = await signedInAdmin(browser);
  await page.setViewportSize({ width: 390, height: 844 });
  const found: string[] = [];
  for (const path of ["/admin/users", "/admin/audit", "/admin/stats", "/admin/system"]) {
    found.push(...(await violations(page, path)));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) found.push(`${path}: the page scrolls sideways by ${overflow} px`);
  }
  expect(found).toEqual([]);
});

test("/admin/settings with an organization logo, and the header showing it, pass axe too", async ({ browser }) => {
  // Uploaded without JavaScript: the plain multipart form.
  const plain = await signedInAdmin(browser, false);
  await plain.goto("/admin/settings");
  await plain
    .getByLabel(/Drop (the|a new) logo here/)
    .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png(160, 64) });
  await plain.getByRole("button", { name: /(Upload|Replace) logo/ }).click();
  await expect(plain.getByTestId("current-organization-logo")).toBeVisible();

  const page = await signedInAdmin(browser);
  const found = [...(await violations(page, "/admin/settings")), ...(await violations(page, "/dashboard"))];
  await expect(page.getByTestId("organization-logo")).toBeVisible();
  expect(found).toEqual([]);
  await page.goto("/admin/settings");
  await page.getByRole("button", { name: "Remove logo" }).click();
  await expect(page.getByText("No logo yet")).toBeVisible();
});
