// Reading a multipart form that may carry an image, without ever holding more than the limit:
// a Content-Length past it is refused before a byte is read, and a body without one (chunked) is
// counted as it arrives and refused as soon as it passes. Use it instead of request.formData() in
// any action that accepts an upload.
import { MAX_IMAGE_BYTES, TOO_LARGE_MESSAGE, readAtMost } from "./images.server.ts";

/** Room for the other fields and the multipart boundaries around a file of MAX_IMAGE_BYTES. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
export const MAX_UPLOAD_FORM_BYTES = MAX_IMAGE_BYTES + FORM_OVERHEAD_BYTES;

export type UploadForm = { ok: true; form: FormData } | { ok: false; status: 400 | 413; message: string };

export async function readUploadForm(request: Request): Promise<UploadForm> {
  const declared = Number(request.headers.get("Content-Length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_UPLOAD_FORM_BYTES) {
    return { ok: false, status: 413, message: TOO_LARGE_MESSAGE };
  }
  if (!request.body) return { ok: true, form: new FormData() };
  const body = await readAtMost(request.body, MAX_UPLOAD_FORM_BYTES);
  if (!body) return { ok: false, status: 413, message: TOO_LARGE_MESSAGE };
  try {
    const contentType = request.headers.get("Content-Type") ?? "";
    return { ok: true, form: await new Response(body, { headers: { "Content-Type": contentType } }).formData() };
  } catch {
    return { ok: false, status: 400, message: "That form could not be read. Try again." };
  }
}
