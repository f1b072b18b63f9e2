// The JSON API's HTTP conventions, in one place (docs/decisions/0090-api-tokens.md):
//   - errors are RFC 9457 problem documents (application/problem+json) with the request id, and field
//     errors as JSON Pointers; nothing a client sends gives a 500 (a thrown Error does, logged, without
//     details in the answer);
//   - a body is read bounded (like forms: app/platform/forms.server.ts), only as JSON (else 415), and
//     validated with the endpoint's zod schema, the same one the OpenAPI document shows;
//   - every request is rate limited: with a valid token per token family, otherwise per client address
//     (so one rate-limit call per request), with RateLimit-* headers and 429 + Retry-After;
//   - bearer tokens only: cookies are never read here (root.tsx skips its middleware for /api/*);
//   - GET answers carry a weak ETag and honour If-None-Match; nothing is cached by shared caches.

import type { RouterContextProvider } from "react-router";
import { type ZodType, z } from "zod";
import { type Database, isDatabaseUnavailable } from "../../db/client.ts";
import type { LimitResult } from "../../workers/rate-limiter.ts";
import type { AccountRefusal } from "../accounts/account-status.ts";
import { checkClientLimit, checkLimit, type LimitName, limits } from "../accounts/limits.server.ts";
import { hashSecret } from "../accounts/secrets.server.ts";
import type { User } from "../accounts/session.server.ts";
import { getDatabase } from "../platform/database.server.ts";
import { readAtMost } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { logError, logWarning } from "../platform/request-log.ts";
import { verifyAccessToken } from "./access-tokens.server.ts";
import { liveFamily, type TokenFamily } from "./token-families.server.ts";

/** JSON bodies of this API are small (the longest is an onboarding answer); far more than any needs. */
export const MAX_JSON_BYTES = 64 * 1024;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

// ── Problem documents ───────────────────────────────────────────────────────────────────────────

export const fieldErrorSchema = z.object({
  /** JSON Pointer (RFC 6901) into the request body, e.g. `/answer/0/name`; "" for the body itself. */
  pointer: z.string(),
  message: z.string(),
});

export const problemSchema = z
  .object({
    type: z.string().describe("A URI reference naming the kind of problem"),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    requestId: z.string().describe("Quote it when reporting a problem"),
    errors: z.array(fieldErrorSchema).optional().describe("What is wrong with which field of the body"),
  })
  .meta({ id: "Problem" });

export type Problem = z.infer<typeof problemSchema>;
export type FieldError = z.infer<typeof fieldErrorSchema>;

