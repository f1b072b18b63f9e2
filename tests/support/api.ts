// Shared by the JSON API tests (not a test file itself): requests with a bearer token, and signing in
// without the password round trip when the test is not about signing in.

import { env } from "cloudflare:workers";
import { type Schema, Validator } from "@cfworker/json-schema";
import { expect } from "vitest";
import { signAccessToken } from "../../app/api/access-tokens.server.ts";
import { openApiDocument } from "../../app/api/openapi.server.ts";
import { createTokenFamily } from "../../app/api/token-families.server.ts";
import { origin, send, testDb } from "../worker-helpers.ts";

export interface ApiTokens {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

let nextIp = 1;
/** A distinct client address per call, so per-client limits of one test never throttle another. */
export function freshIp(): string {
  nextIp++;
  return `198.51.${Math.floor(nextIp / 250) % 250}.${nextIp % 250}`;
}

/** An API request. `body` is sent as JSON unless it is a string or bytes (sent as given). */
export async function api(
  path: string,
  options: {
    method?: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    /** Env overrides for this request (e.g. a recording PLAN_JOBS queue). */
    env?: Partial<Env>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "CF-Connecting-IP": freshIp(), ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === "string" || options.body instanceof Uint8Array) {
      body = options.body as BodyInit;
    } else {
      body = JSON.stringify(options.body);
      headers["Content-Type"] ??= "application/json";
    }
  }
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const response = await send(
    new Request(new URL(path, origin), { method, headers, body, redirect: "manual" }),
    options.env,
  );
  await expectDocumented(method, new URL(path, origin).pathname, response.clone());
  return response;
}

// ── Contract: every answer an API test sees must be what the OpenAPI document says ─────────────────

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}
let document: Document | undefined;

function operationFor(method: string, pathname: string): Operation | null {
  document ??= openApiDocument() as unknown as Document;
  for (const [template, operations] of Object.entries(document!.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(pathname)) return operations[method.toLowerCase()] ?? null;
  }
  return null;
}

/**
 * Validates the answer against the document (with a JSON Schema validator that runs in workerd): an
 * undocumented status or content type, or a body that does not match its schema, fails the test.
 * Addresses and methods the document does not have must answer a problem document.
 */
async function expectDocumented(method: string, pathname: string, response: Response): Promise<void> {
  const status = response.status;
  if (status === 204 || status === 304) return;
  const operation = method === "HEAD" ? null : operationFor(method, pathname);
  const contentType = (response.headers.get("Content-Type") ?? "").split(";")[0]!;
  let schema: Schema;
  if (operation) {
    const documented = operation.responses[String(status)];
    expect(documented, `${method} ${pathname} answered ${status}, which the document does not list`).toBeDefined();
    if (!documented!.content) return;
    const media = documented!.content[contentType];
    expect(media, `${method} ${pathname} ${status} answered ${contentType}, not a documented type`).toBeDefined();
    schema = media!.schema;
  } else {
    expect(status, `${method} ${pathname} is not in the document`).toBeOneOf([404, 405]);
    expect(contentType).toBe("application/problem+json");
    schema = { $ref: "#/components/schemas/Problem" };
  }
  if (method === "HEAD") return;
  const validator = new Validator({ ...schema, components: document!.components } as Schema, "2020-12", false);
  // A download (text/markdown) is checked as the string its schema says; everything else is JSON.
  const json = contentType === "application/json" || contentType.endsWith("+json");
  const result = validator.validate(json ? await response.json() : await response.text());
  expect(result.errors.slice(0, 5), `${method} ${pathname} ${status} does not match the document`).toEqual([]);
}

/** A live API sign-in for `user` made directly (no Argon2 round trip): its tokens. */
export async function apiSignIn(user: { id: string }): Promise<ApiTokens> {
  const { family, refreshToken } = await createTokenFamily(testDb(), {
    userId: user.id,
    request: new Request(origin, { headers: { "User-Agent": "alva-cli/1.0" } }),
  });
  const { token } = await signAccessToken(env, { userId: user.id, familyId: family.id });
  return { accessToken: token, refreshToken, sessionId: family.id };
}

/** Asserts a problem document with `status`, and returns it. */
export async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  const problem = (await response.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    requestId: string;
    errors?: { pointer: string; message: string }[];
  };
  expect(problem.status).toBe(status);
  expect(problem.requestId).toBe(response.headers.get("X-Request-Id"));
  expect(problem.title).toBeTruthy();
  expect(problem.detail).toBeTruthy();
  return problem;
}
