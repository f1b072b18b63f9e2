// The lifetime rules of a session, seen from the outside (OWASP ASVS 5.0 V7.3): idle and absolute
// timeouts, hourly refresh, browser-session cookies, the per-user limit, tampered tokens and the
// cookie's attributes. Sessions are created with the app's own createSession (signIn) and aged by
// writing their rows directly.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { sessions } from "../../db/schema.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  send,
  setCookies,
  signIn,
  TEST_PASSWORD,
  testDb,
} from "../../tests/worker-helpers.ts";
import { randomSecret } from "../accounts/secrets.server.ts";
import {
  ABSOLUTE_TIMEOUT_MS,
  deleteExpiredSessions,
  IDLE_TIMEOUT_MS,
  type Session,
  sessionCookie,
} from "../accounts/session.server.ts";

beforeAll(ensureInstance);

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const tokenOf = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);
const idOf = (cookie: string) => tokenOf(cookie).split(".")[0]!;
const secretOf = (cookie: string) => tokenOf(cookie).split(".")[1]!;

async function row(cookie: string): Promise<Session | undefined> {
  const [found] = await testDb()
    .select()
    .from(sessions)
    .where(eq(sessions.id, idOf(cookie)));
  return found;
}

async function age(
  cookie: string,
  values: Partial<Pick<Session, "createdAt" | "lastActiveAt" | "idleExpiresAt" | "absoluteExpiresAt">>,
) {
  await testDb()
    .update(sessions)
    .set(values)
    .where(eq(sessions.id, idOf(cookie)));
}

/** A signed-in page: 200 for a valid session, a redirect to /login for none. */
const visit = (cookie: string) => getAs("/settings", cookie);

