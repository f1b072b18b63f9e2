import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { images, onboardingAnswers, users, workspaceMembers } from "../../db/schema.ts";
import { file, gifBytes, jpegBytes, pngBytes, pngHeader, svgBytes, webpBytes } from "../../tests/support/images.ts";
import {
  createTestUser,
  ensureInstance,
  getAs,
  send,
  signIn,
  type TestUser,
  testDb,
} from "../../tests/worker-helpers.ts";
import { readFormBody } from "../platform/forms.server.ts";
import { deleteUnreferencedImages } from "./cleanup.server.ts";
import { sniffImage } from "./image-format.ts";
import {
  deleteImage,
  type ImageKind,
  imageUrl,
  MAX_IMAGE_BYTES,
  MAX_UPLOAD_FORM_BYTES,
  type StoredImage,
  storeImage,
  TOO_MANY_PIXELS_MESSAGE,
} from "./images.server.ts";

beforeAll(ensureInstance);

const HOUR = 60 * 60 * 1000;

async function workspaceOf(user: TestUser): Promise<string> {
  const [row] = await testDb().select().from(workspaceMembers).where(eq(workspaceMembers.userId, user.id));
  return row!.workspaceId;
}

async function upload(
  user: TestUser,
  kind: ImageKind = "logo",
  bytes: Uint8Array<ArrayBuffer> = pngBytes(),
  name = "logo.png",
): Promise<StoredImage> {
  const result = await storeImage(env, testDb(), {
    file: file(bytes, name, "image/png"),
    kind,
    ownerId: user.id,
    workspaceId: kind === "avatar" ? null : await workspaceOf(user),
  });
  if (!result.ok) throw new Error(`upload failed: ${result.message}`);
  return result.image;
}

async function bodyBytes(response: Response) {
  return new Uint8Array(await response.arrayBuffer());
}

describe("sniffImage (type from the bytes, never the name)", () => {
  it("recognises PNG, JPEG, WebP and GIF and reads their size", () => {
    expect(sniffImage(pngBytes(30, 20))).toEqual({ type: "image/png", width: 30, height: 20 });
    expect(sniffImage(jpegBytes(30, 20))).toEqual({ type: "image/jpeg", width: 30, height: 20 });
    expect(sniffImage(webpBytes(30, 20))).toEqual({ type: "image/webp", width: 30, height: 20 });
    expect(sniffImage(gifBytes())).toEqual({ type: "image/gif", width: 3, height: 2 });
  });

  it("reads lossy (VP8) and extended (VP8X) WebP headers", () => {
    const riff = (chunk: number[]) =>
      new Uint8Array([
        ...new TextEncoder().encode("RIFF"),
        0,
        0,
        0,
        0,
        ...new TextEncoder().encode("WEBP"),
        ...chunk,
        ...new Array(20).fill(0),
      ]);
    const vp8 = riff([...new TextEncoder().encode("VP8 "), 0, 0, 0, 0, 0, 0, 0, 0x9d, 0x01, 0x2a, 100, 0, 50, 0]);
    expect(sniffImage(vp8)).toEqual({ type: "image/webp", width: 100, height: 50 });
    const vp8x = riff([...new TextEncoder().encode("VP8X"), 0, 0, 0, 0, 0, 0, 0, 0, 199, 0, 0, 99, 0, 0]);
    expect(sniffImage(vp8x)).toEqual({ type: "image/webp", width: 200, height: 100 });
  });

  it("refuses SVG, text, truncated headers and zero-sized images", () => {
    expect(sniffImage(svgBytes())).toBeNull();
    expect(sniffImage(new TextEncoder().encode("just text, named x.png"))).toBeNull();
    expect(sniffImage(pngBytes().slice(0, 12))).toBeNull();
    const zeroWidth = pngBytes();
    zeroWidth.set([0, 0, 0, 0], 16);
    expect(sniffImage(zeroWidth)).toBeNull();
  });
});

