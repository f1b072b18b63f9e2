// Verifying OpenID Connect ID tokens (Google, Apple) with jose, the one JWT library of the app (the
// API's own tokens use it too): RS256 only, the signature against the provider's JWKS (jose's remote
// key set: cached, refetched for an unknown kid, at most once per 30 s), then `iss`, `aud` (our client
// id), `azp` when there are several audiences, `exp` and `sub`. Anything else is refused.
import { createRemoteJWKSet, errors, jwtVerify } from "jose";

export class IdTokenError extends Error {}

// Keys per JWKS URL, kept for an hour in this isolate; providers rotate keys, and a token naming a kid
// the cached set lacks makes jose fetch the set again.
const KEY_CACHE_MS = 60 * 60 * 1000;
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySet(url: string) {
  let set = keySets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { cacheMaxAge: KEY_CACHE_MS, timeoutDuration: 10_000 });
    keySets.set(url, set);
  }
  return set;
}

export interface VerifiedIdToken {
  claims: Record<string, unknown>;
  subject: string;
}

export async function verifyIdToken(
  token: string,
  expected: { jwksUrl: string; issuers: readonly string[]; audience: string; now?: Date },
): Promise<VerifiedIdToken> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keySet(expected.jwksUrl), {
      algorithms: ["RS256"],
      issuer: [...expected.issuers],
      audience: expected.audience,
      currentDate: expected.now,
      requiredClaims: ["iss", "aud", "exp", "sub"],
    }));
  } catch (error) {
    throw new IdTokenError(idTokenProblem(error));
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  // With several audiences, the authorized party must be us (OpenID Connect Core 3.1.3.7).
  if (audiences.length > 1 && payload.azp !== expected.audience)
    throw new IdTokenError("The ID token was issued to another application.");
  if (typeof payload.sub !== "string" || !payload.sub) throw new IdTokenError("The ID token names no user.");
  return { claims: payload, subject: payload.sub };
}

/** What went wrong, in the words the callback logs and shows (never the token itself). */
function idTokenProblem(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The ID token has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "The ID token comes from another issuer.";
    if (error.claim === "aud") return "The ID token was issued to another application.";
    if (error.claim === "sub") return "The ID token names no user.";
    return "The ID token's claims are malformed.";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "The ID token is not signed with RS256.";
  if (error instanceof errors.JWKSNoMatchingKey) return "The ID token's signing key is unknown.";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The ID token's signature is invalid.";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return "The provider's signing keys could not be fetched.";
  if (error instanceof errors.JOSEError) return "The ID token is malformed.";
  return "The provider's signing keys could not be fetched.";
}
