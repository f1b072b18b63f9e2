// /admin/stats without JavaScript: the charts are server-rendered SVG, the period picker is a GET form,
// and each chart's CSV downloads; people who are not admins get the 403 page.
import { signedInAdmin } from "./admin.ts";
import { expect, test } from "./browser-errors.ts";
import { expectSoon, signedInUser } from "./team.ts";

test.setTimeout(120_000);

test("an admin reads the statistics with JavaScript off, changes the period and downloads a CSV", async ({
  browser,
}) => {
  const page = await signedInAdmin(browser, false);
  await page.goto("/admin/stats");
  await expect(page.getByRole("heading", { name: "Statistics", level: 1 })).toBeVisible();
  for (const title of ["Sign-ups per day", "Active users per day", "Onboarding funnel", "Chat messages per day"]) {
    await expect(page.getByRole("heading", { name: title, exact: true })).toBeVisible();
  }
  // Every chart is an SVG drawn on the server, with its table for screen readers.
  expect(await page.locator("svg[aria-hidden='true']").count()).toBeGreaterThanOrEqual(8);
  await expect(page.getByRole("table", { name: "Sign-ups per day", exact: true })).toHaveCount(1);
  // This admin signed up and in today: at least one sign-up and one active user.
  await expect(page.getByText(/^[1-9][\d,]* new accounts?\.$/)).toBeVisible();

  await page.getByLabel("Period").selectOption("7");
  await page.getByRole("button", { name: "Show" }).click();
  await expectSoon(page).toHaveURL(/\/admin\/stats\?days=7$/);
  await expect(page.getByRole("table", { name: "Sign-ups per day", exact: true }).locator("tbody tr")).toHaveCount(7);

  const link = page.getByRole("link", { name: "Download CSV of sign-ups per day" });
  await expect(link).toHaveAttribute("href", "/admin/stats/download/signups?days=7");
  const csv = await page.request.get("/admin/stats/download/signups?days=7");
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  const lines = (await csv.text()).trimEnd().split("\r\n");
  expect(lines[0]).toBe("Day,Sign-ups");
  expect(lines).toHaveLength(8);

  await page.goto("/admin/system");
  await expect(page.getByRole("heading", { name: "System", level: 1 })).toBeVisible();
  await expect(page.getByText("Migrations pending")).toBeVisible();
});

test("someone who is not an admin gets the 403 page", async ({ browser }) => {
  const { page } = await signedInUser(browser, "statsuser", false);
  for (const path of ["/admin/stats", "/admin/settings", "/admin/system"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Statistics" })).toHaveCount(0);
  }
});