const problemKinds = {
  400: ["malformed-request", "Malformed request"],
  401: ["unauthorized", "Unauthorized"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not found"],
  405: ["method-not-allowed", "Method not allowed"],
  409: ["conflict", "Conflict"],
  412: ["precondition-failed", "Precondition failed"],
  413: ["content-too-large", "Content too large"],
  415: ["unsupported-media-type", "Unsupported media type"],
  422: ["validation-failed", "Validation failed"],
  429: ["rate-limited", "Too many requests"],
  500: ["internal-error", "Internal error"],
  503: ["unavailable", "Service unavailable"],
} as const;

export type ProblemStatus = keyof typeof problemKinds;

/**
 * An error answer. Handlers `throw apiProblem(...)`: the route wrapper returns thrown Responses as they
 * are. `detail` is shown to API users as written: never internals, never a secret.
 */
export function apiProblem(
  requestId: string,
  status: ProblemStatus,
  detail: string,
  options: { errors?: FieldError[]; headers?: HeadersInit; type?: string; title?: string } = {},
): Response {
  const [slug, title] = problemKinds[status];
  const body: Problem = {
    type: options.type ?? `/api/v1/problems/${slug}`,
    title: options.title ?? title,
    status,
    detail,
    requestId,
    ...(options.errors ? { errors: options.errors } : {}),
  };
  const headers = new Headers(options.headers);
  headers.set("Content-Type", "application/problem+json");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}

/** A JSON answer; GETs get their ETag in the route wrapper. */
export function apiJson(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

export function noContent(): Response {
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}

/** zod issues as field errors with JSON Pointers. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 50).map((issue) => ({
    pointer: issue.path.map((part) => `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`).join(""),
    message: issue.message,
  }));
}

// ── Reading a JSON body ─────────────────────────────────────────────────────────────────────────

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/** The body as `schema` says, or a thrown problem: 415 not JSON, 413 too large, 400 unparsable, 422 invalid. */
export async function readJsonBody<T>(request: Request, requestId: string, schema: ZodType<T>): Promise<T> {
  const [mediaType = "", ...parameters] = (request.headers.get("Content-Type") ?? "").split(";");
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith("charset="));
  if (!JSON_MEDIA_TYPE.test(mediaType.trim().toLowerCase()) || (charset && charset !== "charset=utf-8")) {
    refused(requestId, "not JSON");
    throw apiProblem(requestId, 415, "Send the body as JSON, with Content-Type: application/json.");
  }
  const declared = Number(request.headers.get("Content-Length") ?? "");
  const limit = Number.isFinite(declared) && declared > MAX_JSON_BYTES ? -1 : MAX_JSON_BYTES;
  const bytes = request.body ? await readAtMost(request.body, limit, { drain: true }) : new Uint8Array();
  if (!bytes) {
    refused(requestId, "body over the limit");
    throw apiProblem(requestId, 413, `The body is larger than this API accepts (${MAX_JSON_BYTES / 1024} KB).`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    refused(requestId, "malformed JSON");
    throw apiProblem(requestId, 400, "The body is not valid JSON.");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw apiProblem(requestId, 422, "Some fields are missing or not valid.", { errors: fieldErrors(parsed.error) });
  }
  return parsed.data;
}

function refused(requestId: string, reason: string): void {
  logWarning("api body refused", requestId, { reason });
}

// ── Endpoints and route modules ─────────────────────────────────────────────────────────────────

export interface ApiAuth {
  user: User;
  family: TokenFamily;
}

export interface ApiRequest<Params, Query, Body> {
  request: Request;
  context: Readonly<RouterContextProvider>;
  env: Env;
  ctx: ExecutionContext;
  requestId: string;
  db: Database;
  params: Params;
  query: Query;
  body: Body;
}

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  /** The answer's media type when it is not application/json (a download). */
  contentType?: string;
  headers?: Record<string, string>;
}

interface EndpointBase<Params, Query, Body> {
  method: HttpMethod;
  /** The OpenAPI path, e.g. `/api/v1/plans/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: ZodType<Params>;
  query?: ZodType<Query>;
  body?: ZodType<Body>;
  /** Successful answers by status (errors are problem documents, listed by `errors`). */
  responses: Record<number, ResponseSpec>;
  /** Problem statuses this endpoint may answer besides 401/429/500/503, for the document. */
  errors?: ProblemStatus[];
}

export type Endpoint<Params = unknown, Query = unknown, Body = unknown> =
  | (EndpointBase<Params, Query, Body> & {
      auth: true;
      handle: (input: ApiRequest<Params, Query, Body> & { auth: ApiAuth }) => Promise<Response>;
    })
  | (EndpointBase<Params, Query, Body> & {
      auth: false;
      handle: (input: ApiRequest<Params, Query, Body>) => Promise<Response>;
    });

/** Identity function that infers the endpoint's types from its schemas. */
export function endpoint<Params = Record<string, never>, Query = Record<string, never>, Body = undefined>(
  definition: Endpoint<Params, Query, Body>,
): Endpoint<Params, Query, Body> {
  return definition;
}

export interface RouteArgs {
  request: Request;
  params: Record<string, string | undefined>;
  context: Readonly<RouterContextProvider>;
}

// biome-ignore lint/suspicious/noExplicitAny: a route holds endpoints of different types
export type AnyEndpoint = Endpoint<any, any, any>;

/**
 * The loader and action of one API route module: each request goes to the endpoint of its method (405
 * otherwise) through the conventions above. Every endpoint is also listed in app/api/endpoints.ts,
 * from which the OpenAPI document is made.
 */
export function apiRoute(endpoints: AnyEndpoint[]) {
  const handle = (args: RouteArgs) => handleApiRequest(args, endpoints);
  return { loader: handle, action: handle };
}

const WWW_AUTHENTICATE = 'Bearer realm="alva-api"';

// ── CORS ────────────────────────────────────────────────────────────────────────────────────────
// Browsers on the origins in API_CORS_ORIGINS may call the API; credentials (cookies) are never allowed,
// since the API reads none. Anyone else's page gets no CORS headers, so its browser withholds answers.

const EXPOSED_HEADERS =
  "ETag, Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate, X-Request-Id, Idempotency-Replayed";

function allowedOrigin(request: Request, env: Env): string | null {
  const origin = request.headers.get("Origin");
  if (!origin || !env.API_CORS_ORIGINS) return null;
  const allowed = env.API_CORS_ORIGINS.split(",").map((entry) => entry.trim().replace(/\/+$/, ""));
  return allowed.includes(origin) ? origin : null;
}

function corsHeaders(origin: string | null): Headers {
  const headers = new Headers();
  headers.set("Vary", "Origin");
  if (!origin) return headers;
  headers.set("Access-Control-Allow-Origin", origin);
  headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
  return headers;
}

function preflight(origin: string | null, endpoints: AnyEndpoint[]): Response {
  const headers = corsHeaders(origin);
  if (origin) {
    headers.set("Access-Control-Allow-Methods", [...new Set(endpoints.map((endpoint) => endpoint.method))].join(", "));
    headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, If-None-Match");
    headers.set("Access-Control-Max-Age", "600");
  }
  return new Response(null, { status: 204, headers });
}

export async function handleApiRequest(args: RouteArgs, endpoints: AnyEndpoint[]): Promise<Response> {
  const { request, context } = args;
  const { env } = context.get(requestInfo);
  const origin = allowedOrigin(request, env);
  if (request.method.toUpperCase() === "OPTIONS") return preflight(origin, endpoints);
  return withHeaders(await answer(args, endpoints), corsHeaders(origin));
}

async function answer(args: RouteArgs, endpoints: AnyEndpoint[]): Promise<Response> {
  const { request, context } = args;
  const { env, ctx, requestId } = context.get(requestInfo);
  const method = request.method.toUpperCase() === "HEAD" ? "GET" : request.method.toUpperCase();
  const rateHeaders = new Headers();
  try {
    const chosen = endpoints.find((candidate) => candidate.method === method);
    // Who pays for the request: a valid token's own bucket (authenticate), else the client address's.
    const limitByAddress = async () => {
      const ipLimit = await checkClientLimit(env, "apiIp", request);
      setRateHeaders(rateHeaders, "apiIp", ipLimit);
      if (!ipLimit.allowed) throw rateLimited(requestId, ipLimit, rateHeaders);
    };
    if (!chosen?.auth) await limitByAddress();
    if (!chosen) {
      const allow: string[] = [...new Set(endpoints.map((candidate) => candidate.method))];
      if (allow.includes("GET")) allow.push("HEAD");
      throw apiProblem(
        requestId,
        endpoints.length ? 405 : 404,
        endpoints.length ? "This address does not take that method." : "There is nothing at this address.",
        {
          headers: endpoints.length ? { Allow: allow.join(", ") } : {},
        },
      );
    }

    const db = getDatabase(context);
    let auth: ApiAuth | null = null;
    if (chosen.auth) {
      auth = await authenticate(request, env, db, requestId, rateHeaders, limitByAddress);
      context.get(requestInfo).log.userId = auth.user.id; // the request's log line: by id, never e-mail
    }

    const params = chosen.params ? chosen.params.safeParse(args.params) : { success: true as const, data: {} };
    // A path parameter that cannot be one of ours names nothing: the same 404 as an id that does not exist.
    if (!params.success) throw apiProblem(requestId, 404, "There is nothing at this address.");
    const url = new URL(request.url);
    const query = chosen.query
      ? chosen.query.safeParse(Object.fromEntries(url.searchParams))
      : { success: true as const, data: {} };
    if (!query.success) {
      throw apiProblem(requestId, 422, "Some query parameters are not valid.", {
        errors: fieldErrors(query.error).map((error) => ({ ...error, pointer: `/query${error.pointer}` })),
      });
    }
    const body = chosen.body ? await readJsonBody(request, requestId, chosen.body) : undefined;
    const input = { request, context, env, ctx, requestId, db, params: params.data, query: query.data, body };
    let response = auth
      ? await (chosen as Extract<AnyEndpoint, { auth: true }>).handle({ ...input, auth })
      : await (chosen as Extract<AnyEndpoint, { auth: false }>).handle(input);
    if (method === "GET" && response.status === 200) response = await withEtag(request, response);
    return withHeaders(response, rateHeaders);
  } catch (error) {
    if (error instanceof Response) return withHeaders(error, rateHeaders);
    const thrown = thrownPageError(error);
    if (thrown) return withHeaders(apiProblem(requestId, thrown.status, thrown.message), rateHeaders);
    if (isDatabaseUnavailable(error)) {
      return withHeaders(
        apiProblem(
          requestId,
          503,
          "The database cannot be reached right now; nothing was saved. Try again in a minute.",
          {
            headers: { "Retry-After": "30" },
          },
        ),
        rateHeaders,
      );
    }
    logError(error, requestId);
    return withHeaders(
      apiProblem(requestId, 500, "Something went wrong on our side. Quote the request id if you report it."),
      rateHeaders,
    );
  }
}

/**
 * The server modules the pages use give up with httpError's `data({ message, requestId }, { status })` (404 for
 * another workspace's plan, 403 for an owner-only change): the API reuses them, so their refusals
 * become problem documents with the same message.
 */
function thrownPageError(error: unknown): { status: ProblemStatus; message: string } | null {
  if (typeof error !== "object" || error === null || (error as { type?: unknown }).type !== "DataWithResponseInit") {
    return null;
  }
  const { data, init } = error as { data: unknown; init: ResponseInit | null };
  const status = init?.status ?? 500;
  if (!(status in problemKinds) || status >= 500) return null;
  const message = (data as { message?: unknown } | null)?.message;
  return {
    status: status as ProblemStatus,
    message: typeof message === "string" ? message : problemKinds[status as ProblemStatus][1],
  };
}

/** The answer to every API way in for a disabled or deleted account (app/accounts/account-status.ts). */
export function accountRefusedProblem(requestId: string, refusal: AccountRefusal): Response {
  return apiProblem(requestId, 403, refusal.message, { type: `/api/v1/problems/account-${refusal.reason}` });
}

/**
 * The bearer token's user and family, or a thrown 401. A valid token is limited by its family's bucket
 * (one per sign-in, whatever the address); a missing or invalid one by the client address's bucket, so
 * guessing tokens is limited too. Either way one rate-limit call per request, beside the family lookup.
 */
async function authenticate(
  request: Request,
  env: Env,
  db: Database,
  requestId: string,
  rateHeaders: Headers,
  limitByAddress: () => Promise<void>,
): Promise<ApiAuth> {
  const header = request.headers.get("Authorization") ?? "";
  const match = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/i.exec(header.trim());
  if (!match) {
    await limitByAddress();
    throw apiProblem(requestId, 401, "Send an access token: Authorization: Bearer <token> (POST /api/v1/auth/token).", {
      headers: { "WWW-Authenticate": WWW_AUTHENTICATE },
    });
  }
  const invalid = () =>
    apiProblem(requestId, 401, "The access token is invalid or expired; refresh it or sign in again.", {
      headers: { "WWW-Authenticate": `${WWW_AUTHENTICATE}, error="invalid_token"` },
    });
  const claims = await verifyAccessToken(env, match[1]!);
  if (!claims) {
    await limitByAddress();
    throw invalid();
  }
  // The family lookup (is this sign-in still live?) and its rate limit run side by side.
  const [live, tokenLimit] = await Promise.all([
    liveFamily(db, { familyId: claims.sid, userId: claims.sub }),
    checkLimit(env, "apiToken", claims.sid),
  ]);
  if (!live) throw invalid();
  if ("refusal" in live) throw accountRefusedProblem(requestId, live.refusal);
  setRateHeaders(rateHeaders, "apiToken", tokenLimit);
  if (!tokenLimit.allowed) throw rateLimited(requestId, tokenLimit, rateHeaders);
  return live;
}

/** RateLimit-* of the tighter limit seen so far (the one with fewer requests left). */
function setRateHeaders(headers: Headers, name: LimitName, result: LimitResult): void {
  const current = Number(headers.get("RateLimit-Remaining") ?? Number.POSITIVE_INFINITY);
  if (result.remaining > current) return;
  const policy = limits[name];
  const reset = result.allowed ? 0 : result.retryAfterSeconds;
  headers.set("RateLimit-Limit", String(policy.capacity));
  headers.set("RateLimit-Remaining", String(result.remaining));
  headers.set("RateLimit-Reset", String(Number.isFinite(reset) ? reset : 3600));
}

function rateLimited(requestId: string, result: LimitResult, rateHeaders: Headers): Response {
  const seconds = Number.isFinite(result.retryAfterSeconds) ? Math.max(1, result.retryAfterSeconds) : 3600;
  return apiProblem(requestId, 429, `Too many requests; try again in ${seconds} seconds.`, {
    headers: { "Retry-After": String(seconds), ...Object.fromEntries(rateHeaders) },
  });
}

function withHeaders(response: Response, headers: Headers): Response {
  const copy = new Response(response.body, response);
  for (const [name, value] of headers) if (!copy.headers.has(name)) copy.headers.set(name, value);
  return copy;
}

async function withEtag(request: Request, response: Response): Promise<Response> {
  const text = await response.text();
  const etag = `W/"${hashSecret(text).slice(0, 32)}"`;
  const headers = new Headers(response.headers);
  headers.set("ETag", etag);
  const ifNoneMatch = request.headers.get("If-None-Match");
  if (ifNoneMatch?.split(",").some((candidate) => candidate.trim() === etag || candidate.trim() === "*")) {
    headers.delete("Content-Type");
    return new Response(null, { status: 304, headers });
  }
  return new Response(request.method === "HEAD" ? null : text, { status: 200, headers });
}
