// Verifying OpenID Connect ID tokens (Google, Apple): RS256 signature against the provider's JWKS
// (WebCrypto), then `iss`, `aud` (our client id) and `exp`. Anything else is refused.
import { JWSRegisteredHeaders, JWTRegisteredClaims, parseJWT } from "@oslojs/jwt";

export class IdTokenError extends Error {}

interface Jwk extends JsonWebKey {
  kid?: string;
}

// Keys per JWKS URL, kept for an hour in this isolate; an unknown kid refetches (providers rotate keys).
const KEY_CACHE_MS = 60 * 60 * 1000;
const keyCache = new Map<string, { keys: Jwk[]; fetchedAt: number }>();

async function fetchKeys(url: string): Promise<Jwk[]> {
  const response = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new IdTokenError(`The provider's signing keys could not be fetched (${response.status}).`);
  const body = (await response.json()) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new IdTokenError("The provider's signing keys were malformed.");
  const keys = body.keys as Jwk[];
  keyCache.set(url, { keys, fetchedAt: Date.now() });
  return keys;
}

async function findKey(url: string, kid: string): Promise<Jwk | undefined> {
  const cached = keyCache.get(url);
  if (cached && Date.now() - cached.fetchedAt < KEY_CACHE_MS) {
    const key = cached.keys.find((candidate) => candidate.kid === kid);
    if (key) return key;
  }
  return (await fetchKeys(url)).find((candidate) => candidate.kid === kid);
}

export interface VerifiedIdToken {
  claims: Record<string, unknown>;
  subject: string;
}

export async function verifyIdToken(
  token: string,
  expected: { jwksUrl: string; issuers: readonly string[]; audience: string; now?: Date },
): Promise<VerifiedIdToken> {
  let header: object, payload: object, signature: Uint8Array, message: Uint8Array;
  try {
    [header, payload, signature, message] = parseJWT(token);
  } catch {
    throw new IdTokenError("The ID token is malformed.");
  }
  const headers = new JWSRegisteredHeaders(header);
  if (!headers.hasAlgorithm() || headers.algorithm() !== "RS256")
    throw new IdTokenError("The ID token is not signed with RS256.");
  if (!headers.hasKeyId()) throw new IdTokenError("The ID token names no signing key.");
  const jwk = await findKey(expected.jwksUrl, headers.keyId());
  if (jwk?.kty !== "RSA") throw new IdTokenError("The ID token's signing key is unknown.");

  let valid = false;
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: jwk.kty, n: jwk.n, e: jwk.e },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["verify"],
    );
    valid = await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      key,
      signature as Uint8Array<ArrayBuffer>,
      message as Uint8Array<ArrayBuffer>,
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new IdTokenError("The ID token's signature is invalid.");

  const claims = new JWTRegisteredClaims(payload);
  const now = expected.now ?? new Date();
  try {
    if (!claims.hasIssuer() || !expected.issuers.includes(claims.issuer()))
      throw new IdTokenError("The ID token comes from another issuer.");
    if (!claims.hasAudiences() || !claims.audiences().includes(expected.audience))
      throw new IdTokenError("The ID token was issued to another application.");
    // With several audiences, the authorized party must be us (OpenID Connect Core 3.1.3.7).
    const azp = (payload as { azp?: unknown }).azp;
    if (claims.audiences().length > 1 && azp !== expected.audience)
      throw new IdTokenError("The ID token was issued to another application.");
    if (!claims.hasExpiration() || claims.expiration().getTime() <= now.getTime())
      throw new IdTokenError("The ID token has expired.");
    if (!claims.hasSubject() || !claims.subject()) throw new IdTokenError("The ID token names no user.");
  } catch (error) {
    if (error instanceof IdTokenError) throw error;
    throw new IdTokenError("The ID token's claims are malformed.");
  }
  return { claims: payload as Record<string, unknown>, subject: claims.subject() };
}
