// Shared by the OAuth tests: driving a sign-in through the Worker and the fake
// provider (tests/fake-oauth/server.ts), whose URLs the test env carries.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import type { OAuthProvider } from "../../app/oauth/providers.ts";
import { oauthAccounts, users } from "../../db/schema.ts";
import type { FakeProfile } from "../fake-oauth/profile.ts";
import { formPost, origin, send, setCookies, testDb } from "../worker-helpers.ts";

const vars = env as unknown as Record<string, string>;
export const fakeBase = vars.GITHUB_API_URL!.replace(/\/github-api$/, "");

export const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);
export const numericId = () => String(Math.floor(Math.random() * 1e12));

/** A fresh fake-provider user with a unique id and e-mail (verified unless said otherwise). */
export function fakeUser(overrides: Partial<FakeProfile> = {}): FakeProfile {
  const suffix = unique();
  return {
    id: numericId(),
    login: `octo_${suffix}`,
    name: "Octo Cat",
    email: `octo_${suffix}@example.com`,
    emailVerified: true,
    ...overrides,
  };
}

export async function registerFakeUser(profile: FakeProfile): Promise<string> {
  const response = await fetch(`${fakeBase}/_fake/users`, { method: "POST", body: JSON.stringify(profile) });
  return ((await response.json()) as { key: string }).key;
}

/** `name=value` of the cookie named `name` in the response's Set-Cookie headers. */
export function cookiePair(response: Response, name: string): string {
  const header = setCookies(response).get(name);
  expect(header, `Set-Cookie ${name}`).toBeDefined();
  return header!.split(";")[0]!;
}

/** POST /auth/<provider> (from our own page): the provider's authorize URL and the state cookie. */
export async function startFlow(provider: OAuthProvider, options: { cookie?: string; mode?: "link" } = {}) {
  const fields: Record<string, string> = options.mode ? { mode: options.mode } : {};
  const response = await send(formPost(`/auth/${provider}`, fields, options.cookie ? { Cookie: options.cookie } : {}));
  expect(response.status, response.headers.get("Location") ?? "").toBe(200);
  const authorizeUrl = providerUrlIn(await response.clone().text());
  return { response, authorizeUrl, stateCookie: cookiePair(response, `alva_oauth_${provider}`) };
}

/** The provider URL the start page sends the browser to (its meta refresh and link agree). */
export function providerUrlIn(html: string): URL {
  const link =
    /data-testid="provider-redirect"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*data-testid="provider-redirect"/.exec(html);
  const refresh = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html);
  expect(link, "the continue link").not.toBeNull();
  const href = unescapeHtml(link![1] ?? link![2]!);
  expect(refresh && unescapeHtml(refresh[1]!)).toBe(href);
  return new URL(href);
}

export interface ProviderAnswer {
  /** GitHub/Google: the callback URL with code and state. */
  url: URL;
  /** Apple: the fields it posts to the callback. */
  fields?: Record<string, string>;
}

/** The fake provider's answer for the user registered as `key`. */
export async function authorize(authorizeUrl: URL, key: string): Promise<ProviderAnswer> {
  const url = new URL(authorizeUrl);
  url.searchParams.set("login_hint", key);
  const response = await fetch(url, { redirect: "manual" });
  if (url.pathname.startsWith("/apple")) {
    expect(response.status).toBe(200);
    const html = await response.text();
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const fields = Object.fromEntries(
      [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1]!, unescapeHtml(match[2]!)]),
    );
    return { url: new URL(unescapeHtml(action)), fields };
  }
  expect(response.status).toBe(302);
  return { url: new URL(response.headers.get("Location")!) };
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");
}

/** The browser arriving back at the callback (Apple: its cross-site form post). */
/** Apple's form_post as the browser sends it: a cross-site POST (no SameSite=Lax cookies). */
export function applePost(answer: ProviderAnswer, cookie = ""): Promise<Response> {
  return send(
    new Request(answer.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "cross-site",
        Origin: new URL(fakeBase).origin,
        Cookie: cookie,
      },
      body: new URLSearchParams(answer.fields),
      redirect: "manual",
    }),
  );
}

export async function callback(answer: ProviderAnswer, cookie: string): Promise<Response> {
  if (answer.fields) {
    // Apple's cross-site form post is bounced to a same-site GET, which carries the cookies.
    const posted = await applePost(answer, cookie);
    expect(posted.status).toBe(303);
    const finish = new URL(posted.headers.get("Location")!, origin);
    return send(
      new Request(finish, { headers: { Cookie: cookie, "Sec-Fetch-Site": "cross-site" }, redirect: "manual" }),
    );
  }
  const url = new URL(answer.url.pathname + answer.url.search, origin);
  return send(new Request(url, { headers: { Cookie: cookie, "Sec-Fetch-Site": "cross-site" }, redirect: "manual" }));
}

/** A whole flow: start, the fake provider answers as `profile`, back at the callback. */
export async function flow(
  provider: OAuthProvider,
  profile: FakeProfile,
  options: { session?: string; mode?: "link" } = {},
) {
  const key = await registerFakeUser(profile);
  const started = await startFlow(provider, { cookie: options.session, mode: options.mode });
  const answer = await authorize(started.authorizeUrl, key);
  const cookie = [started.stateCookie, options.session].filter(Boolean).join("; ");
  const response = await callback(answer, cookie);
  return { response, answer, cookie, started };
}

export async function userByEmail(email: string) {
  const [user] = await testDb().select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return user;
}

export function linksOf(userId: string) {
  return testDb().select().from(oauthAccounts).where(eq(oauthAccounts.userId, userId));
}

export const SESSION_COOKIE = "alva_session";