describe("storeImage", () => {
  it("stores under a generated, content-addressed key, whatever the file was called", async () => {
    const user = await createTestUser({ label: "imgkey" });
    const bytes = pngBytes(40, 30);
    const result = await storeImage(env, testDb(), {
      file: file(bytes, "../../x.png", "image/png"),
      kind: "logo",
      ownerId: user.id,
      workspaceId: await workspaceOf(user),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { image } = result;
    const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(image.r2Key).toBe(`images/${sha}/${image.id}.png`);
    expect(image.r2Key).not.toContain("..");
    expect(image.r2Key).not.toContain("x.png");
    expect(image).toMatchObject({
      ownerId: user.id,
      kind: "logo",
      contentType: "image/png",
      bytes: bytes.byteLength,
      width: 40,
      height: 30,
      sha256: sha,
    });
    const object = await env.IMAGES.get(image.r2Key);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes);
    expect(await env.IMAGES.get("x.png")).toBeNull();
    const [row] = await testDb().select().from(images).where(eq(images.id, image.id));
    expect(row).toMatchObject({ r2Key: image.r2Key, width: 40, height: 30 });
  });

  it("refuses a file over 5 MB with 413", async () => {
    const user = await createTestUser({ label: "imgbig" });
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    big.set(pngBytes(), 0);
    const result = await storeImage(env, testDb(), {
      file: file(big, "big.png", "image/png"),
      kind: "avatar",
      ownerId: user.id,
      workspaceId: null,
    });
    expect(result).toMatchObject({ ok: false, status: 413 });
    expect(await testDb().select().from(images).where(eq(images.ownerId, user.id))).toEqual([]);
  });

  it("accepts a file of exactly 5 MB", async () => {
    const user = await createTestUser({ label: "imgedge" });
    const edge = new Uint8Array(MAX_IMAGE_BYTES);
    edge.set(pngBytes(), 0);
    const result = await storeImage(env, testDb(), {
      file: file(edge, "edge.png", "image/png"),
      kind: "avatar",
      ownerId: user.id,
      workspaceId: null,
    });
    expect(result.ok).toBe(true);
  });

  it("refuses a picture over 4 megapixels, which could not be decoded for its thumbnail in a Worker's memory", async () => {
    const user = await createTestUser({ label: "imgpixels" });
    const store = (width: number, height: number) =>
      storeImage(env, testDb(), {
        file: file(pngHeader(width, height), "big.png", "image/png"),
        kind: "avatar",
        ownerId: user.id,
        workspaceId: null,
      });
    expect(await store(2001, 2000)).toMatchObject({ ok: false, status: 400, message: TOO_MANY_PIXELS_MESSAGE });
    expect(await store(4032, 3024)).toMatchObject({ ok: false, status: 400 }); // a 12 MP phone photo
    expect((await store(2000, 2000)).ok).toBe(true);
  });

  it("refuses wrong bytes behind a good name and content type with 415", async () => {
    const user = await createTestUser({ label: "imgfake" });
    const fake = new TextEncoder().encode("<?php system($_GET['c']); ?>");
    const result = await storeImage(env, testDb(), {
      file: file(fake, "photo.png", "image/png"),
      kind: "avatar",
      ownerId: user.id,
      workspaceId: null,
    });
    expect(result).toMatchObject({ ok: false, status: 415 });
  });

  it("refuses SVG with 415, even when it says it is an image", async () => {
    const user = await createTestUser({ label: "imgsvg" });
    const result = await storeImage(env, testDb(), {
      file: file(svgBytes(), "logo.svg", "image/svg+xml"),
      kind: "avatar",
      ownerId: user.id,
      workspaceId: null,
    });
    expect(result).toMatchObject({ ok: false, status: 415 });
  });

  it("accepts JPEG, WebP and GIF too", async () => {
    const user = await createTestUser({ label: "imgtypes" });
    for (const [bytes, type] of [
      [jpegBytes(), "image/jpeg"],
      [webpBytes(), "image/webp"],
      [gifBytes(), "image/gif"],
    ] as const) {
      const image = await upload(user, "brand", bytes, "whatever.bin");
      expect(image.contentType).toBe(type);
    }
  });

  it("refuses a logo for a workspace the uploader does not belong to", async () => {
    const owner = await createTestUser({ label: "imgws" });
    const stranger = await createTestUser({ label: "imgwsx" });
    const result = await storeImage(env, testDb(), {
      file: file(pngBytes(), "a.png", "image/png"),
      kind: "logo",
      ownerId: stranger.id,
      workspaceId: await workspaceOf(owner),
    });
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it("imageUrl names the route and size", () => {
    expect(imageUrl("abc")).toBe("/images/abc");
    expect(imageUrl("abc", "thumb")).toBe("/images/abc?size=thumb");
  });
});

describe("readFormBody (request-level size limit)", () => {
  it("refuses a declared Content-Length past the limit before reading", async () => {
    const request = new Request("http://localhost/x", {
      method: "POST",
      headers: { "Content-Length": String(MAX_IMAGE_BYTES * 2), "Content-Type": "multipart/form-data; boundary=x" },
      body: "never read",
    });
    expect(await readFormBody(request, { maxBytes: MAX_UPLOAD_FORM_BYTES })).toMatchObject({ ok: false, status: 413 });
  });

  it("counts the bytes of a body without Content-Length, and drains the rest so the browser sees the 413", async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = new Request("http://localhost/x", {
      method: "POST",
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
      body,
    });
    expect(request.headers.get("Content-Length")).toBeNull();
    expect(await readFormBody(request, { maxBytes: MAX_UPLOAD_FORM_BYTES })).toMatchObject({ ok: false, status: 413 });
    // Read to the end (only the first 5 MB were kept): a response sent mid-upload resets the
    // connection, and the browser would show a network error instead of the message.
    expect(sent).toBe(9);
  });
});

describe("GET /images/:id", () => {
  it("serves a workspace image to its members with safe, long-lived caching headers", async () => {
    const owner = await createTestUser({ label: "srv" });
    const image = await upload(owner);
    const response = await getAs(imageUrl(image.id), await signIn(owner));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/png");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Disposition")).toBe("inline");
    expect(response.headers.get("Cache-Control")).toBe("private, max-age=31536000, immutable");
    expect(response.headers.get("ETag")).toBe(`"${image.sha256}-original"`);
    expect(await bodyBytes(response)).toEqual(new Uint8Array(await (await env.IMAGES.get(image.r2Key))!.arrayBuffer()));
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const owner = await createTestUser({ label: "srvetag" });
    const image = await upload(owner);
    const response = await getAs(imageUrl(image.id), await signIn(owner), {
      "If-None-Match": `"${image.sha256}-original"`,
    });
    expect(response.status).toBe(304);
  });

  it("answers 404 (not 403) for another workspace's image, a signed-out visitor and an unknown id", async () => {
    const owner = await createTestUser({ label: "srvown" });
    const stranger = await createTestUser({ label: "srvstr" });
    const image = await upload(owner);
    const forStranger = await getAs(imageUrl(image.id), await signIn(stranger));
    expect(forStranger.status).toBe(404);
    expect(forStranger.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect((await send(new Request(`http://localhost:5173${imageUrl(image.id)}`))).status).toBe(404);
    expect((await getAs(imageUrl(crypto.randomUUID()), await signIn(owner))).status).toBe(404);
    expect((await getAs("/images/..%2F..%2Fetc", await signIn(owner))).status).toBe(404);
  });

  it("serves a workspace image to a second member of that workspace", async () => {
    const owner = await createTestUser({ label: "srvm1" });
    const teammate = await createTestUser({ label: "srvm2" });
    const workspaceId = await workspaceOf(owner);
    await testDb()
      .insert(workspaceMembers)
      .values({ workspaceId, userId: teammate.id, role: "member", createdAt: new Date() });
    const image = await upload(owner, "brand");
    expect((await getAs(imageUrl(image.id), await signIn(teammate))).status).toBe(200);
  });

  it("serves avatars to any signed-in user", async () => {
    const owner = await createTestUser({ label: "srvav" });
    const other = await createTestUser({ label: "srvav2" });
    const avatar = await upload(owner, "avatar");
    expect((await getAs(imageUrl(avatar.id), await signIn(other))).status).toBe(200);
  });

  it("serves thumbnails and medium renditions, scaled down and cached in R2", async () => {
    const owner = await createTestUser({ label: "srvthumb" });
    const cookie = await signIn(owner);
    const png = await upload(owner, "logo", pngBytes(900, 600));
    const thumb = await getAs(imageUrl(png.id, "thumb"), cookie);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get("X-Image-Rendition")).toBe("thumb");
    expect(thumb.headers.get("Content-Type")).toBe("image/png");
    expect(thumb.headers.get("ETag")).toBe(`"${png.sha256}-thumb"`);
    expect(sniffImage(await bodyBytes(thumb))).toEqual({ type: "image/png", width: 128, height: 85 });
    expect(await env.IMAGES.head(`${png.r2Key}.thumb`)).not.toBeNull();

    const medium = await getAs(imageUrl(png.id, "medium"), cookie);
    expect(sniffImage(await bodyBytes(medium))).toEqual({ type: "image/png", width: 640, height: 427 });

    const jpeg = await upload(owner, "brand", jpegBytes(400, 800));
    const jpegThumb = await getAs(imageUrl(jpeg.id, "thumb"), cookie);
    expect(jpegThumb.headers.get("Content-Type")).toBe("image/jpeg");
    expect(sniffImage(await bodyBytes(jpegThumb))).toEqual({ type: "image/jpeg", width: 64, height: 128 });

    const webp = await upload(owner, "brand", webpBytes(300, 300));
    expect(sniffImage(await bodyBytes(await getAs(imageUrl(webp.id, "thumb"), cookie)))).toEqual({
      type: "image/png",
      width: 128,
      height: 128,
    });
  });

  it("serves the original when it is already smaller than the rendition", async () => {
    const owner = await createTestUser({ label: "srvsmall" });
    const small = await upload(owner, "logo", pngBytes(100, 50));
    const response = await getAs(imageUrl(small.id, "thumb"), await signIn(owner));
    expect(response.headers.get("X-Image-Rendition")).toBe("original");
    expect(sniffImage(await bodyBytes(response))).toEqual({ type: "image/png", width: 100, height: 50 });
  });

  it("serves a placeholder, never the larger original, when the decoder cannot read a file whose header looked right, and keeps working", async () => {
    const owner = await createTestUser({ label: "srvbroken" });
    const cookie = await signIn(owner);
    const broken = await upload(owner, "logo", pngBytes(900, 600).slice(0, 60));
    const response = await getAs(imageUrl(broken.id, "thumb"), cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Image-Rendition")).toBe("placeholder");
    expect(response.headers.get("Content-Type")).toBe("image/svg+xml");
    expect(response.headers.get("ETag")).toBeNull();
    const good = await upload(owner, "logo", pngBytes(900, 600));
    const thumb = await getAs(imageUrl(good.id, "thumb"), cookie);
    expect(sniffImage(await bodyBytes(thumb))).toEqual({ type: "image/png", width: 128, height: 85 });
  });

  it("never serves an original larger than the size asked for: one stored before the pixel cap gets a placeholder", async () => {
    const owner = await createTestUser({ label: "srvhuge" });
    const cookie = await signIn(owner);
    // A 40-megapixel picture stored before the cap was lowered (storeImage refuses it now).
    const bytes = pngHeader(8000, 5000);
    const id = crypto.randomUUID();
    const r2Key = `images/legacy/${id}.png`;
    await env.IMAGES.put(r2Key, bytes, { httpMetadata: { contentType: "image/png" } });
    await testDb()
      .insert(images)
      .values({
        id,
        ownerId: owner.id,
        workspaceId: null,
        kind: "avatar",
        r2Key,
        contentType: "image/png",
        bytes: bytes.byteLength,
        width: 8000,
        height: 5000,
        sha256: "0".repeat(64),
        createdAt: new Date(),
      });
    for (const size of ["thumb", "medium"] as const) {
      const response = await getAs(imageUrl(id, size), cookie);
      expect(response.status).toBe(200);
      expect(response.headers.get("X-Image-Rendition")).toBe("placeholder");
      expect(response.headers.get("Content-Type")).toBe("image/svg+xml");
    }
    const original = await getAs(imageUrl(id), cookie);
    expect(original.headers.get("X-Image-Rendition")).toBe("original");
  });

  it("answers 404 for an unknown size", async () => {
    const owner = await createTestUser({ label: "srvsize" });
    const image = await upload(owner);
    expect((await getAs(`/images/${image.id}?size=huge`, await signIn(owner))).status).toBe(404);
  });
});

describe("deleteImage", () => {
  it("lets the owner delete, removing the row and the R2 object", async () => {
    const owner = await createTestUser({ label: "delown" });
    const image = await upload(owner);
    expect(await deleteImage(env, testDb(), { imageId: image.id, userId: owner.id })).toBe(true);
    expect(await testDb().select().from(images).where(eq(images.id, image.id))).toEqual([]);
    expect(await env.IMAGES.head(image.r2Key)).toBeNull();
  });

  it("refuses another user, and leaves the image in place", async () => {
    const owner = await createTestUser({ label: "delo" });
    const stranger = await createTestUser({ label: "dels" });
    const image = await upload(owner);
    const avatar = await upload(owner, "avatar");
    expect(await deleteImage(env, testDb(), { imageId: image.id, userId: stranger.id })).toBe(false);
    expect(await deleteImage(env, testDb(), { imageId: avatar.id, userId: stranger.id })).toBe(false);
    expect(await env.IMAGES.head(image.r2Key)).not.toBeNull();
    expect((await testDb().select().from(images).where(eq(images.id, avatar.id))).length).toBe(1);
  });

  it("lets another member of the workspace delete its logo", async () => {
    const owner = await createTestUser({ label: "delm1" });
    const teammate = await createTestUser({ label: "delm2" });
    await testDb()
      .insert(workspaceMembers)
      .values({ workspaceId: await workspaceOf(owner), userId: teammate.id, role: "member", createdAt: new Date() });
    const image = await upload(owner);
    expect(await deleteImage(env, testDb(), { imageId: image.id, userId: teammate.id })).toBe(true);
  });
});

describe("deleteUnreferencedImages", () => {
  it("deletes old unreferenced images from R2 and the database, keeping referenced and young ones", async () => {
    const user = await createTestUser({ label: "clean" });
    const now = Date.now();
    const age = async (image: StoredImage, hours: number) =>
      testDb()
        .update(images)
        .set({ createdAt: new Date(now - hours * HOUR) })
        .where(eq(images.id, image.id));

    const orphan = await upload(user);
    await age(orphan, 25);
    const young = await upload(user);
    await age(young, 23);
    const avatar = await upload(user, "avatar");
    await age(avatar, 48);
    await testDb().update(users).set({ avatarImageId: avatar.id }).where(eq(users.id, user.id));
    const answered = await upload(user);
    await age(answered, 48);
    await testDb()
      .insert(onboardingAnswers)
      .values({
        workspaceId: await workspaceOf(user),
        cardId: `logo-${crypto.randomUUID()}`,
        value: JSON.stringify({ imageId: answered.id }),
        updatedAt: new Date(),
      });
    // A thumbnail made earlier goes with its original.
    await env.IMAGES.put(`${orphan.r2Key}.thumb`, "x");

    expect(await deleteUnreferencedImages(env, testDb(), new Date(now))).toBeGreaterThanOrEqual(1);

    const left = async (image: StoredImage) =>
      (await testDb().select().from(images).where(eq(images.id, image.id))).length === 1;
    expect(await left(orphan)).toBe(false);
    expect(await env.IMAGES.head(orphan.r2Key)).toBeNull();
    expect(await env.IMAGES.head(`${orphan.r2Key}.thumb`)).toBeNull();
    for (const kept of [young, avatar, answered]) {
      expect(await left(kept)).toBe(true);
      expect(await env.IMAGES.head(kept.r2Key)).not.toBeNull();
    }
  });
});
