// The API's tokens through the real Worker: signing in, refreshing, signing out, sign-ins, and the
// attacks an access token must survive (docs/decisions/0090-api-tokens.md).
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { base64url, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { apiRefreshTokens, apiTokenFamilies, securityEvents } from "../../db/schema.ts";
import { api, apiSignIn, expectProblem, freshIp } from "../../tests/support/api.ts";
import { codeIn, lastMailTo, tokenIn } from "../../tests/support/email-flows.ts";
import { createTestUser, ensureInstance, getAs, origin, postAs, signIn, testDb } from "../../tests/worker-helpers.ts";
import { rateLimit } from "../../workers/rate-limiter.ts";
import { limits } from "../accounts/limits.server.ts";
import { hashSecret } from "../accounts/secrets.server.ts";
import { completePasswordReset, issuePasswordReset } from "../email-flows/password-reset.server.ts";
import { API_AUDIENCE } from "./access-tokens.server.ts";
import { REUSE_GRACE_MS } from "./token-families.server.ts";

beforeAll(ensureInstance);

interface TokenBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  sessionId: string;
}

async function passwordSignIn(login: string, password: string, ip = freshIp()) {
  return api("/api/v1/auth/token", { body: { login, password }, headers: { "CF-Connecting-IP": ip } });
}

describe("POST /api/v1/auth/token", () => {
  it("signs in with a username or an e-mail address and returns an ES256 access token and a refresh token", async () => {
    const user = await createTestUser({ label: "api_in" });
    for (const login of [user.username, user.email.toUpperCase()]) {
      const response = await passwordSignIn(login, user.password);
      expect(response.status).toBe(200);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      const body = (await response.json()) as TokenBody;
      expect(body.tokenType).toBe("Bearer");
      expect(body.expiresIn).toBe(900);
      expect(body.refreshToken).toMatch(/^alva_rt_[a-z2-7]{52}$/);
      const header = decodeProtectedHeader(body.accessToken);
      expect(header.alg).toBe("ES256");
      expect(header.kid).toBe(JSON.parse(env.API_SIGNING_KEY).kid);
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(body.accessToken.split(".")[1]!)));
      expect(claims).toMatchObject({ sub: user.id, sid: body.sessionId, iss: origin, aud: API_AUDIENCE });
      expect(claims.exp - claims.iat).toBe(900);
      expect(typeof claims.jti).toBe("string");
      // Only the hash of the refresh token is stored.
      const [stored] = await testDb()
        .select()
        .from(apiRefreshTokens)
        .where(eq(apiRefreshTokens.familyId, body.sessionId));
      expect(stored!.tokenHash).toBe(hashSecret(body.refreshToken));
    }
  });

  it("answers a wrong password and an unknown account with the same 401 problem as the web sign-in", async () => {
    const user = await createTestUser({ label: "api_wrong" });
    const wrong = await expectProblem(await passwordSignIn(user.username, "not the password at all"), 401);
    const unknown = await expectProblem(await passwordSignIn("nobody_at_all_here", "not the password at all"), 401);
    expect(wrong.detail).toBe("That e-mail or username and password don't match an account.");
    expect(unknown.detail).toBe(wrong.detail);
    expect(unknown.type).toBe(wrong.type);
  });

  it("throttles guessing one identifier with 429 and Retry-After, like the web sign-in", async () => {
    const user = await createTestUser({ label: "api_guess" });
    for (let i = 0; i < 5; i++) await passwordSignIn(user.username, `wrong password ${i}!`);
    const response = await passwordSignIn(user.username, user.password);
    await expectProblem(response, 429);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("refuses bodies that are not JSON (415), malformed (400), too large (413) or invalid (422), never 500", async () => {
    const send = (body: string | Uint8Array, contentType: string | null) =>
      api("/api/v1/auth/token", {
        method: "POST",
        body,
        headers: contentType ? { "Content-Type": contentType } : {},
      });
    await expectProblem(await send("login=a&password=b", "application/x-www-form-urlencoded"), 415);
    await expectProblem(await send('{"login":"a","password":"b"}', null), 415);
    await expectProblem(await send('{"login":"a","password":"b"}', "text/plain"), 415);
    await expectProblem(await send('{"login":', "application/json"), 400);
    await expectProblem(await send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "application/json"), 400);
    await expectProblem(await send("[".repeat(50_000), "application/json"), 400);
    await expectProblem(
      await send(JSON.stringify({ login: "a", password: "x".repeat(70_000) }), "application/json"),
      413,
    );
    const invalid = await expectProblem(
      await send(JSON.stringify({ login: "", password: 5 }), "application/json"),
      422,
    );
    expect(invalid.errors?.map((error) => error.pointer).sort()).toEqual(["/login", "/password"]);
    await expectProblem(await send("null", "application/json"), 422);
    // Valid JSON nested 20,000 deep (under the size limit): parsed without a stack overflow, then refused.
    const deep = `{"login":${"[".repeat(20_000)}${"]".repeat(20_000)},"password":"x"}`;
    await expectProblem(await send(deep, "application/json"), 422);
    await expectProblem(await send('{"login":"a","password":"b"}', "application/json; charset=latin1"), 415);
  });
});

