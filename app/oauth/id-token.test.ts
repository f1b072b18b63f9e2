import { beforeAll, describe, expect, it } from "vitest";
import {
  authorize,
  callback,
  fakeUser,
  flow,
  linksOf,
  registerFakeUser,
  SESSION_COOKIE,
  startFlow,
  userByEmail,
} from "../../tests/support/oauth.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  origin,
  send,
  setCookies,
  signIn,
} from "../../tests/worker-helpers.ts";
import { isCrossSiteMutation } from "../platform/csrf.ts";

beforeAll(async () => {
  await ensureInstance();
  // Loading the Worker takes seconds on a cold start; pay it here, not in the first test's budget.
  await send("/healthz");
});

describe("Google ID tokens", () => {
  it("signs in with a valid token (signature from the JWKS, iss, aud, exp)", async () => {
    const profile = fakeUser({ name: "Grace Hopper", avatar: "/avatar.png" });
    const { response } = await flow("google", profile);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/welcome");
    const user = (await userByEmail(profile.email!))!;
    expect(user.displayName).toBe("Grace Hopper");
    // No login from Google: the e-mail's local part becomes the username when free.
    expect(user.username).toBe(profile.email!.split("@")[0]);
    expect(user.avatarImageId).not.toBeNull();
    expect(await linksOf(user.id)).toMatchObject([{ provider: "google", providerUserId: profile.id }]);
  });

  it.each([
    ["another audience", { aud: "someone-elses-client.apps.example" }],
    ["another issuer", { iss: "https://accounts.evil.example" }],
    ["an expired token", { expired: true }],
    ["a bad signature", { badSignature: true }],
  ])("refuses %s", async (_, token) => {
    const profile = fakeUser({ token });
    const { response } = await flow("google", profile);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Google sign-in could not be completed");
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    expect(await userByEmail(profile.email!)).toBeUndefined();
  });
});

describe("Sign in with Apple (form_post)", () => {
  it("accepts Apple's cross-site POST to its callback and signs in", async () => {
    const profile = fakeUser({ id: `001234.${crypto.randomUUID()}`, name: "Tim Apple" });
    const { response, answer } = await flow("apple", profile);
    expect(answer.fields).toBeDefined();
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/welcome");
    expect(setCookies(response).get("alva_oauth_apple")).toMatch(/^alva_oauth_apple=;.*Max-Age=0/);
    const user = (await userByEmail(profile.email!))!;
    expect(user.displayName).toBe("Tim Apple");
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await linksOf(user.id)).toMatchObject([{ provider: "apple", providerUserId: profile.id }]);
  });

  it("links Apple in connect mode from the signed state cookie (the POST carries no session cookie)", async () => {
    const owner = await createTestUser({ label: "apple_linker" });
    const session = await signIn(owner);
    const profile = fakeUser({ id: `001234.${crypto.randomUUID()}` });
    const { response } = await flow("apple", profile, { session, mode: "link" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings/connections");
    expect(await linksOf(owner.id)).toMatchObject([{ provider: "apple" }]);
  });

  it("lets Apple's cross-site POST through only to be checked like any callback: without the state cookie it is refused", async () => {
    const posted = await send(
      new Request(`${origin}/auth/apple/callback`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "cross-site",
          Origin: "https://evil.example",
        },
        body: new URLSearchParams({ code: "anything", state: "guessed" }),
        redirect: "manual",
      }),
    );
    expect(posted.status).toBe(303);
    expect(setCookies(posted).size).toBe(0);
    const finish = await send(new Request(new URL(posted.headers.get("Location")!, origin), { redirect: "manual" }));
    expect(finish.status).toBe(400);
    expect(await finish.text()).toContain("expired or was started in another browser");
    expect(setCookies(finish).has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses an Apple answer whose state is not the cookie's", async () => {
    const profile = fakeUser({ id: `001234.${crypto.randomUUID()}` });
    const key = await registerFakeUser(profile);
    const attacker = await startFlow("apple");
    const answer = await authorize(attacker.authorizeUrl, key);
    const victim = await startFlow("apple");
    const response = await callback(answer, victim.stateCookie);
    expect(response.status).toBe(400);
    expect(await userByEmail(profile.email!)).toBeUndefined();
  });

  it("does not answer Apple on the generic callback (GET /auth/apple/callback goes to /login)", async () => {
    const response = await send(new Request(`${origin}/auth/apple/callback?code=x&state=y`, { redirect: "manual" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login");
  });

  it("refuses an Apple token for another audience", async () => {
    const profile = fakeUser({ id: `001234.${crypto.randomUUID()}`, token: { aud: "com.evil.app" } });
    const { response } = await flow("apple", profile);
    expect(response.status).toBe(400);
    expect(await userByEmail(profile.email!)).toBeUndefined();
  });
});

describe("the CSRF exemption is exactly Apple's callback", () => {
  const crossSite = (path: string) =>
    new Request(new URL(path, origin), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "cross-site",
        Origin: "https://evil.example",
      },
      body: "intent=disconnect&provider=github",
      redirect: "manual",
    });

  it.each([
    "/auth/apple",
    "/auth/github",
    "/auth/google/callback",
    "/auth/github/callback",
    "/auth/apple/callback/",
    "/auth/apple/callback.data",
    "/auth/Apple/callback",
    "/auth/apple/callback/../../logout",
    "/logout",
    "/login",
    "/settings/connections",
    "/theme",
  ])("still refuses a cross-site POST to %s", async (path) => {
    const user = await createTestUser({ label: "csrf" });
    const request = crossSite(path);
    request.headers.set("Cookie", await signIn(user));
    const response = await send(request);
    expect(response.status).toBe(403);
  });

  it("exempts only POST to the exact path", () => {
    const apple = (method: string, path: string) =>
      new Request(new URL(path, origin), { method, headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(isCrossSiteMutation(apple("POST", "/auth/apple/callback"), [origin])).toBe(false);
    expect(isCrossSiteMutation(apple("POST", "/auth/apple/callback?x=1"), [origin])).toBe(false);
    expect(isCrossSiteMutation(apple("PUT", "/auth/apple/callback"), [origin])).toBe(true);
    expect(isCrossSiteMutation(apple("DELETE", "/auth/apple/callback"), [origin])).toBe(true);
    expect(isCrossSiteMutation(apple("POST", "/auth/apple/callbacks"), [origin])).toBe(true);
  });

  it("only Apple answers a POST at its callback: other providers' callbacks 404 even same-origin", async () => {
    const response = await send(formPost("/auth/github/callback", { code: "x", state: "y" }));
    expect(response.status).toBe(404);
  });
});
