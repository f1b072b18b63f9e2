// /settings/profile in a real browser: sign up → sign in → upload an avatar → see it (the image is
// served by GET /images/:id, access-checked) → a wrong file shows a message → remove it.
import { crc32, deflateSync } from "node:zlib";
import { expect, test } from "@playwright/test";

/** A valid width × height RGB PNG (a gradient), built with Node's zlib. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      rows[at] = Math.round((x * 255) / width);
      rows[at + 1] = Math.round((y * 255) / height);
      rows[at + 2] = 160;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

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
  await page.getByLabel("Upload a picture").setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not really a picture") });
  await page.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.getByRole("alert")).toContainText("not a PNG, JPEG, WebP or GIF image");

  await page.getByLabel("Upload a picture").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(960, 720) });
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
