import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  origin,
  send,
  signIn as sessionFor,
  setCookies,
  TEST_PASSWORD,
} from "../../tests/worker-helpers.ts";

beforeAll(ensureInstance);
afterEach(() => vi.restoreAllMocks());

const randomIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
const login = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  send(formPost("/login", { remember: "on", ...fields }, { "CF-Connecting-IP": randomIp(), ...headers }));

/** The page without what legitimately differs per response (nonce, request id). */
const comparable = (html: string) =>
  html.replace(/nonce="[^"]*"/g, "").replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "");

describe("sign-in", () => {
  it("signs in with the e-mail or the username, in any case, and lands on the dashboard", async () => {
    const user = await createTestUser();
    for (const identifier of [user.email, user.username.toUpperCase()]) {
      const response = await login({ login: identifier, password: TEST_PASSWORD });
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/dashboard");
      const cookie = setCookies(response).get("alva_session")!;
      expect(cookie).toMatch(/^alva_session=[a-z2-7]{16}\.[a-z2-7]{32}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
      const dashboard = await getAs("/dashboard", cookie.split(";")[0]!);
      expect(dashboard.status).toBe(200);
    }
  });

  it("gives a browser-session cookie (no expiry) without 'remember me'", async () => {
    const user = await createTestUser();
    const response = await send(
      formPost("/login", { login: user.email, password: TEST_PASSWORD }, { "CF-Connecting-IP": randomIp() }),
    );
    const cookie = setCookies(response).get("alva_session")!;
    expect(cookie).not.toMatch(/Expires|Max-Age/);
  });

  it("issues a new token at every sign-in and drops one planted before (no session fixation)", async () => {
    const user = await createTestUser();
    const planted = "alva_session=aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const first = await login({ login: user.email, password: TEST_PASSWORD }, { Cookie: planted });
    const second = await login({ login: user.email, password: TEST_PASSWORD });
    const tokenOf = (r: Response) => setCookies(r).get("alva_session")!.split(";")[0];
    expect(tokenOf(first)).not.toBe(planted);
    expect(tokenOf(first)).not.toBe(tokenOf(second));
  });

  it("ends only a session whose secret the cookie proves: knowing another user's session id is not enough", async () => {
    const victim = await createTestUser();
    const victimCookie = await sessionFor(victim);
    const victimId = victimCookie.split("=")[1]!.split(".")[0]!;
    const attacker = await createTestUser();
    const forged = `alva_session=${victimId}.${"a".repeat(32)}`;
    const response = await login({ login: attacker.email, password: TEST_PASSWORD }, { Cookie: forged });
    expect(response.status).toBe(302);
    expect((await getAs("/dashboard", victimCookie)).status).toBe(200);
  });

  it("answers a wrong password and an unknown account identically", async () => {
    const user = await createTestUser();
    const wrong = await login({ login: user.email, password: "not the password" });
    const unknown = await login({ login: "nobody-here@example.com", password: "not the password" });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    const [a, b] = [comparable(await wrong.text()), comparable(await unknown.text())];
    expect(a).toContain("don&#x27;t match an account");
    // Only the typed login differs.
    expect(a.replaceAll(user.email, "X")).toBe(b.replaceAll("nobody-here@example.com", "X"));
  });

  it("keeps what was typed in the login field but never echoes the password", async () => {
    const response = await login({ login: "someone", password: "my-secret-typed-password" });
    const html = await response.text();
    expect(html).toContain('value="someone"');
    expect(html).not.toContain("my-secret-typed-password");
  });

  it.each([
    "//evil.com",
    "/\\evil.com",
    "https://evil.com",
    "javascript:alert(1)",
    "%2F%2Fevil.com",
    "/\r\nSet-Cookie:x=1",
    "/\t/evil.com",
  ])("never redirects off-site after sign-in (redirectTo %j)", async (redirectTo) => {
    const user = await createTestUser();
    const response = await login({ login: user.email, password: TEST_PASSWORD, redirectTo });
    expect(response.headers.get("Location")).toBe("/dashboard");
  });

  it("returns to a local redirectTo", async () => {
    const user = await createTestUser();
    const response = await login({ login: user.email, password: TEST_PASSWORD, redirectTo: "/settings?tab=x" });
    expect(response.headers.get("Location")).toBe("/settings?tab=x");
  });

  it("sends signed-in users from /login and /signup to the dashboard", async () => {
    const user = await createTestUser();
    const cookie = await sessionFor(user);
    for (const path of ["/login", "/signup"]) {
      const response = await getAs(path, cookie);
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/dashboard");
    }
  });

  it("sends anonymous visitors of a private page to /login and back", async () => {
    const response = await send(new Request(`${origin}/dashboard`, { redirect: "manual" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Fdashboard");
  });

  it("never logs the password", async () => {
    const output: string[] = [];
    const capture = (...args: unknown[]) => void output.push(args.map(String).join(" "));
    for (const level of ["log", "error", "warn", "info"] as const) vi.spyOn(console, level).mockImplementation(capture);
    const user = await createTestUser();
    await login({ login: user.email, password: "sekrit-wrong-password" });
    await login({ login: user.email, password: TEST_PASSWORD });
    expect(output.join("\n")).not.toMatch(/sekrit|correct horse/);
  });
});

describe("brute-force limits", () => {
  it("throttles an account after 5 attempts even from rotating IPs, saying when to retry", async () => {
    const user = await createTestUser();
    for (let i = 0; i < 5; i++) {
      expect((await login({ login: user.email, password: `wrong-${i}` })).status).toBe(400);
    }
    // The right password, from a new IP, typed with other case and spacing: still the same identifier.
    const throttled = await login({ login: `  ${user.email.toUpperCase()} `, password: TEST_PASSWORD });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("Retry-After"))).toBeGreaterThan(0);
    const html = await throttled.text();
    expect(html).toMatch(/try again in \d+ minutes?/);
    expect(html).toContain('href="/forgot-password"');
  });

  it("never tells which e-mail belongs to a throttled username: the e-mail answers like an unrelated address", async () => {
    const user = await createTestUser();
    for (let i = 0; i < 5; i++) {
      expect((await login({ login: user.username, password: `wrong-${i}` })).status).toBe(400);
    }
    expect((await login({ login: user.username, password: "wrong-again" })).status).toBe(429);
    const email = await login({ login: user.email, password: "wrong-again" });
    const unrelated = await login({ login: "nobody-else@example.com", password: "wrong-again" });
    expect(email.status).toBe(400);
    expect(unrelated.status).toBe(400);
    expect(comparable(await email.text()).replaceAll(user.email, "")).toBe(
      comparable(await unrelated.text()).replaceAll("nobody-else@example.com", ""),
    );
  }, 60_000); // 8 Argon2 verifications

  it("throttles one client IP trying many accounts, whatever X-Forwarded-For says", async () => {
    const ip = randomIp().replace("198.51.100", "203.0.113");
    const started = Date.now();
    const statuses: number[] = [];
    // The bucket holds 20 and refills one every 30 s: on a loaded machine the attempts can take longer
    // than that, so each 30 s spent earns one more allowed attempt before the 429.
    while (statuses.length < 25 && statuses.at(-1) !== 429) {
      const i = statuses.length;
      const response = await login(
        { login: `ghost-${i}-${crypto.randomUUID()}@example.com`, password: "whatever" },
        { "CF-Connecting-IP": ip, "X-Forwarded-For": `10.0.0.${i}` },
      );
      statuses.push(response.status);
    }
    const refilled = Math.floor((Date.now() - started) / 30_000);
    const refused = statuses.indexOf(429);
    expect(statuses.slice(0, 20).every((status) => status === 400)).toBe(true);
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(refused).toBeLessThanOrEqual(20 + refilled);
  }, 120_000); // 21 Argon2 verifications, slow when the machine is busy
});

describe("sign-out", () => {
  it("is a POST that ends the session on the server and clears the cookie", async () => {
    const user = await createTestUser();
    const cookie = await sessionFor(user);
    expect((await getAs("/dashboard", cookie)).status).toBe(200);

    const viaGet = await getAs("/logout", cookie);
    expect(viaGet.status).toBe(302);
    expect((await getAs("/dashboard", cookie)).status).toBe(200); // a GET signs nobody out

    const response = await send(formPost("/logout", {}, { Cookie: cookie }));
    expect(response.status).toBe(302);
    expect(setCookies(response).get("alva_session")).toMatch(/Max-Age=0/);
    const after = await getAs("/dashboard", cookie); // the old cookie, replayed
    expect(after.status).toBe(302);
    expect(after.headers.get("Location")).toMatch(/^\/login/);
  });
});

describe("session cookie over https", () => {
  it("uses the __Host- prefix and Secure", async () => {
    const user = await createTestUser();
    const request = new Request("https://alva.example/login", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "same-origin",
        "CF-Connecting-IP": randomIp(),
      },
      body: new URLSearchParams({ login: user.email, password: TEST_PASSWORD, remember: "on" }),
    });
    const response = await send(request, { APP_URL: "https://alva.example" });
    const cookie = setCookies(response).get("__Host-alva_session")!;
    expect(cookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Secure/);
    expect(cookie).not.toMatch(/Domain=/);
  });
});
