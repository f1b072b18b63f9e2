// /api/v1/auth/*, /api/v1/setup/status and the JWKS: signing in with a password (the web sign-in's
// own check: rate limits, generic error, Argon2 cost), refreshing, signing out, who am I, and the
// user's sign-ins (browser sessions and API token families side by side).
import { z } from "zod";
import { AccountRefusedError } from "../accounts/account-status.ts";
import { emailSchema } from "../accounts/accounts.server.ts";
import { normalizeCode } from "../accounts/emailed-secrets.server.ts";
import { checkClientLimit, checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { MAX_PASSWORD_INPUT_LENGTH } from "../accounts/password-limits.ts";
import { randomSecret } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { checkCredentials, SIGN_IN_FAILED_MESSAGE } from "../accounts/sign-in.server.ts";
import {
  loadInstanceSettings,
  methodEnabled,
  methodHidden,
  SignupRefusedError,
} from "../admin/instance-settings.server.ts";
import { afterResponse } from "../email-flows/emails.server.ts";
import {
  consumeCode,
  createMagicLink,
  linkOwner,
  MAGIC_LINK_TTL_MS,
  sendMagicLinkMail,
} from "../magic-links/magic-links.server.ts";
import { oneTimeCodeField } from "../platform/forms.server.ts";
import { listSignIns, revokeOwnSignIn } from "../settings/sessions.server.ts";
import { isSetupComplete } from "../setup/instance.server.ts";
import { publicKeySet, signAccessToken } from "./access-tokens.server.ts";
import { accountRefusedProblem, apiJson, apiProblem, endpoint, noContent } from "./http.server.ts";
import { createTokenFamily, revokeFamily, rotateRefreshToken, type TokenFamily } from "./token-families.server.ts";

const timestamp = z.iso.datetime().describe("ISO 8601, UTC");

export const tokenResponse = z
  .object({
    accessToken: z.string().describe("ES256 JWT; send it as Authorization: Bearer <accessToken>"),
    tokenType: z.literal("Bearer"),
    expiresIn: z.int().describe("Seconds the access token is valid (900)"),
    refreshToken: z.string().describe("Opaque; use it once at POST /api/v1/auth/refresh"),
    refreshTokenExpiresAt: timestamp.describe("When the refresh token stops working unless used (7 days, sliding)"),
    sessionId: z.string().describe("This sign-in's id: the token's sid, listed at GET /api/v1/auth/sessions"),
  })
  .meta({ id: "TokenResponse" });

export const tokenRequest = z
  .object({
    login: z.string().trim().min(1, "Enter your e-mail or username.").max(254),
    password: z.string().min(1, "Enter your password.").max(MAX_PASSWORD_INPUT_LENGTH),
  })
  .meta({ id: "TokenRequest" });

export const refreshRequest = z.object({ refreshToken: z.string().min(1).max(200) }).meta({ id: "RefreshRequest" });

export const meResponse = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(["user", "moderator", "admin"]),
    emailVerified: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: "Me" });

export const signInSummary = z
  .object({
    id: z.string(),
    kind: z.enum(["browser", "api"]).describe("A browser session (cookie) or an API sign-in (token family)"),
    device: z.string(),
    ip: z.string().nullable(),
    createdAt: timestamp,
    lastUsedAt: timestamp,
    current: z.boolean().describe("The sign-in this request's access token belongs to"),
  })
  .meta({ id: "SignIn" });

export const sessionsResponse = z.object({ sessions: z.array(signInSummary) }).meta({ id: "SignIns" });
export const setupStatusResponse = z.object({ setupComplete: z.boolean() }).meta({ id: "SetupStatus" });

const sessionIdParams = z.object({ id: z.string().regex(/^[a-z2-7]{16}$/) });

async function tokenBody(env: Env, family: TokenFamily, refreshToken: string) {
  const access = await signAccessToken(env, { userId: family.userId, familyId: family.id });
  return tokenResponse.parse({
    accessToken: access.token,
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    refreshToken,
    refreshTokenExpiresAt: family.idleExpiresAt.toISOString(),
    sessionId: family.id,
  });
}

export const issueToken = endpoint({
  method: "POST",
  path: "/api/v1/auth/token",
  operationId: "signIn",
  summary: "Sign in with e-mail or username and password",
  description:
    "Same limits and answers as the web sign-in: a wrong e-mail, username or password all get the same 401; repeated attempts get 429 with Retry-After.",
  tag: "auth",
  auth: false,
  body: tokenRequest,
  responses: { 200: { description: "Signed in", schema: tokenResponse } },
  errors: [401, 403, 415, 413, 400, 422],
  async handle({ db, env, request, requestId, body }) {
    if (!methodEnabled(await loadInstanceSettings(db), "password")) throw apiProblem(requestId, 403, methodHidden);
    const checked = await checkCredentials(db, env, { login: body.login, password: body.password, request });
    if (checked.outcome === "throttled") {
      throw apiProblem(requestId, 429, checked.message, {
        headers: { "Retry-After": String(Math.max(1, checked.retryAfterSeconds)) },
      });
    }
    if (checked.outcome === "invalid") {
      throw apiProblem(requestId, 401, SIGN_IN_FAILED_MESSAGE, { type: "/api/v1/problems/invalid-credentials" });
    }
    if (checked.outcome === "refused") throw accountRefusedProblem(requestId, checked.refusal);
    const { family, refreshToken } = await createTokenFamily(db, { userId: checked.user.id, request });
    return apiJson(await tokenBody(env, family, refreshToken));
  },
});

