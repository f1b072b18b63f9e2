// Helpers for workerd tests that call the real Worker entry with a chosen env.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { RouterContextProvider } from "react-router";
import { createAccount } from "../app/accounts/accounts.server.ts";
import { hashPassword } from "../app/accounts/password.server.ts";
import { createSession, sessionCookieName } from "../app/accounts/session.server.ts";
import { requestInfo } from "../app/platform/request-info.ts";
import { createDatabase } from "../db/client.ts";
import { instance, organizations, type Role } from "../db/schema.ts";
import worker from "../workers/app.ts";

export const origin = "http://localhost:5173";

/** Sends `request` through workers/app.ts, optionally with env overrides (e.g. a dead database). */
export async function send(request: Request | string, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const req = typeof request === "string" ? new Request(new URL(request, origin)) : request;
  const response = await worker.fetch(
    req as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** A plain HTML form post from one of our own pages, the way a browser without JavaScript sends it. */
export function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(new URL(path, origin), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** An address on this machine where nothing listens: the database is "down". */
export const deadDatabase: Partial<Env> = { TURSO_DATABASE_URL: "http://127.0.0.1:9" };

// ── Accounts fixtures ─────────────────────────────────────────────────────────────────────────
// Created straight in the database (with the app's own functions), so a test about sessions does not
// depend on the sign-up form. Flows that are themselves under test go through HTTP instead.

export const testDb = () => createDatabase(env);

/** The router context a server function gets from a loader or action: here only the request info. */
export function testContext(requestId = "test-request"): RouterContextProvider {
  const context = new RouterContextProvider();
  context.set(requestInfo, { env, ctx: createExecutionContext(), requestId, nonce: "test-nonce", log: {} });
  return context;
}

/** Marks the shared test database as set up (organization + instance row), once. */
export async function ensureInstance(): Promise<void> {
  const db = testDb();
  const [row] = await db.select({ one: sql`1` }).from(instance).limit(1);
  if (row) return;
  const organizationId = crypto.randomUUID();
  try {
    await db.batch([
      db.insert(organizations).values({ id: organizationId, name: "Test organization", createdAt: new Date() }),
      db.insert(instance).values({ id: 1, organizationId, setupCompletedAt: new Date() }),
    ]);
  } catch {
    // Another test file set it up at the same moment: fine.
  }
}

let cachedHash: Promise<string> | undefined;
export const TEST_PASSWORD = "correct horse battery staple";

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
}

/** A fresh account (unique username and e-mail) with TEST_PASSWORD. */
export async function createTestUser(
  options: { role?: Role; verified?: boolean; label?: string } = {},
): Promise<TestUser> {
  await ensureInstance();
  cachedHash ??= hashPassword(TEST_PASSWORD); // hashing is slow; every fixture shares one hash
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const username = `${options.label ?? "user"}_${suffix}`.slice(0, 32);
  const user = await createAccount(testDb(), {
    username,
    email: `${username}@example.com`,
    displayName: null,
    passwordHash: await cachedHash,
    role: options.role ?? "user",
    emailVerifiedAt: options.verified === false ? null : new Date(),
  });
  return { id: user.id, username, email: user.email, password: TEST_PASSWORD };
}

/** A session for `user`, as the Cookie header value a browser would send. */
export async function signIn(
  user: { id: string },
  options: { persistent?: boolean; now?: number } = {},
): Promise<string> {
  const { token } = await createSession(testDb(), {
    userId: user.id,
    persistent: options.persistent ?? true,
    request: new Request(origin, {
      headers: { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" },
    }),
    now: options.now,
  });
  return `${sessionCookieName(false)}=${token}`;
}

/** GET `path` as the holder of `cookie`. */
export function getAs(path: string, cookie: string, headers: Record<string, string> = {}): Promise<Response> {
  return send(new Request(new URL(path, origin), { headers: { Cookie: cookie, ...headers }, redirect: "manual" }));
}

/** A same-origin form post as the holder of `cookie`. */
export function postAs(
  path: string,
  cookie: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return send(formPost(path, fields, { Cookie: cookie, ...headers }));
}

/** The Set-Cookie values of a response, by cookie name. */
export function setCookies(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((value) => [value.slice(0, value.indexOf("=")), value]));
}
