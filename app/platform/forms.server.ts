// Every form post is read here, and nowhere else (no route calls request.formData()). Reading a form is
// where a hostile post does its damage, so the limits live in one place:
//   - the Content-Type must be one a form sends (urlencoded or multipart), else 415;
//   - the body is counted while it arrives and never held past the form's byte limit (413);
//   - a body that does not parse is a 400;
//   - the form's shape is bounded BEFORE anything builds objects from the names: how many fields, how
//     long a name is, its syntax (conform's `a.b[0].c`), the array index (at most 99) and the nesting
//     depth. `zzz[10000000]=1` would otherwise make conform build a 10-million-slot array, and a name
//     nested 3,000 deep overflows the stack (issue 8).
// A refused form is an ordinary client error: logged as a warning with the request id, never a stack.
//
// parseForm then parses with conform + zod (`parseWithZod`), and its `reply()` echoes only the fields
// the schema knows (never the raw submitted structure, nor conform's reserved `__state__`), and never
// what a password field held.
import type { Submission, SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { RouterContextProvider } from "react-router";
import { z } from "zod";
import { httpError } from "./http-error.ts";
import { requestInfo } from "./request-info.ts";
import { logWarning } from "./request-log.ts";

/** A form without files: far more than any of ours needs (the longest answer takes 2,000 characters). */
export const DEFAULT_FORM_BYTES = 64 * 1024;

export const FORM_LIMITS = {
  /** The largest form (an onboarding card with many options) has under 60 fields. */
  maxFields: 200,
  maxNameLength: 64,
  /** Highest array index in a name: our lists have at most ten entries. */
  maxIndex: 99,
  /** Segments in a name: `competitors[0].name` is 3. */
  maxDepth: 4,
} as const;

/** Past this much a refused body is cut off instead of drained (Cloudflare's own request limit). */
const DRAIN_LIMIT_BYTES = 100 * 1024 * 1024;

const FORM_CONTENT_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

/** conform's syntax, with at most two digits per index (so never past maxIndex). */
const NAME_PATTERN = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d{1,2}\])*$/;

/** Names conform reads as JSON instructions (list edits, client state): our forms never send them. */
const RESERVED_NAMES = new Set(["__intent__", "__state__"]);

export type FormRefusal = { status: 400 | 413 | 415; message: string; reason: string };
export type FormRead = { ok: true; form: FormData } | ({ ok: false } & FormRefusal);

export const UNREADABLE_FORM = "That form could not be read. Reload the page and try again.";
export const TOO_LARGE_FORM = "That form is larger than this page accepts.";

/**
 * The whole stream if it is at most `limit` bytes, else null. Past the limit nothing more is kept;
 * with `drain` the rest is still read (and dropped) up to Cloudflare's 100 MB request limit, because
 * answering before a browser has finished sending resets the connection, and the browser would then
 * show a network error instead of our 413 page. Without `drain` (a stream we own) reading stops there.
 */
export async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  options: { drain?: boolean } = {},
): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit && (!options.drain || total > DRAIN_LIMIT_BYTES)) {
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

/** Reads and checks a form body; a refusal comes back as a value (see readForm for the throwing one). */
export interface FormReadOptions {
  maxBytes?: number;
  /** A form larger than usual (a plan section's editor) raises its own limits; the defaults stay strict. */
  limits?: Partial<Record<keyof typeof FORM_LIMITS, number>>;
}

export async function readFormBody(request: Request, options: FormReadOptions = {}): Promise<FormRead> {
  const maxBytes = options.maxBytes ?? DEFAULT_FORM_BYTES;
  const contentType = request.headers.get("Content-Type") ?? "";
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (!FORM_CONTENT_TYPES.has(mediaType)) {
    return { ok: false, status: 415, message: UNREADABLE_FORM, reason: "not a form content type" };
  }
  if (!request.body) return { ok: true, form: new FormData() };

  const declared = Number(request.headers.get("Content-Length") ?? "");
  // A declared length over the limit is not even buffered; the body is only drained.
  const limit = Number.isFinite(declared) && declared > maxBytes ? -1 : maxBytes;
  const bytes = await readAtMost(request.body, limit, { drain: true });
  if (!bytes) return { ok: false, status: 413, message: TOO_LARGE_FORM, reason: "body over the form's limit" };

  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "Content-Type": contentType } }).formData();
  } catch {
    return { ok: false, status: 400, message: UNREADABLE_FORM, reason: "malformed body" };
  }
  const problem = shapeProblem(form, { ...FORM_LIMITS, ...options.limits });
  return problem ? { ok: false, status: 400, message: UNREADABLE_FORM, reason: problem } : { ok: true, form };
}

