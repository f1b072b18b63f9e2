import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { images, users } from "../../db/schema.ts";
import { file, multipartPost, pngBytes, svgBytes } from "../../tests/support/images.ts";
import { createTestUser, ensureInstance, getAs, origin, send, signIn, testDb } from "../../tests/worker-helpers.ts";
import { MAX_IMAGE_BYTES } from "../images/images.server.ts";

beforeAll(ensureInstance);

const userRow = async (id: string) => (await testDb().select().from(users).where(eq(users.id, id)))[0]!;

describe("/settings/profile without a session", () => {
  it("sends a visitor to sign in, and an upload stores nothing", async () => {
    const page = await send(new Request(`${origin}/settings/profile`, { redirect: "manual" }));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toBe("/login?redirectTo=%2Fsettings%2Fprofile");

    const before = (await testDb().select({ id: images.id }).from(images)).length;
    const upload = await multipartPost("/settings/profile", null, {
      intent: "avatar-upload",
      avatar: file(pngBytes(), "me.png", "image/png"),
    });
    expect(upload.status).toBe(302);
    expect(upload.headers.get("Location")).toMatch(/^\/login/);
    expect((await testDb().select({ id: images.id }).from(images)).length).toBe(before);
  });
});

describe("avatar", () => {
  it("uploads, replaces (dropping the old image) and removes the avatar", async () => {
    const user = await createTestUser({ label: "avatar" });
    const cookie = await signIn(user);

    const first = await multipartPost("/settings/profile", cookie, {
      intent: "avatar-upload",
      avatar: file(pngBytes(200, 200), "me.png", "image/png"),
    });
    expect(first.status).toBe(302);
    expect(first.headers.get("Location")).toBe("/settings/profile");
    const firstId = (await userRow(user.id)).avatarImageId!;
    expect(firstId).toBeTruthy();
    const [firstImage] = await testDb().select().from(images).where(eq(images.id, firstId));
    expect(firstImage).toMatchObject({ kind: "avatar", ownerId: user.id, workspaceId: null });

    const page = await getAs("/settings/profile", cookie);
    expect(await page.text()).toContain(`/images/${firstId}?size=medium`);
    expect((await getAs(`/images/${firstId}?size=medium`, cookie)).status).toBe(200);

    await multipartPost("/settings/profile", cookie, {
      intent: "avatar-upload",
      avatar: file(pngBytes(220, 220), "me2.png", "image/png"),
    });
    const secondId = (await userRow(user.id)).avatarImageId!;
    expect(secondId).not.toBe(firstId);
    expect(await testDb().select().from(images).where(eq(images.id, firstId))).toEqual([]);
    expect(await env.IMAGES.head(firstImage!.r2Key)).toBeNull();

    const removed = await multipartPost("/settings/profile", cookie, { intent: "avatar-remove" });
    expect(removed.status).toBe(302);
    expect((await userRow(user.id)).avatarImageId).toBeNull();
    expect(await testDb().select().from(images).where(eq(images.id, secondId))).toEqual([]);
  });

  it("shows a clear message, not an error page, for a file over 5 MB (413)", async () => {
    const user = await createTestUser({ label: "avbig" });
    const cookie = await signIn(user);
    const big = new Uint8Array(MAX_IMAGE_BYTES + 100 * 1024);
    big.set(pngBytes(), 0);
    const response = await multipartPost("/settings/profile", cookie, {
      intent: "avatar-upload",
      avatar: file(big, "big.png", "image/png"),
    });
    expect(response.status).toBe(413);
    const html = await response.text();
    expect(html).toContain("larger than 5 MB");
    expect(html).toContain('id="profile-title"');
    expect((await userRow(user.id)).avatarImageId).toBeNull();
  });

  it("refuses a body over the limit that does not declare its length", async () => {
    const user = await createTestUser({ label: "avchunk" });
    const cookie = await signIn(user);
    const big = new Uint8Array(MAX_IMAGE_BYTES + 100 * 1024);
    big.set(pngBytes(), 0);
    const form = new FormData();
    form.append("intent", "avatar-upload");
    form.append("avatar", file(big, "big.png", "image/png"));
    const encoded = new Response(form);
    const request = new Request(`${origin}/settings/profile`, {
      method: "POST",
      headers: {
        Cookie: cookie,
        "Sec-Fetch-Site": "same-origin",
        "Content-Type": encoded.headers.get("Content-Type")!,
      },
      body: encoded.body, // a stream: sent without Content-Length
      redirect: "manual",
    });
    expect(request.headers.get("Content-Length")).toBeNull();
    const response = await send(request);
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("larger than 5 MB");
  });

  it("shows a clear message for a file that is not an image (415), SVG included", async () => {
    const user = await createTestUser({ label: "avtype" });
    const cookie = await signIn(user);
    for (const upload of [
      file(new TextEncoder().encode("not an image"), "me.png", "image/png"),
      file(svgBytes(), "me.svg", "image/svg+xml"),
    ]) {
      const response = await multipartPost("/settings/profile", cookie, { intent: "avatar-upload", avatar: upload });
      expect(response.status).toBe(415);
      expect(await response.text()).toContain("not a PNG, JPEG, WebP or GIF image");
    }
    expect((await userRow(user.id)).avatarImageId).toBeNull();
  });

  it("asks for a file when none was chosen", async () => {
    const user = await createTestUser({ label: "avnone" });
    const response = await multipartPost("/settings/profile", await signIn(user), { intent: "avatar-upload" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Choose an image to upload.");
  });

  it("refuses a cross-site upload", async () => {
    const user = await createTestUser({ label: "avcsrf" });
    const body = new FormData();
    body.append("intent", "avatar-upload");
    body.append("avatar", file(pngBytes(), "me.png", "image/png"));
    const response = await send(
      new Request(`${origin}/settings/profile`, {
        method: "POST",
        body,
        headers: { Cookie: await signIn(user), "Sec-Fetch-Site": "cross-site" },
        redirect: "manual",
      }),
    );
    expect(response.status).toBe(403);
    expect((await userRow(user.id)).avatarImageId).toBeNull();
  });
});

describe("name and username", () => {
  it("saves the display name and a new username (stored lowercase)", async () => {
    const user = await createTestUser({ label: "prof" });
    const cookie = await signIn(user);
    const wanted = `New_${crypto.randomUUID().slice(0, 8)}`;
    const response = await multipartPost("/settings/profile", cookie, {
      intent: "profile",
      displayName: "  Ada Lovelace ",
      username: wanted,
    });
    expect(response.status).toBe(302);
    const row = await userRow(user.id);
    expect(row.displayName).toBe("Ada Lovelace");
    expect(row.username).toBe(wanted.toLowerCase());
    expect(row.mustChooseUsername).toBe(false);
  });

  it("refuses a taken username and keeps what was typed", async () => {
    const taken = await createTestUser({ label: "taken" });
    const user = await createTestUser({ label: "wants" });
    const cookie = await signIn(user);
    const response = await multipartPost("/settings/profile", cookie, {
      intent: "profile",
      displayName: "Typed Name",
      username: taken.username.toUpperCase(),
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That username is taken.");
    expect(html).toContain('value="Typed Name"');
    expect(html).toContain(`value="${taken.username.toUpperCase()}"`);
    const row = await userRow(user.id);
    expect(row.username).toBe(user.username);
    expect(row.displayName).toBeNull();
  });

  it("refuses an invalid username with a field error", async () => {
    const user = await createTestUser({ label: "badname" });
    const response = await multipartPost("/settings/profile", await signIn(user), {
      intent: "profile",
      displayName: "",
      username: "../admin",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Use only letters, digits and _.");
    expect((await userRow(user.id)).username).toBe(user.username);
  });

  it("keeps the username when it is unchanged (no false 'taken')", async () => {
    const user = await createTestUser({ label: "same" });
    const response = await multipartPost("/settings/profile", await signIn(user), {
      intent: "profile",
      displayName: "Me",
      username: user.username,
    });
    expect(response.status).toBe(302);
    expect((await userRow(user.id)).displayName).toBe("Me");
  });

  it("answers 400 to a form without a known intent", async () => {
    const user = await createTestUser({ label: "nointent" });
    const response = await multipartPost("/settings/profile", await signIn(user), { intent: "drop-tables" });
    expect(response.status).toBe(400);
  });
});
