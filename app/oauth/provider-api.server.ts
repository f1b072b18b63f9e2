// Talking to the providers through arctic: the authorization URL, the code exchange, and who the user
// is (GitHub: its API with the access token; Google and Apple: the verified ID token). Access tokens
// are used once here and never stored.

import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client, OAuth2Tokens } from "arctic";
import { importPKCS8, SignJWT } from "jose";
import type { AppleConfig, GitHubConfig, GoogleConfig, ProviderConfig } from "./config.server.ts";
import { verifyIdToken } from "./id-token.server.ts";

export class ProviderError extends Error {}

/** What the provider told us about the user, normalized. */
export interface ProviderProfile {
  providerUserId: string;
  /** Lowercased; null when the provider shared none. */
  email: string | null;
  /** Only true when the provider itself says it verified the address. */
  emailVerified: boolean;
  /** GitHub's login, a starting point for the username. */
  login: string | null;
  displayName: string | null;
  avatarUrl: string | null;
}

export interface AuthorizationStart {
  url: URL;
  state: string;
  codeVerifier?: string;
}

export function startAuthorization(config: ProviderConfig, redirectUri: string): AuthorizationStart {
  const state = generateState();
  switch (config.provider) {
    case "github": {
      const client = new OAuth2Client(config.clientId, config.clientSecret, redirectUri);
      return { state, url: client.createAuthorizationURL(config.authorizeUrl, state, ["read:user", "user:email"]) };
    }
    case "google": {
      const client = new OAuth2Client(config.clientId, config.clientSecret, redirectUri);
      const codeVerifier = generateCodeVerifier();
      const url = client.createAuthorizationURLWithPKCE(
        config.authorizeUrl,
        state,
        CodeChallengeMethod.S256,
        codeVerifier,
        ["openid", "email", "profile"],
      );
      return { state, codeVerifier, url };
    }
    case "apple": {
      const client = new OAuth2Client(config.clientId, null, redirectUri);
      const url = client.createAuthorizationURL(config.authorizeUrl, state, ["name", "email"]);
      // Apple requires form_post when asking for name or e-mail: the callback is a cross-site POST.
      url.searchParams.set("response_mode", "form_post");
      return { state, url };
    }
  }
}

export async function fetchProfile(
  config: ProviderConfig,
  input: { redirectUri: string; code: string; codeVerifier?: string; appleUser?: string | null },
): Promise<ProviderProfile> {
  switch (config.provider) {
    case "github":
      return githubProfile(config, input.redirectUri, input.code);
    case "google":
      return googleProfile(config, input.redirectUri, input.code, input.codeVerifier);
    case "apple":
      return appleProfile(config, input.redirectUri, input.code, input.appleUser ?? null);
  }
}

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : null);

async function githubProfile(config: GitHubConfig, redirectUri: string, code: string): Promise<ProviderProfile> {
  const client = new OAuth2Client(config.clientId, config.clientSecret, redirectUri);
  const tokens = await client.validateAuthorizationCode(config.tokenUrl, code, null);
  const headers = {
    Authorization: `Bearer ${tokens.accessToken()}`,
    Accept: "application/vnd.github+json",
    "User-Agent": "Alva",
  };
  const [userResponse, emailsResponse] = await Promise.all([
    fetch(`${config.apiUrl}/user`, { headers, signal: AbortSignal.timeout(10_000) }),
    fetch(`${config.apiUrl}/user/emails`, { headers, signal: AbortSignal.timeout(10_000) }),
  ]);
  if (!userResponse.ok) throw new ProviderError(`GitHub did not return the user (${userResponse.status}).`);
  const user = (await userResponse.json()) as { id?: unknown; login?: unknown; name?: unknown; avatar_url?: unknown };
  if (typeof user.id !== "number" && typeof user.id !== "string")
    throw new ProviderError("GitHub returned no user id.");
  // /user/emails carries the verified flags; /user's public e-mail does not, so it is never trusted.
  const emails = emailsResponse.ok ? ((await emailsResponse.json()) as unknown) : [];
  const list = Array.isArray(emails) ? (emails as { email?: unknown; primary?: unknown; verified?: unknown }[]) : [];
  const pick =
    list.find((entry) => entry.primary === true && entry.verified === true) ??
    list.find((entry) => entry.verified === true) ??
    list.find((entry) => entry.primary === true);
  const email = text(pick?.email)?.toLowerCase() ?? null;
  return {
    providerUserId: String(user.id),
    email,
    emailVerified: email !== null && pick?.verified === true,
    login: text(user.login),
    displayName: text(user.name) ?? text(user.login),
    avatarUrl: text(user.avatar_url),
  };
}

async function googleProfile(
  config: GoogleConfig,
  redirectUri: string,
  code: string,
  codeVerifier: string | undefined,
): Promise<ProviderProfile> {
  if (!codeVerifier) throw new ProviderError("The PKCE verifier is missing.");
  const client = new OAuth2Client(config.clientId, config.clientSecret, redirectUri);
  const tokens = await client.validateAuthorizationCode(config.tokenUrl, code, codeVerifier);
  const { claims, subject } = await verifyIdToken(idTokenOf(tokens), {
    jwksUrl: config.jwksUrl,
    issuers: config.issuers,
    audience: config.clientId,
  });
  const email = text(claims.email)?.toLowerCase() ?? null;
  return {
    providerUserId: subject,
    email,
    emailVerified: email !== null && claims.email_verified === true,
    login: null,
    displayName: text(claims.name),
    avatarUrl: text(claims.picture),
  };
}

async function appleProfile(
  config: AppleConfig,
  redirectUri: string,
  code: string,
  appleUser: string | null,
): Promise<ProviderProfile> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    client_id: config.clientId,
    // Apple authenticates clients with a short-lived ES256 JWT signed by the team's key (client_secret_post).
    client_secret: await appleClientSecret(config),
  });
  const response = await fetch(config.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderError(`Apple refused the code (${response.status}).`);
  }
  const tokens = new OAuth2Tokens((await response.json()) as object);
  const { claims, subject } = await verifyIdToken(idTokenOf(tokens), {
    jwksUrl: config.jwksUrl,
    issuers: config.issuers,
    audience: config.clientId,
  });
  const email = text(claims.email)?.toLowerCase() ?? null;
  // Apple sends the name only on the first authorization, in the posted `user` field (unsigned: display only).
  let displayName: string | null = null;
  try {
    const user = appleUser ? (JSON.parse(appleUser) as { name?: { firstName?: unknown; lastName?: unknown } }) : null;
    displayName =
      [text(user?.name?.firstName), text(user?.name?.lastName)].filter(Boolean).join(" ").slice(0, 80) || null;
  } catch {
    displayName = null;
  }
  return {
    providerUserId: subject,
    email,
    emailVerified: email !== null && (claims.email_verified === true || claims.email_verified === "true"),
    login: null,
    displayName,
    avatarUrl: null,
  };
}

function idTokenOf(tokens: OAuth2Tokens): string {
  try {
    return tokens.idToken();
  } catch {
    throw new ProviderError("The provider returned no ID token.");
  }
}

async function appleClientSecret(config: AppleConfig): Promise<string> {
  // The .p8 key is PKCS#8 PEM; its newlines may arrive written as \n (one-line env values).
  const key = await importPKCS8(config.privateKey.replaceAll("\\n", "\n"), "ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: config.keyId, typ: "JWT" })
    .setIssuer(config.teamId)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setAudience("https://appleid.apple.com")
    .setSubject(config.clientId)
    .sign(key);
}