describe("sign-in with an e-mailed code", () => {
  it("mails a code; the code with its challenge gives tokens, and works once", async () => {
    const user = await createTestUser({ label: "api_ml" });
    const asked = await api("/api/v1/auth/magic-link", { body: { email: user.email } });
    expect(asked.status).toBe(202);
    const { challenge } = (await asked.json()) as { challenge: string };
    const code = codeIn(await lastMailTo(user.email));

    // The code alone, with another challenge, is useless (as a code typed in another browser).
    await expectProblem(
      await api("/api/v1/auth/magic-link/verify", { body: { challenge: "a".repeat(32), code } }),
      401,
    );
    const verified = await api("/api/v1/auth/magic-link/verify", { body: { challenge, code } });
    expect(verified.status).toBe(200);
    const tokens = (await verified.json()) as TokenBody;
    const me = await api("/api/v1/auth/me", { token: tokens.accessToken });
    expect(await me.json()).toMatchObject({ id: user.id });
    await expectProblem(await api("/api/v1/auth/magic-link/verify", { body: { challenge, code } }), 401);
  });

  it("refuses a malformed code or challenge with 422 field errors", async () => {
    const invalid = await expectProblem(
      await api("/api/v1/auth/magic-link/verify", { body: { challenge: "nope", code: "12" } }),
      422,
    );
    expect(invalid.errors?.map((error) => error.pointer).sort()).toEqual(["/challenge", "/code"]);
  });
});

