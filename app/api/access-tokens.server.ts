// API access tokens: ES256 JWTs (jose over Web Crypto), 15 minutes, claims sub, sid, jti, iat, exp,
// iss, aud. The signing key is a private JWK with a `kid` in API_SIGNING_KEY; during a rotation the
// key it replaced is kept in API_SIGNING_KEY_PREVIOUS so tokens it signed verify until they expire.
// Both public halves are served at /.well-known/jwks.json. docs/decisions/0090-api-tokens.md.
//
// Verification accepts exactly ES256 (never `none`, never an HMAC keyed with our public key) and a key
// chosen by `kid` from our own two keys: a token naming any other kid is refused before any crypto.
import { errors, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { randomSecret } from "../accounts/secrets.server.ts";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const ACCESS_TOKEN_ALGORITHM = "ES256";
export const API_AUDIENCE = "alva-api";
/** Leeway for clocks of other machines (exp, iat, nbf); small next to the 15-minute lifetime. */
const CLOCK_TOLERANCE_SECONDS = 5;

type KeyEnv = Pick<Env, "API_SIGNING_KEY" | "API_SIGNING_KEY_PREVIOUS" | "APP_URL">;

const ecJwk = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1).optional(),
  kid: z.string().min(1).max(128),
});

interface KeyPair {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey | null;
  publicKey: CryptoKey;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
}

/** Keys are parsed and imported once per isolate and env value (the env does not change under it). */
const keyCache = new Map<string, Promise<KeyPair>>();

function loadKey(text: string, name: string): Promise<KeyPair> {
  let cached = keyCache.get(text);
  if (!cached) {
    cached = importKey(text, name);
    keyCache.set(text, cached);
    // A broken key must not stay cached as a rejected promise forever if the env is fixed in place.
    cached.catch(() => keyCache.delete(text));
  }
  return cached;
}

async function importKey(text: string, name: string): Promise<KeyPair> {
  let parsed: z.infer<typeof ecJwk>;
  try {
    parsed = ecJwk.parse(JSON.parse(text));
  } catch {
    // Never echo the value: it is a private key.
    throw new Error(`${name} is not a P-256 JWK with a kid (see .dev.vars.example)`);
  }
  const { d, ...publicJwk } = parsed;
  const publicKey = (await importJWK(
    { ...publicJwk, alg: ACCESS_TOKEN_ALGORITHM },
    ACCESS_TOKEN_ALGORITHM,
  )) as CryptoKey;
  const privateKey = d
    ? ((await importJWK({ ...parsed, alg: ACCESS_TOKEN_ALGORITHM }, ACCESS_TOKEN_ALGORITHM)) as CryptoKey)
    : null;
  return {
    kid: parsed.kid,
    publicJwk: { ...publicJwk, alg: ACCESS_TOKEN_ALGORITHM, use: "sig" },
    privateKey,
    publicKey,
  };
}

async function verificationKeys(env: KeyEnv): Promise<KeyPair[]> {
  const keys = [await loadKey(env.API_SIGNING_KEY, "API_SIGNING_KEY")];
  if (env.API_SIGNING_KEY_PREVIOUS) keys.push(await loadKey(env.API_SIGNING_KEY_PREVIOUS, "API_SIGNING_KEY_PREVIOUS"));
  return keys;
}

export function issuer(env: Pick<Env, "APP_URL">): string {
  return new URL(env.APP_URL).origin;
}

export async function signAccessToken(
  env: KeyEnv,
  input: { userId: string; familyId: string },
  now = Date.now(),
): Promise<{ token: string; expiresIn: number }> {
  const key = await loadKey(env.API_SIGNING_KEY, "API_SIGNING_KEY");
  if (!key.privateKey) throw new Error("API_SIGNING_KEY has no private part (d)");
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({ sid: input.familyId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: key.kid, typ: "at+jwt" })
    .setSubject(input.userId)
    .setJti(randomSecret(16))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .setIssuer(issuer(env))
    .setAudience(API_AUDIENCE)
    .sign(key.privateKey);
  return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

const claimsSchema = z
  .object({
    sub: z.string().min(1).max(64),
    sid: z.string().min(1).max(64),
    jti: z.string().min(1).max(64),
    iat: z.number(),
    exp: z.number(),
  })
  // Our tokens live 15 minutes; one that claims longer was not made by signAccessToken, whoever signed it.
  .refine((claims) => claims.exp - claims.iat <= ACCESS_TOKEN_TTL_SECONDS);

/** The token's claims, or null for anything that is not a valid, current access token of ours. */
export async function verifyAccessToken(env: KeyEnv, token: string): Promise<AccessClaims | null> {
  if (token.length > 4096) return null;
  const keys = await verificationKeys(env);
  try {
    const { payload } = await jwtVerify<JWTPayload>(
      token,
      (header) => {
        const key = keys.find((candidate) => candidate.kid === header.kid);
        if (!key) throw new errors.JWKSNoMatchingKey();
        return key.publicKey;
      },
      {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: issuer(env),
        audience: API_AUDIENCE,
        typ: "at+jwt",
        requiredClaims: ["sub", "sid", "jti", "iat", "exp"],
        maxTokenAge: ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      },
    );
    const claims = claimsSchema.safeParse(payload);
    return claims.success ? { sub: claims.data.sub, sid: claims.data.sid, jti: claims.data.jti } : null;
  } catch (error) {
    // jose's errors are the token's fault (bad signature, expired, wrong claim); anything else is ours.
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/** The public JWK Set: the current key and, during a rotation, the previous one. */
export async function publicKeySet(env: KeyEnv): Promise<{ keys: JWK[] }> {
  return { keys: (await verificationKeys(env)).map((key) => key.publicJwk) };
}