function expectAnonymousAndCleared(response: Response) {
  expect(response.status).toBe(302);
  expect(response.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
  const cleared = setCookies(response).get("alva_session");
  expect(cleared).toBeDefined();
  expect(cleared).toMatch(/^alva_session=;/);
  expect(cleared).toContain("Max-Age=0");
}

describe("idle timeout (10 days)", () => {
  it("refuses and deletes a session last active more than 10 days ago", async () => {
    const user = await createTestUser({ label: "idle" });
    const cookie = await signIn(user, { now: Date.now() - 11 * DAY });
    expect(await row(cookie)).toBeDefined();
    expectAnonymousAndCleared(await visit(cookie));
    expect(await row(cookie)).toBeUndefined();
  });

  it("keeps a session active 9 days ago, and moves its idle deadline", async () => {
    const user = await createTestUser({ label: "idleok" });
    const cookie = await signIn(user, { now: Date.now() - 9 * DAY });
    const before = Date.now();
    expect((await visit(cookie)).status).toBe(200);
    const refreshed = (await row(cookie))!;
    expect(refreshed.idleExpiresAt.getTime()).toBeGreaterThanOrEqual(before + IDLE_TIMEOUT_MS - 2 * DAY);
  });
});

describe("absolute timeout (30 days)", () => {
  it("refuses and deletes a session created 31 days ago even though it was used a minute ago", async () => {
    const user = await createTestUser({ label: "absolute" });
    const cookie = await signIn(user);
    const created = Date.now() - 31 * DAY;
    await age(cookie, {
      createdAt: new Date(created),
      absoluteExpiresAt: new Date(created + ABSOLUTE_TIMEOUT_MS),
      lastActiveAt: new Date(Date.now() - MINUTE),
      idleExpiresAt: new Date(Date.now() - MINUTE + IDLE_TIMEOUT_MS),
    });
    expectAnonymousAndCleared(await visit(cookie));
    expect(await row(cookie)).toBeUndefined();
  });

  it("never lets a refresh move the idle deadline past the absolute cap", async () => {
    const user = await createTestUser({ label: "cap" });
    const cookie = await signIn(user);
    const cap = Date.now() + HOUR;
    await age(cookie, { lastActiveAt: new Date(Date.now() - 2 * HOUR), absoluteExpiresAt: new Date(cap) });
    const response = await visit(cookie);
    expect(response.status).toBe(200);
    expect((await row(cookie))!.idleExpiresAt.getTime()).toBe(cap);
    expect(setCookies(response).get("alva_session")).toContain(`Expires=${new Date(cap).toUTCString()}`);
  });
});

describe("refresh", () => {
  it("moves last activity at most hourly, and then sends a fresh persistent cookie", async () => {
    const user = await createTestUser({ label: "refresh" });
    const cookie = await signIn(user, { now: Date.now() - 30 * MINUTE });
    const original = (await row(cookie))!;

    for (let request = 0; request < 2; request++) {
      const response = await visit(cookie);
      expect(response.status).toBe(200);
      expect(setCookies(response).has("alva_session")).toBe(false);
      const unchanged = (await row(cookie))!;
      expect(unchanged.lastActiveAt.getTime()).toBe(original.lastActiveAt.getTime());
      expect(unchanged.idleExpiresAt.getTime()).toBe(original.idleExpiresAt.getTime());
    }

    await age(cookie, { lastActiveAt: new Date(Date.now() - 61 * MINUTE) });
    const before = Date.now();
    const response = await visit(cookie);
    expect(response.status).toBe(200);
    const moved = (await row(cookie))!;
    expect(moved.lastActiveAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(moved.idleExpiresAt.getTime()).toBeGreaterThanOrEqual(before + IDLE_TIMEOUT_MS);
    const fresh = setCookies(response).get("alva_session")!;
    // The same token (no rotation needed: the secret never changes hands), with the new deadline.
    expect(fresh.split(";")[0]).toBe(cookie);
    expect(fresh).toContain(`Expires=${moved.idleExpiresAt.toUTCString()}`);
  });
});

describe("browser-session cookies (no 'remember me')", () => {
  it("carry no Expires or Max-Age, so the browser forgets them when it closes", () => {
    const request = new Request("https://alva.example/login");
    const cookie = sessionCookie(request, "token", {
      persistent: false,
      idleExpiresAt: new Date(Date.now() + IDLE_TIMEOUT_MS),
    });
    expect(cookie).not.toMatch(/Expires|Max-Age/i);
    const persistent = sessionCookie(request, "token", {
      persistent: true,
      idleExpiresAt: new Date(Date.now() + IDLE_TIMEOUT_MS),
    });
    expect(persistent).toContain("Expires=");
  });

  it("are what sign-in sends without 'remember me'", async () => {
    const user = await createTestUser({ label: "browsersession" });
    const response = await send(
      formPost(
        "/login",
        { login: user.email, password: TEST_PASSWORD },
        { "CF-Connecting-IP": `192.0.2.${Math.floor(Math.random() * 250) + 1}` },
      ),
    );
    expect(response.status).toBe(302);
    const cookie = setCookies(response).get("alva_session")!;
    expect(cookie).toMatch(/^alva_session=[a-z2-7]{16}\.[a-z2-7]{32};/);
    expect(cookie).not.toMatch(/Expires|Max-Age/i);
  });

  it("are not turned into persistent cookies by a refresh", async () => {
    const user = await createTestUser({ label: "nonpersistent" });
    const cookie = await signIn(user, { persistent: false, now: Date.now() - 2 * HOUR });
    const before = Date.now();
    const response = await visit(cookie);
    expect(response.status).toBe(200);
    expect((await row(cookie))!.lastActiveAt.getTime()).toBeGreaterThanOrEqual(before); // refreshed server-side
    expect(setCookies(response).has("alva_session")).toBe(false);
  });
});

describe("concurrent sessions", () => {
  it("keeps at most 10 per user: the 11th sign-in ends the oldest", async () => {
    const user = await createTestUser({ label: "limit" });
    const other = await createTestUser({ label: "limitother" });
    const othersCookie = await signIn(other);
    const cookies: string[] = [];
    // Distinct creation times, so "oldest" is well defined.
    for (let i = 0; i < 11; i++) cookies.push(await signIn(user, { now: Date.now() - (11 - i) * 1000 }));

    const remaining = await testDb().select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id));
    expect(remaining).toHaveLength(10);
    expect(remaining.map((session) => session.id).sort()).toEqual(cookies.slice(1).map(idOf).sort());
    expectAnonymousAndCleared(await visit(cookies[0]!));
    expect((await visit(cookies[1]!)).status).toBe(200);
    expect((await visit(cookies[10]!)).status).toBe(200);
    // Another user's sessions do not count against this one.
    expect((await visit(othersCookie)).status).toBe(200);
  });
});

