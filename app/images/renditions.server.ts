// Smaller renditions of stored images (thumbnail, medium), made inside the Worker by Photon
// (@cf-wasm/photon: Rust's `image` crate compiled to Wasm, imported as a module at build time, which
// workerd allows; it never compiles Wasm at run time). Made on first request and kept in R2 next to
// the original (`<original key>.thumb` / `.medium`), so each is computed once per image.
import { PhotonImage, resize, SamplingFilter } from "@cf-wasm/photon/workerd";
import { MAX_IMAGE_PIXELS } from "./image-format.ts";
import type { ImageSize, StoredImage } from "./images.server.ts";

/** The longest side of each rendition, in pixels. */
export const RENDITION_SIDES = { thumb: 128, medium: 640 } as const;

/**
 * Sent for a size that cannot be made: an original stored before the pixel cap (MAX_IMAGE_PIXELS,
 * too big to decode in a Worker's memory) or one Photon cannot read. Sending the original instead
 * would ship a 40-megapixel file to every viewer of a thumbnail.
 */
const PLACEHOLDER_SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="128" height="128">' +
    '<rect width="16" height="16" fill="#e4e4e7"/><path d="M3 12l3-4 2 2.5L10.5 7 13 12z" fill="#a1a1aa"/></svg>',
);

export interface ImageBody {
  body: ReadableStream | Uint8Array<ArrayBuffer>;
  contentType: string;
  /**
   * Which bytes these are: the size asked for; "original" when the original is already no larger;
   * "placeholder" when that size cannot be made (see PLACEHOLDER_SVG).
   */
  rendition: ImageSize | "placeholder";
  length: number;
}

/** The bytes to send for `image` at `size`, or null when the original is missing from R2. */
export async function imageBody(env: Env, image: StoredImage, size: ImageSize): Promise<ImageBody | null> {
  if (size === "original" || Math.max(image.width, image.height) <= RENDITION_SIDES[size]) {
    const original = await env.IMAGES.get(image.r2Key);
    if (!original) return null;
    return { body: original.body, contentType: image.contentType, rendition: "original", length: original.size };
  }
  if (image.width * image.height > MAX_IMAGE_PIXELS) return placeholder();

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
  // Photon could not decode it (a variant the header check accepted but the decoder does not).
  if (!made) return placeholder();
  await env.IMAGES.put(key, made.bytes, { httpMetadata: { contentType: made.contentType } });
  return { body: made.bytes, contentType: made.contentType, rendition: size, length: made.bytes.byteLength };
}

function placeholder(): ImageBody {
  return {
    body: PLACEHOLDER_SVG.slice(),
    contentType: "image/svg+xml",
    rendition: "placeholder",
    length: PLACEHOLDER_SVG.byteLength,
  };
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