describe("access tokens", () => {
  let user: Awaited<ReturnType<typeof createTestUser>>;
  let good: { accessToken: string; sessionId: string };
  let privateJwk: JWK & { kid: string };

  beforeAll(async () => {
    user = await createTestUser({ label: "api_attack" });
    good = await apiSignIn(user);
    privateJwk = JSON.parse(env.API_SIGNING_KEY);
  });

  async function forge(
    claims: Record<string, unknown>,
    options: { kid?: string; alg?: string; key?: CryptoKey | Uint8Array; typ?: string } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: user.id,
      sid: good.sessionId,
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 900,
      iss: origin,
      aud: API_AUDIENCE,
      ...claims,
    };
    const key = options.key ?? ((await importJWK(privateJwk, "ES256")) as CryptoKey);
    return new SignJWT(payload)
      .setProtectedHeader({
        alg: options.alg ?? "ES256",
        kid: options.kid ?? privateJwk.kid,
        typ: options.typ ?? "at+jwt",
      })
      .sign(key);
  }

  const me = (token: string) => api("/api/v1/auth/me", { token });

  async function expectInvalidToken(token: string) {
    const response = await me(token);
    await expectProblem(response, 401);
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="alva-api", error="invalid_token"');
  }

  it("accepts a token it signed, and one our own key forges with the right claims (the control case)", async () => {
    const response = await me(good.accessToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: user.id, username: user.username, emailVerified: true });
    expect((await me(await forge({}))).status).toBe(200);
  });

  it("refuses alg none", async () => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const token = `${encode({ alg: "none", typ: "at+jwt", kid: privateJwk.kid })}.${encode({
      sub: user.id,
      sid: good.sessionId,
      jti: "x",
      iat: now,
      exp: now + 900,
      iss: origin,
      aud: API_AUDIENCE,
    })}.`;
    await expectInvalidToken(token);
  });

  it("refuses HS256 signed with our public key as the secret", async () => {
    const { d: _private, ...publicJwk } = privateJwk;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    await expectInvalidToken(await forge({}, { alg: "HS256", key: secret }));
  });

  it("refuses expired, not yet valid, wrong issuer, wrong audience, and a missing claim", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalidToken(await forge({ iat: now - 2000, exp: now - 60 }));
    await expectInvalidToken(await forge({ nbf: now + 600 }));
    await expectInvalidToken(await forge({ iat: now + 600, exp: now + 1500 }));
    await expectInvalidToken(await forge({ iss: "https://evil.example" }));
    await expectInvalidToken(await forge({ aud: "someone-else" }));
    await expectInvalidToken(await forge({ jti: undefined }));
    // A lifetime longer than ours, even if signed by our key, is not one of our tokens.
    await expectInvalidToken(await forge({ exp: now + 86_400 }));
  });

  it("refuses an unknown kid, a token from another key, and a tampered payload", async () => {
    await expectInvalidToken(await forge({}, { kid: "not-our-key" }));
    const other = await generateKeyPair("ES256", { extractable: true });
    await expectInvalidToken(await forge({}, { key: other.privateKey }));
    // Another key claiming our kid.
    await expectInvalidToken(await forge({}, { key: other.privateKey, kid: privateJwk.kid }));
    const [header, , signature] = good.accessToken.split(".");
    const tampered = JSON.parse(new TextDecoder().decode(base64url.decode(good.accessToken.split(".")[1]!)));
    tampered.sub = "someone-else";
    await expectInvalidToken(`${header}.${base64url.encode(JSON.stringify(tampered))}.${signature}`);
    await expectInvalidToken("not.a.jwt");
    await expectInvalidToken("x".repeat(5000));
    expect(await exportJWK(other.publicKey)).toBeTruthy();
  });

  it("refuses a token for another user's sign-in (sub and sid must belong together)", async () => {
    const other = await createTestUser({ label: "api_other" });
    const theirs = await apiSignIn(other);
    await expectInvalidToken(await forge({ sid: theirs.sessionId }));
  });

  it("accepts a token signed by the previous key during a rotation, and lists both keys", async () => {
    const previous = JSON.parse(env.API_SIGNING_KEY_PREVIOUS);
    const key = (await importJWK(previous, "ES256")) as CryptoKey;
    expect((await me(await forge({}, { key, kid: previous.kid }))).status).toBe(200);

    const jwks = await api("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("Content-Type")).toBe("application/jwk-set+json");
    const { keys } = (await jwks.json()) as { keys: JWK[] };
    expect(keys.map((jwk) => jwk.kid)).toEqual([privateJwk.kid, previous.kid]);
    for (const jwk of keys) expect(jwk).not.toHaveProperty("d");
  });

  it("answers a cookie without a bearer token with 401: browser sessions never authenticate the API", async () => {
    const cookie = await signIn(user);
    const response = await api("/api/v1/auth/me", { headers: { Cookie: cookie } });
    await expectProblem(response, 401);
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="alva-api"');
    expect(response.headers.getSetCookie()).toEqual([]);
    // A mutation with a cookie and no Origin (a script) is not refused as CSRF: it is simply unauthenticated.
    await expectProblem(await api("/api/v1/auth/logout", { method: "POST", headers: { Cookie: cookie } }), 401);
  });

  it("answers 429 with Retry-After and RateLimit headers once a sign-in's bucket is empty, other sign-ins unaffected", async () => {
    const limited = await apiSignIn(user);
    // Empty this sign-in's bucket directly (600 requests would say the same, slower).
    await rateLimit(env, `apiToken:${limited.sessionId}`, { ...limits.apiToken, cost: limits.apiToken.capacity });
    const response = await me(limited.accessToken);
    await expectProblem(response, 429);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(response.headers.get("RateLimit-Remaining")).toBe("0");
    expect(response.headers.get("RateLimit-Limit")).toBe(String(limits.apiToken.capacity));
    expect((await me(good.accessToken)).status).toBe(200);
  });

  it("sends RateLimit headers and an ETag that If-None-Match turns into 304", async () => {
    const response = await me(good.accessToken);
    expect(Number(response.headers.get("RateLimit-Limit"))).toBeGreaterThan(0);
    expect(Number(response.headers.get("RateLimit-Remaining"))).toBeGreaterThanOrEqual(0);
    const etag = response.headers.get("ETag");
    expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    const again = await api("/api/v1/auth/me", { token: good.accessToken, headers: { "If-None-Match": etag! } });
    expect(again.status).toBe(304);
  });
});