export const refreshToken = endpoint({
  method: "POST",
  path: "/api/v1/auth/refresh",
  operationId: "refresh",
  summary: "Trade a refresh token for a new access token and a new refresh token",
  description:
    "Each refresh token works once. Presenting one that was already used ends the whole sign-in (someone else has a copy), except within 10 seconds of its use (a client's own retry), which is only refused.",
  tag: "auth",
  auth: false,
  body: refreshRequest,
  responses: { 200: { description: "New tokens; the refresh token sent is used up", schema: tokenResponse } },
  errors: [401, 403, 415, 413, 400, 422],
  async handle({ db, env, request, requestId, body }) {
    const rotated = await rotateRefreshToken(db, { token: body.refreshToken, request });
    if (rotated.outcome === "refused") throw accountRefusedProblem(requestId, rotated.refusal);
    if (rotated.outcome !== "rotated") {
      throw apiProblem(requestId, 401, "The refresh token is invalid, used or expired; sign in again.", {
        type: "/api/v1/problems/invalid-grant",
      });
    }
    return apiJson(await tokenBody(env, rotated.family, rotated.refreshToken));
  },
});

export const magicLinkRequest = z.object({ email: emailSchema }).meta({ id: "MagicLinkRequest" });
export const magicLinkChallenge = z
  .object({
    challenge: z
      .string()
      .describe(
        "Send it back with the code: the code works only with it (as on the web, only in the browser that asked)",
      ),
    expiresIn: z.int().describe("Seconds the code is valid (600)"),
  })
  .meta({ id: "MagicLinkChallenge" });
export const magicLinkVerifyRequest = z
  .object({
    challenge: z.string().regex(/^[a-z2-7]{32}$/, "Send the challenge POST /api/v1/auth/magic-link gave."),
    code: oneTimeCodeField(normalizeCode, "Enter the 8-digit code from the e-mail."),
  })
  .meta({ id: "MagicLinkVerifyRequest" });

export const requestMagicLink = endpoint({
  method: "POST",
  path: "/api/v1/auth/magic-link",
  operationId: "requestMagicLink",
  summary: "E-mail a sign-in code (and link) to an address",
  description:
    "Answers the same whether or not the address has an account (one is created when the code is used). The same limits as the web page: per client and per address (429).",
  tag: "auth",
  auth: false,
  body: magicLinkRequest,
  responses: { 202: { description: "Sent (if the address can receive mail)", schema: magicLinkChallenge } },
  errors: [415, 413, 400, 422],
  async handle({ db, env, context, request, requestId, body }) {
    if (!methodEnabled(await loadInstanceSettings(db), "magic-link")) throw apiProblem(requestId, 403, methodHidden);
    const ipLimit = await checkClientLimit(env, "magicLinkIp", request);
    const limit = ipLimit.allowed ? await checkLimit(env, "magicLinkEmail", body.email) : ipLimit;
    if (!limit.allowed) {
      throw apiProblem(requestId, 429, `Too many sign-in codes asked for; ${retryPhrase(limit.retryAfterSeconds)}.`, {
        headers: { "Retry-After": String(Math.max(1, limit.retryAfterSeconds)) },
      });
    }
    // The challenge plays the web's browser-binding cookie: the code is useless without it.
    const challenge = randomSecret(20);
    const mail = await createMagicLink(db, env, { email: body.email, browserSecret: challenge, redirectTo: null });
    afterResponse(context, () => sendMagicLinkMail(db, env, mail));
    return apiJson(magicLinkChallenge.parse({ challenge, expiresIn: MAGIC_LINK_TTL_MS / 1000 }), { status: 202 });
  },
});

export const verifyMagicLink = endpoint({
  method: "POST",
  path: "/api/v1/auth/magic-link/verify",
  operationId: "verifyMagicLink",
  summary: "Sign in with the e-mailed code and its challenge",
  description: "At most 5 codes are compared per e-mail; a wrong, used or expired code gets the same 401.",
  tag: "auth",
  auth: false,
  body: magicLinkVerifyRequest,
  responses: { 200: { description: "Signed in", schema: tokenResponse } },
  errors: [401, 403, 415, 413, 400, 422],
  async handle({ db, env, request, requestId, body }) {
    if (!methodEnabled(await loadInstanceSettings(db), "magic-link")) throw apiProblem(requestId, 403, methodHidden);
    const link = await consumeCode(db, { browserSecret: body.challenge, code: body.code });
    if (!link) {
      throw apiProblem(requestId, 401, "That code is wrong, used or expired. Ask for a new one.", {
        type: "/api/v1/problems/invalid-code",
      });
    }
    const owner = await linkOwner(db, env, { link, request }).catch((error: unknown) => {
      if (error instanceof AccountRefusedError) throw accountRefusedProblem(requestId, error.refusal);
      if (error instanceof SignupRefusedError) {
        throw apiProblem(requestId, 403, error.message, { type: "/api/v1/problems/signup-refused" });
      }
      throw error;
    });
    const { family, refreshToken } = await createTokenFamily(db, {
      userId: owner.user.id,
      request,
      detail: "e-mailed code",
    });
    return apiJson(await tokenBody(env, family, refreshToken));
  },
});

