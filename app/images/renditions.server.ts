// Smaller renditions of stored images (thumbnail, medium), made inside the Worker by Photon
// (@cf-wasm/photon: Rust's `image` crate compiled to Wasm, imported as a module at build time, which
// workerd allows; it never compiles Wasm at run time). Made on first request and kept in R2 next to
// the original (`<original key>.thumb` / `.medium`), so each is computed once per image.
import { PhotonImage, resize, SamplingFilter } from "@cf-wasm/photon/workerd";
import type { ImageSize, StoredImage } from "./images.server.ts";

/** The longest side of each rendition, in pixels. */
export const RENDITION_SIDES = { thumb: 128, medium: 640 } as const;

/**
 * Originals with more pixels than this are served as they are for every size: decoding one takes
 * 4 bytes per pixel of Wasm memory (about 50 MB here, which the Wasm heap then keeps), and a Worker
 * has 128 MB. 12.6 MP covers a 12 MP phone photo (4032 × 3024).
 */
export const RENDITION_MAX_PIXELS = 12_600_000;

export interface ImageBody {
  body: ReadableStream | Uint8Array<ArrayBuffer>;
  contentType: string;
  /** Which bytes these are: "original" when no smaller rendition applies (already small, or too big to decode). */
  rendition: ImageSize;
  length: number;
}

/** The bytes to send for `image` at `size`, or null when the original is missing from R2. */
export async function imageBody(env: Env, image: StoredImage, size: ImageSize): Promise<ImageBody | null> {
  if (size !== "original" && needsRendition(image, size)) {
    const key = `${image.r2Key}.${size}`;
    const cached = await env.IMAGES.get(key);
    if (cached) {
      return {
        body: cached.body,
        contentType: cached.httpMetadata?.contentType ?? image.contentType,
        rendition: size,
        length: cached.size,
      };
    }
    const original = await env.IMAGES.get(image.r2Key);
    if (!original) return null;
    const made = makeRendition(new Uint8Array(await original.arrayBuffer()), image, RENDITION_SIDES[size]);
    if (made) {
      await env.IMAGES.put(key, made.bytes, { httpMetadata: { contentType: made.contentType } });
      return { body: made.bytes, contentType: made.contentType, rendition: size, length: made.bytes.byteLength };
    }
    // Photon could not decode it (a variant the header check accepted but the decoder does not): the original will do.
  }
  const original = await env.IMAGES.get(image.r2Key);
  if (!original) return null;
  return { body: original.body, contentType: image.contentType, rendition: "original", length: original.size };
}

function needsRendition(image: StoredImage, size: Exclude<ImageSize, "original">): boolean {
  const side = RENDITION_SIDES[size];
  if (Math.max(image.width, image.height) <= side) return false; // already that small
  return image.width * image.height <= RENDITION_MAX_PIXELS;
}

/**
 * Scales `bytes` to fit in side × side, keeping the aspect ratio. JPEG stays JPEG (quality 82);
 * PNG, WebP and GIF become PNG, which keeps transparency (an animated GIF keeps its first frame).
 */
export function makeRendition(
  bytes: Uint8Array,
  image: Pick<StoredImage, "width" | "height" | "contentType">,
  side: number,
): { bytes: Uint8Array<ArrayBuffer>; contentType: string } | null {
  let source: PhotonImage | undefined;
  let scaled: PhotonImage | undefined;
  try {
    source = PhotonImage.new_from_byteslice(bytes);
    const scale = side / Math.max(source.get_width(), source.get_height());
    const width = Math.max(1, Math.round(source.get_width() * scale));
    const height = Math.max(1, Math.round(source.get_height() * scale));
    scaled = resize(source, width, height, SamplingFilter.Lanczos3);
    const jpeg = image.contentType === "image/jpeg";
    const out = jpeg ? scaled.get_bytes_jpeg(82) : scaled.get_bytes();
    return { bytes: new Uint8Array(out), contentType: jpeg ? "image/jpeg" : "image/png" };
  } catch {
    return null;
  } finally {
    scaled?.free();
    source?.free();
  }
}