describe("refresh tokens", () => {
  it("rotates on every use: the new pair works, and the sliding expiry moves", async () => {
    const user = await createTestUser({ label: "api_rot" });
    const first = await apiSignIn(user);
    const response = await api("/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } });
    expect(response.status).toBe(200);
    const second = (await response.json()) as TokenBody;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect((await api("/api/v1/auth/me", { token: second.accessToken })).status).toBe(200);
    const third = await api("/api/v1/auth/refresh", { body: { refreshToken: second.refreshToken } });
    expect(third.status).toBe(200);
  });

  it("a reused refresh token revokes the whole family and records a security event", async () => {
    const user = await createTestUser({ label: "api_reuse" });
    const first = await apiSignIn(user);
    const rotated = (await (
      await api("/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } })
    ).json()) as TokenBody;

    // Within the grace window (a client's own retry): refused, but the family lives on.
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } }), 401);
    expect((await api("/api/v1/auth/me", { token: rotated.accessToken })).status).toBe(200);

    // Later: the thief (or the victim) presents the old token again. Everything in the family ends.
    await testDb()
      .update(apiRefreshTokens)
      .set({ rotatedAt: new Date(Date.now() - REUSE_GRACE_MS - 1000) })
      .where(eq(apiRefreshTokens.tokenHash, hashSecret(first.refreshToken)));
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } }), 401);
    await expectProblem(await api("/api/v1/auth/me", { token: rotated.accessToken }), 401);
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: rotated.refreshToken } }), 401);
    const [family] = await testDb().select().from(apiTokenFamilies).where(eq(apiTokenFamilies.id, first.sessionId));
    expect(family!.revokedReason).toBe("refresh token reused");
    const events = await testDb()
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.userId, user.id), eq(securityEvents.type, "api-token-reuse")));
    expect(events).toHaveLength(1);
  });

  it("refuses unknown, malformed and expired refresh tokens", async () => {
    await expectProblem(
      await api("/api/v1/auth/refresh", { body: { refreshToken: `alva_rt_${"a".repeat(52)}` } }),
      401,
    );
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: "nonsense" } }), 401);
    const user = await createTestUser({ label: "api_exp" });
    const tokens = await apiSignIn(user);
    await testDb()
      .update(apiTokenFamilies)
      .set({ idleExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokenFamilies.id, tokens.sessionId));
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }), 401);
    await expectProblem(await api("/api/v1/auth/me", { token: tokens.accessToken }), 401);
  });

  it("a password reset revokes every API sign-in: refresh and access tokens stop working", async () => {
    const user = await createTestUser({ label: "api_reset" });
    const tokens = await apiSignIn(user);
    const db = testDb();
    await issuePasswordReset(db, env, { id: user.id, username: user.username, email: user.email });
    const token = tokenIn(await lastMailTo(user.email), "/reset-password");
    const reset = await completePasswordReset(db, { token, passwordHash: "x", request: new Request(origin) });
    expect(reset.outcome).toBe("reset");
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }), 401);
    await expectProblem(await api("/api/v1/auth/me", { token: tokens.accessToken }), 401);
  });
});

