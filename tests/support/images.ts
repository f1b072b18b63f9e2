// Small, valid image files for the image tests, made on the fly: a gradient encoded by Photon as
// PNG, JPEG or (lossless) WebP, and a hand-written GIF. Plus helpers to post them as a browser would.
import { PhotonImage } from "@cf-wasm/photon/workerd";
import { origin, send } from "../worker-helpers.ts";

function gradient(width: number, height: number): PhotonImage {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      pixels[at] = (x * 255) / width;
      pixels[at + 1] = (y * 255) / height;
      pixels[at + 2] = 128;
      pixels[at + 3] = 255;
    }
  }
  return new PhotonImage(pixels, width, height);
}

function encode(width: number, height: number, as: (image: PhotonImage) => Uint8Array): Uint8Array<ArrayBuffer> {
  const image = gradient(width, height);
  try {
    return new Uint8Array(as(image));
  } finally {
    image.free();
  }
}

export const pngBytes = (width = 300, height = 200) => encode(width, height, (image) => image.get_bytes());
export const jpegBytes = (width = 300, height = 200) => encode(width, height, (image) => image.get_bytes_jpeg(85));
export const webpBytes = (width = 300, height = 200) => encode(width, height, (image) => image.get_bytes_webp());

/** The first bytes of a PNG claiming `width` × `height`: enough for the type and size check, not for a decoder. */
export function pngHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = pngBytes(1, 1).slice(0, 33);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return bytes;
}

/** A 3 × 2 GIF89a: header, screen descriptor with a 2-colour table, one image, LZW data, trailer. */
export function gifBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], // GIF89a
    0x03,
    0x00,
    0x02,
    0x00,
    0x80,
    0x00,
    0x00, // 3 × 2, global colour table of 2
    0xff,
    0x00,
    0x00,
    0x00,
    0x00,
    0xff, // red, blue
    0x2c,
    0x00,
    0x00,
    0x00,
    0x00,
    0x03,
    0x00,
    0x02,
    0x00,
    0x00, // image descriptor
    0x02,
    0x02,
    0x44,
    0x34,
    0x00, // LZW minimum code size 2, 2 bytes of data, end
    0x3b, // trailer
  ]);
}

export const svgBytes = () =>
  new TextEncoder().encode(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
  );

export function file(bytes: Uint8Array<ArrayBuffer>, name: string, type: string): File {
  return new File([bytes], name, { type });
}

/** A multipart form post from our own page (Sec-Fetch-Site: same-origin), as the holder of `cookie`. */
export function multipartPost(
  path: string,
  cookie: string | null,
  fields: Record<string, string | File>,
): Promise<Response> {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  const headers: Record<string, string> = { "Sec-Fetch-Site": "same-origin" };
  if (cookie) headers.Cookie = cookie;
  return send(new Request(new URL(path, origin), { method: "POST", body, headers, redirect: "manual" }));
}