export const logout = endpoint({
  method: "POST",
  path: "/api/v1/auth/logout",
  operationId: "signOut",
  summary: "Sign out: ends this sign-in, its refresh token and its access tokens",
  tag: "auth",
  auth: true,
  responses: { 204: { description: "Signed out" } },
  async handle({ db, request, auth }) {
    if (await revokeFamily(db, auth.family.id, "signed out")) {
      await recordSecurityEvent(db, { userId: auth.user.id, type: "sign-out", request, detail: "API" });
    }
    return noContent();
  },
});

export const me = endpoint({
  method: "GET",
  path: "/api/v1/auth/me",
  operationId: "me",
  summary: "The signed-in user",
  tag: "auth",
  auth: true,
  responses: { 200: { description: "The user", schema: meResponse } },
  async handle({ auth: { user } }) {
    return apiJson(
      meResponse.parse({
        id: user.id,
        username: user.username,
        email: user.email,
        displayName: user.displayName,
        role: user.role,
        emailVerified: user.emailVerifiedAt !== null,
        createdAt: user.createdAt.toISOString(),
      }),
    );
  },
});

export const listSessions = endpoint({
  method: "GET",
  path: "/api/v1/auth/sessions",
  operationId: "listSignIns",
  summary: "The user's sign-ins: browser sessions and API sign-ins",
  tag: "auth",
  auth: true,
  responses: { 200: { description: "Newest use first", schema: sessionsResponse } },
  async handle({ db, auth }) {
    const signIns = await listSignIns(db, auth.user.id);
    return apiJson(
      sessionsResponse.parse({
        sessions: signIns.map((signIn) => ({
          id: signIn.id,
          kind: signIn.kind,
          device: signIn.device,
          ip: signIn.ip,
          createdAt: new Date(signIn.createdAt).toISOString(),
          lastUsedAt: new Date(signIn.lastActiveAt).toISOString(),
          current: signIn.kind === "api" && signIn.id === auth.family.id,
        })),
      }),
    );
  },
});

export const deleteSession = endpoint({
  method: "DELETE",
  path: "/api/v1/auth/sessions/{id}",
  operationId: "endSignIn",
  summary: "End one of the user's sign-ins (a browser session or an API sign-in)",
  description:
    "Its access tokens stop working at their next request. Another user's id answers 404, like an unknown one.",
  tag: "auth",
  auth: true,
  params: sessionIdParams,
  responses: { 204: { description: "Ended" } },
  errors: [404],
  async handle({ db, request, requestId, auth, params }) {
    const revoked = await revokeOwnSignIn(db, auth.user.id, params.id);
    if (!revoked) throw apiProblem(requestId, 404, "No such sign-in of yours; it may have ended already.");
    await recordSecurityEvent(db, {
      userId: auth.user.id,
      type: "session-revoked",
      request,
      detail: `Ended the session on ${revoked.device}`,
    });
    return noContent();
  },
});

export const setupStatus = endpoint({
  method: "GET",
  path: "/api/v1/setup/status",
  operationId: "setupStatus",
  summary: "Whether this instance has been set up (an administrator exists)",
  description: "Until it has, the web pages all lead to /setup, and no one can sign in.",
  tag: "setup",
  auth: false,
  responses: { 200: { description: "The instance's state", schema: setupStatusResponse } },
  async handle({ db, env }) {
    return apiJson(setupStatusResponse.parse({ setupComplete: await isSetupComplete(db, env.TURSO_DATABASE_URL) }));
  },
});

const jwk = z.object({
  kty: z.string(),
  crv: z.string(),
  x: z.string(),
  y: z.string(),
  kid: z.string(),
  alg: z.string(),
  use: z.string(),
});
export const jwksResponse = z.object({ keys: z.array(jwk) }).meta({ id: "JWKS" });

export const jwks = endpoint({
  method: "GET",
  path: "/.well-known/jwks.json",
  operationId: "jwks",
  summary: "Public keys that verify access tokens (the current key and, during a rotation, the previous one)",
  tag: "auth",
  auth: false,
  responses: { 200: { description: "JWK Set (RFC 7517)", schema: jwksResponse } },
  async handle({ env }) {
    return apiJson(await publicKeySet(env), {
      headers: { "Content-Type": "application/jwk-set+json", "Cache-Control": "public, max-age=300" },
    });
  },
});