describe("sign-out and sign-ins", () => {
  it("POST /auth/logout ends the sign-in: its access and refresh tokens stop working", async () => {
    const user = await createTestUser({ label: "api_out" });
    const tokens = await apiSignIn(user);
    expect((await api("/api/v1/auth/logout", { method: "POST", token: tokens.accessToken })).status).toBe(204);
    await expectProblem(await api("/api/v1/auth/me", { token: tokens.accessToken }), 401);
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }), 401);
  });

  it("lists browser sessions and API sign-ins; DELETE ends one of mine and 404s on anyone else's", async () => {
    const user = await createTestUser({ label: "api_list" });
    const other = await createTestUser({ label: "api_list_o" });
    await signIn(user);
    const mine = await apiSignIn(user);
    const second = await apiSignIn(user);
    const theirs = await apiSignIn(other);

    const list = await api("/api/v1/auth/sessions", { token: mine.accessToken });
    expect(list.status).toBe(200);
    const { sessions } = (await list.json()) as {
      sessions: { id: string; kind: string; current: boolean; device: string }[];
    };
    expect(sessions.filter((session) => session.kind === "browser")).toHaveLength(1);
    expect(
      sessions
        .filter((session) => session.kind === "api")
        .map((session) => session.id)
        .sort(),
    ).toEqual([mine.sessionId, second.sessionId].sort());
    expect(sessions.find((session) => session.current)?.id).toBe(mine.sessionId);
    expect(sessions.find((session) => session.id === mine.sessionId)?.device).toBe("alva-cli/1.0");

    await expectProblem(
      await api(`/api/v1/auth/sessions/${theirs.sessionId}`, { method: "DELETE", token: mine.accessToken }),
      404,
    );
    expect((await api("/api/v1/auth/me", { token: theirs.accessToken })).status).toBe(200);
    await expectProblem(
      await api("/api/v1/auth/sessions/not-an-id", { method: "DELETE", token: mine.accessToken }),
      404,
    );

    const browser = sessions.find((session) => session.kind === "browser")!;
    expect(
      (await api(`/api/v1/auth/sessions/${browser.id}`, { method: "DELETE", token: mine.accessToken })).status,
    ).toBe(204);
    expect(
      (await api(`/api/v1/auth/sessions/${second.sessionId}`, { method: "DELETE", token: mine.accessToken })).status,
    ).toBe(204);
    await expectProblem(await api("/api/v1/auth/me", { token: second.accessToken }), 401);
    expect((await api("/api/v1/auth/me", { token: mine.accessToken })).status).toBe(200);
  });
});

describe("API sign-ins on /settings/sessions", () => {
  it("lists them beside browser sessions, and ending one there stops its tokens", async () => {
    const user = await createTestUser({ label: "api_page" });
    const cookie = await signIn(user);
    const tokens = await apiSignIn(user);
    const page = await getAs("/settings/sessions", cookie);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("API: alva-cli/1.0");

    const ended = await postAs("/settings/sessions", cookie, { intent: "revoke", sessionId: tokens.sessionId });
    expect(ended.status).toBe(302);
    await expectProblem(await api("/api/v1/auth/me", { token: tokens.accessToken }), 401);
    await expectProblem(await api("/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }), 401);
  });

  it("signing out everywhere else on the page ends every API sign-in", async () => {
    const user = await createTestUser({ label: "api_page_all" });
    const cookie = await signIn(user);
    const tokens = await apiSignIn(user);
    const ended = await postAs("/settings/sessions", cookie, { intent: "revoke-others" });
    expect(ended.status).toBe(302);
    await expectProblem(await api("/api/v1/auth/me", { token: tokens.accessToken }), 401);
  });
});

describe("the API's edges", () => {
  it("GET /api/v1/setup/status says whether the instance is set up, without a token", async () => {
    const response = await api("/api/v1/setup/status");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ setupComplete: true });
  });

  it("allows CORS from the origins in API_CORS_ORIGINS only, never with credentials", async () => {
    const env = { API_CORS_ORIGINS: "https://app.example, https://other.example/" };
    const preflight = await api("/api/v1/auth/me", {
      method: "OPTIONS",
      env,
      headers: { Origin: "https://other.example", "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("https://other.example");
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();

    const allowed = await api("/api/v1/setup/status", { env, headers: { Origin: "https://app.example" } });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(allowed.headers.get("Access-Control-Expose-Headers")).toContain("RateLimit-Remaining");

    const refused = await api("/api/v1/setup/status", { env, headers: { Origin: "https://evil.example" } });
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const refusedPreflight = await api("/api/v1/auth/me", {
      method: "OPTIONS",
      env,
      headers: { Origin: "https://evil.example" },
    });
    expect(refusedPreflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("answers unknown addresses with a 404 problem and wrong methods with 405 and Allow", async () => {
    await expectProblem(await api("/api/v1/nothing-here"), 404);
    await expectProblem(await api("/api/v2/auth/me", { method: "POST" }), 404);
    const wrongMethod = await api("/api/v1/auth/token");
    await expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.get("Allow")).toBe("POST");
  });
});
