import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { images, securityEvents, sessions, users } from "../../db/schema.ts";
import {
  authorize,
  callback,
  cookiePair,
  fakeUser,
  flow,
  linksOf,
  providerUrlIn,
  registerFakeUser,
  SESSION_COOKIE,
  startFlow,
  userByEmail,
} from "../../tests/support/oauth.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  origin,
  send,
  setCookies,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";
import { stateCookie, stateCookieName } from "./state-cookie.server.ts";

beforeAll(async () => {
  await ensureInstance();
  // Loading the Worker takes seconds on a cold start; pay it here, not in the first test's budget.
  await send("/healthz");
});

const eventsOf = async (userId: string) =>
  (await testDb().select().from(securityEvents).where(eq(securityEvents.userId, userId))).map((event) => event.type);

describe("starting a flow", () => {
  it("sets a short-lived HttpOnly SameSite=Lax state cookie and redirects to GitHub with our redirect URI", async () => {
    const { response, authorizeUrl } = await startFlow("github");
    const cookie = setCookies(response).get("alva_oauth_github")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Max-Age=600");
    expect(cookie).toContain("Path=/auth/github");
    expect(authorizeUrl.pathname).toBe("/github/login/oauth/authorize");
    expect(authorizeUrl.searchParams.get("redirect_uri")).toBe(`${env.APP_URL}/auth/github/callback`);
    expect(authorizeUrl.searchParams.get("state")).toMatch(/^[\w-]{20,}$/);
    // The state itself is not readable from the cookie's name=value in clear next to a plain state param
    expect(authorizeUrl.searchParams.get("code_challenge")).toBeNull();
  });

  it("builds the redirect URI from APP_URL, never from the Host header", async () => {
    const response = await send(formPost("/auth/github", {}, { Host: "evil.example" }));
    expect(providerUrlIn(await response.text()).searchParams.get("redirect_uri")).toBe(
      `${env.APP_URL}/auth/github/callback`,
    );
  });

  it("sends Google a PKCE S256 challenge", async () => {
    const { authorizeUrl } = await startFlow("google");
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizeUrl.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorizeUrl.searchParams.get("scope")).toBe("openid email profile");
  });

  it("gives Apple's state cookie SameSite=None; Secure, because Apple posts back cross-site", async () => {
    const { response, authorizeUrl } = await startFlow("apple");
    const cookie = setCookies(response).get("alva_oauth_apple")!;
    expect(cookie).toContain("SameSite=None");
    expect(cookie).toContain("Secure");
    expect(authorizeUrl.searchParams.get("response_mode")).toBe("form_post");
  });

  it("is a 404 for a disabled or unknown provider", async () => {
    const disabled = await send(formPost("/auth/github", {}), { GITHUB_CLIENT_SECRET: "" } as Partial<Env>);
    expect(disabled.status).toBe(404);
    expect(setCookies(disabled).has("alva_oauth_github")).toBe(false);
    expect((await send(formPost("/auth/twitter", {}))).status).toBe(404);
    const callbackDisabled = await send(new Request(`${origin}/auth/google/callback?code=x&state=y`), {
      GOOGLE_CLIENT_ID: "",
    } as Partial<Env>);
    expect(callbackDisabled.status).toBe(404);
  });

  it("refuses to start from another site (CSRF)", async () => {
    const response = await send(formPost("/auth/github", {}, { "Sec-Fetch-Site": "cross-site" }));
    expect(response.status).toBe(403);
  });

  it("link mode needs a signed-in user", async () => {
    const response = await send(formPost("/auth/github", { mode: "link" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
    expect(setCookies(response).has("alva_oauth_github")).toBe(false);
  });
});

describe("the callback refuses what this browser did not start", () => {
  const expectRefused = async (response: Response) => {
    expect(response.status).toBe(400);
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    return response.text();
  };

  it("refuses a missing state cookie", async () => {
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const { authorizeUrl } = await startFlow("github");
    const answer = await authorize(authorizeUrl, key);
    const html = await expectRefused(await callback(answer, ""));
    expect(html).toContain("expired or was started in another browser");
    expect(await userByEmail(profile.email!)).toBeUndefined();
  });

  it("refuses a state that doesn't match the cookie (login CSRF)", async () => {
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const attacker = await startFlow("github");
    const answer = await authorize(attacker.authorizeUrl, key);
    const victim = await startFlow("github");
    const html = await expectRefused(await callback(answer, victim.stateCookie));
    expect(html).toContain("doesn't match");
    expect(await userByEmail(profile.email!)).toBeUndefined();
  });

  it("refuses a forged or tampered state cookie", async () => {
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const { authorizeUrl, stateCookie: cookie } = await startFlow("github");
    const answer = await authorize(authorizeUrl, key);
    const [payload] = cookie.split("=")[1]!.split(".");
    const forged = `alva_oauth_github=${payload}.${"A".repeat(43)}`;
    await expectRefused(await callback(answer, forged));
    const signedElsewhere = (
      await stateCookie(new Request(origin), "another-secret-entirely-0123456789", {
        provider: "github",
        state: answer.url.searchParams.get("state")!,
        mode: "sign-in",
        expiresAt: Date.now() + 60_000,
      })
    ).split(";")[0]!;
    await expectRefused(await callback(answer, signedElsewhere));
  });

  it("refuses an expired state cookie", async () => {
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const { authorizeUrl } = await startFlow("github");
    const answer = await authorize(authorizeUrl, key);
    const expired = (
      await stateCookie(new Request(origin), env.SESSION_SECRET, {
        provider: "github",
        state: answer.url.searchParams.get("state")!,
        mode: "sign-in",
        expiresAt: Date.now() - 1,
      })
    ).split(";")[0]!;
    await expectRefused(await callback(answer, expired));
  });

  it("refuses a Google callback without the PKCE verifier", async () => {
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const { authorizeUrl } = await startFlow("google");
    const answer = await authorize(authorizeUrl, key);
    const withoutVerifier = (
      await stateCookie(new Request(origin), env.SESSION_SECRET, {
        provider: "google",
        state: answer.url.searchParams.get("state")!,
        mode: "sign-in",
        expiresAt: Date.now() + 60_000,
      })
    ).split(";")[0]!;
    const html = await expectRefused(await callback(answer, withoutVerifier));
    expect(html).toContain("missing its verifier");
    expect(await userByEmail(profile.email!)).toBeUndefined();
  });

  it("clears the state cookie, and a replayed callback creates no second session", async () => {
    const profile = fakeUser();
    const { response, answer, cookie } = await flow("github", profile);
    expect(response.status).toBe(302);
    const cleared = setCookies(response).get(stateCookieName("github"))!;
    expect(cleared).toMatch(/^alva_oauth_github=;/);
    expect(cleared).toContain("Max-Age=0");
    const user = (await userByEmail(profile.email!))!;
    // The browser dropped the cookie: replaying the URL alone is refused.
    await expectRefused(await callback(answer, ""));
    // Even with the old cookie kept, the code is single-use at the provider.
    await expectRefused(await callback(answer, cookie));
    const userSessions = await testDb().select().from(sessions).where(eq(sessions.userId, user.id));
    expect(userSessions).toHaveLength(1);
  });

  it("shows the provider's refusal (the user cancelled) as a 400", async () => {
    const { authorizeUrl, stateCookie: cookie } = await startFlow("github");
    const url = new URL(
      `/auth/github/callback?error=access_denied&state=${authorizeUrl.searchParams.get("state")}`,
      origin,
    );
    const html = await expectRefused(await send(new Request(url, { headers: { Cookie: cookie } })));
    expect(html).toContain("You cancelled");
  });
});

describe("signing in", () => {
  it("creates an account for a new GitHub user, copies the avatar and goes to /welcome", async () => {
    const profile = fakeUser({ avatar: "/avatar.png", name: "Mona Lisa" });
    const { response } = await flow("github", profile);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/welcome");
    expect(setCookies(response).get(SESSION_COOKIE)).toContain("HttpOnly");
    const user = (await userByEmail(profile.email!))!;
    expect(user.passwordHash).toBeNull();
    expect(user.mustChooseUsername).toBe(true);
    expect(user.username).toBe(profile.login!.toLowerCase());
    expect(user.displayName).toBe("Mona Lisa");
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await linksOf(user.id)).toMatchObject([{ provider: "github", providerUserId: profile.id }]);
    expect(await eventsOf(user.id)).toEqual(expect.arrayContaining(["account-created", "sign-in"]));
    // The avatar now lives in R2, with its images row.
    expect(user.avatarImageId).not.toBeNull();
    const [image] = await testDb().select().from(images).where(eq(images.id, user.avatarImageId!));
    expect(image).toMatchObject({
      kind: "avatar",
      ownerId: user.id,
      contentType: "image/png",
      width: 2,
      height: 3,
      workspaceId: null,
    });
    expect(image!.r2Key).toMatch(/^images\/[0-9a-f]{64}\/[0-9a-f-]{36}\.png$/); // stored like any upload
    const object = await env.IMAGES.get(image!.r2Key);
    expect(object?.size).toBe(image!.bytes);
    await object?.arrayBuffer();
  });

  it("takes a generated username when the login is taken", async () => {
    const first = fakeUser();
    await flow("github", first);
    const second = fakeUser({ login: first.login });
    await flow("github", second);
    const user = (await userByEmail(second.email!))!;
    expect(user.username).not.toBe(first.login!.toLowerCase());
    expect(user.username).toMatch(/^user_[a-z2-7]{8}$/);
  });

  it.each([
    ["an HTML page", "/avatar.html"],
    ["a picture over 5 MB", "/avatar-huge.png"],
    ["a 404", "/no-such-avatar.png"],
  ])("still signs in when the avatar is %s (no avatar kept)", async (_, avatar) => {
    const profile = fakeUser({ avatar });
    const { response } = await flow("github", profile);
    expect(response.status).toBe(302);
    const user = (await userByEmail(profile.email!))!;
    expect(user.avatarImageId).toBeNull();
    expect(await testDb().select().from(images).where(eq(images.ownerId, user.id))).toHaveLength(0);
  });

  it("signs an existing link in again, by provider id even when the e-mail changed", async () => {
    const profile = fakeUser();
    await flow("github", profile);
    const user = (await userByEmail(profile.email!))!;
    await testDb().update(users).set({ mustChooseUsername: false }).where(eq(users.id, user.id));
    const { response } = await flow("github", { ...profile, email: `changed_${profile.email}` });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(await userByEmail(`changed_${profile.email}`)).toBeUndefined();
    const signedIn = await getAs("/settings/connections", cookiePair(response, SESSION_COOKIE));
    expect(signedIn.status).toBe(200);
  });

  it("does not link an existing account when the provider has not verified the e-mail", async () => {
    const existing = await createTestUser({ label: "unverified_gh" });
    const { response } = await flow("github", fakeUser({ email: existing.email, emailVerified: false }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(
      "An account with this e-mail already exists. Sign in to it, then connect GitHub from Settings",
    );
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    expect(await linksOf(existing.id)).toHaveLength(0);
  });

  it("does not link an Alva account whose own e-mail is unverified (someone may have registered it first)", async () => {
    const squatter = await createTestUser({ label: "squatter", verified: false });
    const { response } = await flow("google", fakeUser({ email: squatter.email, emailVerified: true }));
    expect(response.status).toBe(400);
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    expect(await linksOf(squatter.id)).toHaveLength(0);
  });

  it("links a verified e-mail to the existing account and signs in", async () => {
    const existing = await createTestUser({ label: "verified_gg" });
    const profile = fakeUser({ email: existing.email.toUpperCase(), emailVerified: true });
    const { response } = await flow("google", profile);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(true);
    expect(await linksOf(existing.id)).toMatchObject([{ provider: "google", providerUserId: profile.id }]);
    expect(await eventsOf(existing.id)).toEqual(expect.arrayContaining(["provider-linked", "sign-in"]));
  });

  it("copies the provider's avatar when it links an account that has none, and keeps one it has", async () => {
    const bare = await createTestUser({ label: "noavatar" });
    const { response } = await flow(
      "github",
      fakeUser({ email: bare.email, emailVerified: true, avatar: "/avatar.png" }),
    );
    expect(response.headers.get("Location")).toBe("/dashboard");
    const [after] = await testDb().select().from(users).where(eq(users.id, bare.id));
    expect(after!.avatarImageId).not.toBeNull();

    const pictured = await createTestUser({ label: "hasavatar" });
    await testDb().update(users).set({ avatarImageId: after!.avatarImageId }).where(eq(users.id, pictured.id));
    await flow("github", fakeUser({ email: pictured.email, emailVerified: true, avatar: "/avatar.png" }));
    const [kept] = await testDb().select().from(users).where(eq(users.id, pictured.id));
    expect(kept!.avatarImageId).toBe(after!.avatarImageId);
  });

  it("creates an unverified account when the provider did not verify a new e-mail", async () => {
    const profile = fakeUser({ emailVerified: false });
    const { response } = await flow("github", profile);
    expect(response.headers.get("Location")).toBe("/welcome");
    expect((await userByEmail(profile.email!))!.emailVerifiedAt).toBeNull();
  });

  it("refuses a GitHub account that shares no e-mail", async () => {
    const profile = fakeUser({ email: null });
    const { response } = await flow("github", profile);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("didn't share an e-mail address");
  });

  it("ends a session the browser already had (no fixation)", async () => {
    const other = await createTestUser({ label: "planted" });
    const planted = await signIn(other);
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const started = await startFlow("github");
    const answer = await authorize(started.authorizeUrl, key);
    const response = await callback(answer, `${started.stateCookie}; ${planted}`);
    expect(response.status).toBe(302);
    expect(await testDb().select().from(sessions).where(eq(sessions.userId, other.id))).toHaveLength(0);
  });
});

describe("connecting from settings (link mode)", () => {
  it("links the provider to the signed-in user", async () => {
    const user = await createTestUser({ label: "linker" });
    const session = await signIn(user);
    const profile = fakeUser({ email: "someone-else@example.org" });
    const { response } = await flow("github", profile, { session, mode: "link" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings/connections");
    expect(await linksOf(user.id)).toMatchObject([{ provider: "github", providerUserId: profile.id }]);
    expect(await eventsOf(user.id)).toContain("provider-linked");
    // No account was created for the provider's e-mail.
    expect(await userByEmail("someone-else@example.org")).toBeUndefined();
  });

  it("refuses a provider account already linked to someone else", async () => {
    const profile = fakeUser();
    await flow("github", profile); // creates the owner
    const owner = (await userByEmail(profile.email!))!;
    const intruder = await createTestUser({ label: "intruder" });
    const { response } = await flow("github", profile, { session: await signIn(intruder), mode: "link" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("already connected to another Alva account");
    expect(await linksOf(intruder.id)).toHaveLength(0);
    expect(await linksOf(owner.id)).toHaveLength(1);
  });

  it("refuses to finish a connect in a browser now signed in as someone else", async () => {
    const starter = await createTestUser({ label: "starter" });
    const other = await createTestUser({ label: "switcher" });
    const profile = fakeUser();
    const key = await registerFakeUser(profile);
    const started = await startFlow("github", { cookie: await signIn(starter), mode: "link" });
    const answer = await authorize(started.authorizeUrl, key);
    const response = await callback(answer, `${started.stateCookie}; ${await signIn(other)}`);
    expect(response.status).toBe(400);
    expect(await linksOf(starter.id)).toHaveLength(0);
    expect(await linksOf(other.id)).toHaveLength(0);
  });

  it("does not store provider tokens anywhere", async () => {
    const profile = fakeUser();
    await flow("github", profile);
    const user = (await userByEmail(profile.email!))!;
    const [link] = await linksOf(user.id);
    expect(Object.keys(link!).sort()).toEqual(["createdAt", "email", "provider", "providerUserId", "userId"]);
    const events = await testDb()
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.userId, user.id)));
    for (const event of events) expect(event.detail ?? "").not.toMatch(/[0-9a-f]{32}/);
  });
});