describe("tampered tokens", () => {
  it("treats a wrong secret, malformed values and another user's id with my secret as anonymous, and clears them", async () => {
    const me = await createTestUser({ label: "tamper" });
    const victim = await createTestUser({ label: "tampervictim" });
    const mine = await signIn(me);
    const theirs = await signIn(victim);
    const forged = [
      `${idOf(mine)}.${randomSecret(20)}`, // right id, wrong secret
      `${idOf(theirs)}.${secretOf(mine)}`, // another user's id with my secret
      `${idOf(mine)}.${secretOf(mine).slice(0, -1)}`, // truncated
      `${tokenOf(mine)}x`, // extended
      tokenOf(mine).toUpperCase(),
      idOf(mine),
      `${tokenOf(mine)}.${secretOf(mine)}`,
      "garbage",
      "' OR 1=1 --",
      "%00",
    ];
    for (const value of forged) {
      expectAnonymousAndCleared(await visit(`alva_session=${value}`));
    }
    // Guessing never ends the real sessions (else knowing an id would be enough to sign someone out).
    expect((await visit(mine)).status).toBe(200);
    expect((await visit(theirs)).status).toBe(200);
  });
});

describe("cookie attributes", () => {
  const HTTPS_ENV = { APP_URL: "https://alva.example" };
  const httpsGet = (path: string, cookie: string) =>
    send(new Request(`https://alva.example${path}`, { headers: { Cookie: cookie }, redirect: "manual" }), HTTPS_ENV);

  it("over http: HttpOnly, SameSite=Lax, Path=/, no Domain", async () => {
    const user = await createTestUser({ label: "attrhttp" });
    const cookie = await signIn(user, { now: Date.now() - 2 * HOUR });
    const set = setCookies(await visit(cookie)).get("alva_session")!;
    const attributes = set.split("; ").slice(1);
    expect(attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Lax"]));
    expect(set).not.toMatch(/Domain=/i);
  });

  it("over https: the __Host- prefix with Secure, Path=/ and no Domain", async () => {
    const user = await createTestUser({ label: "attrhttps" });
    const cookie = await signIn(user, { now: Date.now() - 2 * HOUR });
    const response = await httpsGet("/settings", `__Host-alva_session=${tokenOf(cookie)}`);
    expect(response.status).toBe(200);
    const set = setCookies(response).get("__Host-alva_session")!;
    expect(set).toBeDefined();
    const attributes = set.split("; ").slice(1);
    expect(attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Lax", "Secure"]));
    expect(set).not.toMatch(/Domain=/i);
  });

  it("over https: ignores a cookie without the __Host- prefix (one a subdomain or plain http could plant)", async () => {
    const user = await createTestUser({ label: "attrplain" });
    const cookie = await signIn(user);
    const response = await httpsGet("/settings", cookie);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
  });

  it("over https: signing out from the sessions page clears the __Host- cookie, Secure", async () => {
    const user = await createTestUser({ label: "attrclear" });
    const cookie = await signIn(user);
    // A browser without Sec-Fetch-Site: the Origin must be APP_URL's.
    const response = await send(
      new Request("https://alva.example/settings/sessions", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Origin: "https://alva.example",
          Cookie: `__Host-alva_session=${tokenOf(cookie)}`,
        },
        body: new URLSearchParams({ intent: "revoke", sessionId: idOf(cookie) }),
        redirect: "manual",
      }),
      HTTPS_ENV,
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login");
    const cleared = setCookies(response).get("__Host-alva_session")!;
    expect(cleared.split("; ")).toEqual(
      expect.arrayContaining(["__Host-alva_session=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", "Secure"]),
    );
    expect(setCookies(response).get("toast")).toContain("Secure");
    expect(await row(cookie)).toBeUndefined();
  });
});

describe("deleteExpiredSessions (the cron cleanup)", () => {
  it("deletes idle- and absolute-expired sessions and keeps live ones", async () => {
    const user = await createTestUser({ label: "cleanup" });
    const idle = await signIn(user, { now: Date.now() - 11 * DAY });
    const absolute = await signIn(user);
    await age(absolute, { absoluteExpiresAt: new Date(Date.now() - MINUTE) });
    const live = await signIn(user);
    await deleteExpiredSessions(testDb());
    expect(await row(idle)).toBeUndefined();
    expect(await row(absolute)).toBeUndefined();
    expect(await row(live)).toBeDefined();
  });
});
