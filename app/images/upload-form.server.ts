// Reading a multipart form that may carry an image, without ever holding more than the limit in
// memory: a declared Content-Length past it is not buffered at all, and a body without one (chunked)
// is counted as it arrives. An oversized body is still read to its end and discarded (up to
// Cloudflare's own 100 MB request limit): answering before the browser has finished sending resets
// the connection, and the browser then shows a network error instead of our 413 page. Use it instead
// of request.formData() in any action that accepts an upload.
import { MAX_IMAGE_BYTES, TOO_LARGE_MESSAGE } from "./images.server.ts";

/** Room for the other fields and the multipart boundaries around a file of MAX_IMAGE_BYTES. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
export const MAX_UPLOAD_FORM_BYTES = MAX_IMAGE_BYTES + FORM_OVERHEAD_BYTES;

/** Past this much a refused upload is cut off instead of drained (Cloudflare's own request limit). */
const DRAIN_LIMIT_BYTES = 100 * 1024 * 1024;

export type UploadForm = { ok: true; form: FormData } | { ok: false; status: 400 | 413; message: string };

export async function readUploadForm(request: Request, limit = MAX_UPLOAD_FORM_BYTES): Promise<UploadForm> {
  if (!request.body) return { ok: true, form: new FormData() };
  const declared = Number(request.headers.get("Content-Length") ?? "");
  // A declared length over the limit is not even buffered; the body is only drained.
  const body = await readBody(request.body, Number.isFinite(declared) && declared > limit ? -1 : limit);
  if (!body) return { ok: false, status: 413, message: TOO_LARGE_MESSAGE };
  try {
    const contentType = request.headers.get("Content-Type") ?? "";
    return { ok: true, form: await new Response(body, { headers: { "Content-Type": contentType } }).formData() };
  } catch {
    return { ok: false, status: 400, message: "That form could not be read. Try again." };
  }
}

/** The whole body if it is at most `limit` bytes, else null (after draining the rest, see above). */
async function readBody(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > DRAIN_LIMIT_BYTES) {
      await reader.cancel();
      return null;
    }
    if (total <= limit) chunks.push(value);
  }
  if (total > limit) return null;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