function shapeProblem(form: FormData, limits: Record<keyof typeof FORM_LIMITS, number>): string | null {
  let fields = 0;
  for (const [name] of form) {
    if (++fields > limits.maxFields) return "too many fields";
    if (name.length > limits.maxNameLength) return "field name too long";
    if (RESERVED_NAMES.has(name)) return "reserved field name";
    if (!NAME_PATTERN.test(name)) return "field name not accepted";
    if (name.split(/[.[]/).length > limits.maxDepth) return "field name nested too deep";
  }
  return null;
}

interface ActionArgs {
  request: Request;
  context: Readonly<RouterContextProvider>;
}

/** Logs a refused form as what it is: a client error, with the request id and the reason only. */
export function logRefusedForm(context: Readonly<RouterContextProvider>, refusal: FormRefusal): void {
  logWarning("form refused", context.get(requestInfo).requestId, { status: refusal.status, reason: refusal.reason });
}

/** The form, or the app's error page (400, 413 or 415) for a body no page of ours would send. */
export async function readForm(args: ActionArgs, options: FormReadOptions = {}): Promise<FormData> {
  const read = await readFormBody(args.request, options);
  if (read.ok) return read.form;
  logRefusedForm(args.context, read);
  return httpError(args.context, read.status, read.message);
}

/**
 * Reads the form (readForm) and parses it with `schema` through conform. Several buttons in one form:
 * give each `name="intent"` and make the schema a `z.discriminatedUnion("intent", …)`.
 */
export async function parseForm<Schema extends z.ZodType>(
  args: ActionArgs,
  schema: Schema,
  options: FormReadOptions = {},
): Promise<Submission<z.input<Schema>, string[], z.output<Schema>>> {
  return parseFormData(await readForm(args, options), schema);
}

/** parseForm for a form already read (an upload form that shows its own 413 on the page). */
export function parseFormData<Schema extends z.ZodType>(
  form: FormData,
  schema: Schema,
): Submission<z.input<Schema>, string[], z.output<Schema>> {
  const submission = parseWithZod(form, { schema }) as Submission<z.input<Schema>, string[], z.output<Schema>>;
  const known = topLevelFields(schema);
  const reply = submission.reply.bind(submission);
  submission.reply = (options) => onlyKnownFields(reply(options), known);
  return submission;
}

/**
 * A code typed from an e-mail: `normalize` gives its canonical form (digits only) or null, which is
 * the `message` error. Long input is cut at the schema, not echoed at any length.
 */
export function oneTimeCodeField(normalize: (typed: string) => string | null, message: string) {
  return z
    .string({ error: message })
    .max(32, message)
    .transform((typed, context) => {
      const code = normalize(typed);
      if (code === null) context.addIssue({ code: "custom", message });
      return code ?? z.NEVER;
    });
}

/** The names a schema reads at its top level (every branch of a union). */
function topLevelFields(schema: z.ZodType): Set<string> {
  if (schema instanceof z.ZodObject) return new Set(Object.keys(schema.shape));
  if (schema instanceof z.ZodUnion) {
    return new Set((schema.options as z.ZodType[]).flatMap((option) => [...topLevelFields(option)]));
  }
  if (schema instanceof z.ZodPipe) return topLevelFields(schema.in as z.ZodType);
  return new Set();
}

const topLevelName = (name: string) => name.split(/[.[]/)[0]!;

/** Never sent back, not even inside the page's hydration data: whatever a password field held. */
const isSecret = (name: string) => /password/i.test(name);

function onlyKnownFields(result: SubmissionResult<string[]>, known: Set<string>): SubmissionResult<string[]> {
  const isKnown = (name: string) => name === "" || known.has(topLevelName(name));
  const pick = <T>(record: Record<string, T>, keep = isKnown) =>
    Object.fromEntries(Object.entries(record).filter(([name]) => keep(name)));
  const typed = (name: string) => isKnown(name) && !isSecret(name);
  return {
    status: result.status,
    initialValue: result.initialValue && (pick(result.initialValue, typed) as SubmissionResult["initialValue"]),
    error: result.error && pick(result.error),
    fields: result.fields?.filter(isKnown),
  };
}
