// /settings/profile in a real browser: sign up → sign in → upload an avatar → see it (the image is
// served by GET /images/:id, access-checked) → a wrong file shows a message → remove it.

import { png } from "../fixtures/png.ts";
import { expect, test } from "./browser-errors.ts";

test("a user uploads an avatar on /settings/profile and sees it", async ({ page }) => {
  test.setTimeout(60_000);
  const username = `pic_${Date.now().toString(36)}`;
  const email = `${username}@example.com`;
  const password = "a long and private passphrase";

  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password, again").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel("E-mail or username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto("/settings/profile");
  await expect(page.getByRole("img", { name: "No picture yet" })).toBeVisible();

  // A file that only claims to be a PNG is refused with a message on the page.
  await page
    .getByLabel("Upload a picture")
    .setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not really a picture") });
  await page.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.getByRole("alert")).toContainText("not a PNG, JPEG, WebP or GIF image");

  await page
    .getByLabel("Upload a picture")
    .setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(960, 720) });
  await page.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.getByTestId("toast")).toContainText("Your picture is updated.");
  const avatar = page.getByTestId("avatar-image");
  await expect(avatar).toBeVisible();
  await expect(avatar).toHaveAttribute("src", /^\/images\/[0-9a-f-]{36}\?size=medium$/);
  // The browser really decoded it, and it is the medium rendition made in the Worker (640 wide), not the original.
  await expect.poll(() => avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
  await page.screenshot({ path: "test-results/profile-avatar.png", fullPage: true });

  await page.getByRole("button", { name: "Remove picture" }).click();
  await expect(page.getByTestId("toast")).toContainText("Your picture is removed.");
  await expect(page.getByTestId("avatar-image")).toHaveCount(0);
});
