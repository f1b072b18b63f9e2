// What an uploaded file really is, decided from its first bytes (never from its name or the
// Content-Type the browser claimed), and its pixel size read from the format's header.
// Only raster formats we can show safely are accepted: SVG is refused because it can carry script.

export type ImageType = "image/png" | "image/jpeg" | "image/webp" | "image/gif";

export interface SniffedImage {
  type: ImageType;
  width: number;
  height: number;
}

/**
 * Past this many pixels a picture is refused, so that every stored image can get its renditions.
 * Decoding and scaling one with Photon takes about 13 bytes of Wasm memory per pixel (measured: 53 MB
 * for 4 MP, 149 MB for 12 MP), the Wasm heap never shrinks, and an isolate has 128 MB in all.
 * See docs/decisions/0030-image-limits.md.
 */
export const MAX_IMAGE_PIXELS = 4_000_000;
/** Longest side accepted (each side of a WebP/JPEG fits in 16 bits anyway). */
export const MAX_IMAGE_SIDE = 16_384;

/** The image's type and size, or null when the bytes are not a complete-enough PNG, JPEG, WebP or GIF. */
export function sniffImage(bytes: Uint8Array): SniffedImage | null {
  const size = png(bytes) ?? gif(bytes) ?? webp(bytes) ?? jpeg(bytes);
  if (!size) return null;
  if (size.width < 1 || size.height < 1) return null;
  return size;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((value, index) => bytes[at + index] === value);
}

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

function u16be(bytes: Uint8Array, at: number) {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}
function u16le(bytes: Uint8Array, at: number) {
  return bytes[at]! | (bytes[at + 1]! << 8);
}
function u24le(bytes: Uint8Array, at: number) {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
}
function u32be(bytes: Uint8Array, at: number) {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

function png(bytes: Uint8Array): SniffedImage | null {
  // Signature, then the IHDR chunk must come first: length 13, "IHDR", width, height.
  if (!startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return null;
  if (bytes.length < 24 || !startsWith(bytes, ascii("IHDR"), 12)) return null;
  return { type: "image/png", width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

function gif(bytes: Uint8Array): SniffedImage | null {
  if (!startsWith(bytes, ascii("GIF87a")) && !startsWith(bytes, ascii("GIF89a"))) return null;
  if (bytes.length < 10) return null;
  return { type: "image/gif", width: u16le(bytes, 6), height: u16le(bytes, 8) };
}

function webp(bytes: Uint8Array): SniffedImage | null {
  if (!startsWith(bytes, ascii("RIFF")) || !startsWith(bytes, ascii("WEBP"), 8)) return null;
  if (bytes.length < 30) return null;
  if (startsWith(bytes, ascii("VP8X"), 12)) {
    return { type: "image/webp", width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
  }
  if (startsWith(bytes, ascii("VP8L"), 12)) {
    if (bytes[20] !== 0x2f) return null;
    const bits = bytes[21]! | (bytes[22]! << 8) | (bytes[23]! << 16) | (bytes[24]! << 24);
    return { type: "image/webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (startsWith(bytes, ascii("VP8 "), 12)) {
    // A key frame's start code, then 14-bit width and height.
    if (!startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return null;
    return { type: "image/webp", width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  }
  return null;
}

function jpeg(bytes: Uint8Array): SniffedImage | null {
  if (!startsWith(bytes, [0xff, 0xd8, 0xff])) return null;
  // Walk the marker segments up to the first start-of-frame, which holds the size.
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before any frame
    const length = u16be(bytes, at + 2);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      return { type: "image/jpeg", height: u16be(bytes, at + 5), width: u16be(bytes, at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

/** The file ending used in R2 keys (from the sniffed type, never from the uploaded name). */
export function extensionFor(type: ImageType): string {
  return { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif" }[type];
}
