// The short-lived cookie that carries one sign-in attempt from POST /auth/:provider to the callback:
// the OAuth state (compared with the one the provider echoes), Google's PKCE verifier, and whether
// this is a sign-in or "connect to my account" (with that user's id). It is HMAC-signed with
// SESSION_SECRET, so its contents (notably the user id in link mode) cannot be forged, and it expires
// after 10 minutes both by Max-Age and by a signed deadline.
//
// Attributes: HttpOnly, Path=/auth/<provider>, SameSite=Lax (Secure, with the __Host- rule's spirit,
// over https). Apple posts its callback from appleid.apple.com (response_mode=form_post), a cross-site
// POST that never carries Lax cookies, so Apple's cookie is SameSite=None; Secure. Browsers accept a
// Secure cookie from http://localhost (Chrome and Firefox treat localhost as a secure context), which is
// enough for the fake provider in tests; Apple itself only accepts https return URLs anyway.
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { isSecureRequest, readCookie, setCookie } from "../platform/cookies.server.ts";
import type { OAuthProvider } from "./providers.ts";

export const STATE_TTL_MS = 10 * 60 * 1000;

export interface OAuthAttempt {
  provider: OAuthProvider;
  state: string;
  /** PKCE code verifier (Google). */
  codeVerifier?: string;
  mode: "sign-in" | "link";
  /** Link mode: the signed-in user who started it. */
  userId?: string;
  /** Sign-in mode: where to go afterwards (already a safe path). */
  redirectTo?: string;
  expiresAt: number;
}

export function stateCookieName(provider: OAuthProvider): string {
  return `alva_oauth_${provider}`;
}

function attributes(request: Request, provider: OAuthProvider): string[] {
  const list = [`Path=/auth/${provider}`, "HttpOnly"];
  if (provider === "apple") list.push("SameSite=None", "Secure");
  else {
    list.push("SameSite=Lax");
    if (isSecureRequest(request)) list.push("Secure");
  }
  return list;
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(`oauth-state:${secret}`),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

export async function stateCookie(request: Request, secret: string, attempt: OAuthAttempt): Promise<string> {
  const payload = encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(attempt)));
  const signature = new Uint8Array(
    await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(payload)),
  );
  const value = `${payload}.${encodeBase64urlNoPadding(signature)}`;
  return setCookie(request, stateCookieName(attempt.provider), value, [
    ...attributes(request, attempt.provider),
    `Max-Age=${STATE_TTL_MS / 1000}`,
  ]);
}

export function clearedStateCookie(request: Request, provider: OAuthProvider): string {
  return setCookie(request, stateCookieName(provider), "", [...attributes(request, provider), "Max-Age=0"]);
}

/** The attempt in the request's cookie, or null when it is missing, tampered with, expired or for another provider. */
export async function readStateCookie(
  request: Request,
  secret: string,
  provider: OAuthProvider,
  now = Date.now(),
): Promise<OAuthAttempt | null> {
  const raw = readCookie(request, stateCookieName(provider));
  const match = raw ? /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(raw) : null;
  if (!match) return null;
  try {
    const valid = await crypto.subtle.verify(
      "HMAC",
      await hmacKey(secret),
      decodeBase64urlIgnorePadding(match[2]!) as Uint8Array<ArrayBuffer>,
      new TextEncoder().encode(match[1]!),
    );
    if (!valid) return null;
    const attempt = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(match[1]!))) as OAuthAttempt;
    if (attempt.provider !== provider || typeof attempt.state !== "string" || !(attempt.expiresAt > now)) return null;
    return attempt;
  } catch {
    return null;
  }
}
