// Copying a provider's avatar into R2, so pages never load pictures from the provider (no tracking,
// nothing breaks when the provider changes the URL). Size-capped, content-type checked, and the image
// header must parse; any failure only means "no avatar" and never fails the sign-in.
import { eq } from "drizzle-orm";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Database } from "../../db/client.ts";
import { images, users } from "../../db/schema.ts";
import { newId } from "../accounts/secrets.server.ts";

export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;
const ALLOWED_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export async function copyAvatar(env: Env, db: Database, input: { userId: string; url: string }): Promise<string | null> {
  try {
    const url = new URL(input.url);
    // Providers serve avatars over https; plain http is only for the local fake provider in tests.
    const local = env.ENVIRONMENT === "test" || env.ENVIRONMENT === "development";
    if (url.protocol !== "https:" && !(local && url.protocol === "http:")) return null;
    const response = await fetch(url, { headers: { Accept: "image/*" }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return null;
    }
    const contentType = (response.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
    const declared = Number(response.headers.get("Content-Length") ?? "0");
    if (!ALLOWED_TYPES.has(contentType) || declared > MAX_AVATAR_BYTES) {
      await response.body.cancel();
      return null;
    }
    const bytes = await readCapped(response.body, MAX_AVATAR_BYTES);
    if (!bytes) return null;
    const size = imageSize(bytes);
    if (!size) return null;
    const sha256 = encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    const id = newId();
    const r2Key = `avatars/${newId()}`;
    await env.IMAGES.put(r2Key, bytes, { httpMetadata: { contentType } });
    await db.insert(images).values({
      id,
      ownerId: input.userId,
      workspaceId: null,
      kind: "avatar",
      r2Key,
      contentType,
      bytes: bytes.byteLength,
      width: size.width,
      height: size.height,
      sha256,
      createdAt: new Date(),
    });
    await db.update(users).set({ avatarImageId: id }).where(eq(users.id, input.userId));
    return id;
  } catch {
    return null;
  }
}

async function readCapped(body: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Width and height from a PNG, GIF, JPEG or WebP header; null when the bytes are not such an image. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (start: number, length: number) => String.fromCharCode(...bytes.subarray(start, start + length));
  const valid = (size: { width: number; height: number }) => (size.width > 0 && size.height > 0 ? size : null);
  try {
    if (bytes.length >= 24 && bytes[0] === 0x89 && ascii(1, 3) === "PNG" && ascii(12, 4) === "IHDR") {
      return valid({ width: view.getUint32(16), height: view.getUint32(20) });
    }
    if (bytes.length >= 10 && (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a")) {
      return valid({ width: view.getUint16(6, true), height: view.getUint16(8, true) });
    }
    if (bytes.length >= 30 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") {
      const chunk = ascii(12, 4);
      if (chunk === "VP8X") return valid({ width: 1 + (view.getUint32(24, true) & 0xffffff), height: 1 + (view.getUint32(27, true) & 0xffffff) });
      if (chunk === "VP8 ") return valid({ width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff });
      if (chunk === "VP8L") {
        const bits = view.getUint32(21, true);
        return valid({ width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) });
      }
      return null;
    }
    if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
      let offset = 2;
      while (offset + 9 < bytes.length) {
        if (bytes[offset] !== 0xff) return null;
        const marker = bytes[offset + 1]!;
        const length = view.getUint16(offset + 2);
        // Start-of-frame markers (baseline, progressive, …) carry the size; C4, C8 and CC are not frames.
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return valid({ height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) });
        }
        offset += 2 + length;
      }
    }
  } catch {
    return null;
  }
  return null;
}
