// Password hashing: Argon2id at OWASP's recommended m=19 MiB, t=2, p=1, computed by @noble/hashes
// (pure JS, so it runs in workerd, where WebAssembly compilation is disallowed and WebCrypto PBKDF2
// is capped far below OWASP's minimum). Hashes are PHC strings that name their parameters, so the
// parameters can be raised later: verifyPassword says when a stored hash should be redone.
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeBase64IgnorePadding, encodeBase64NoPadding } from "@oslojs/encoding";

export interface Argon2Parameters {
  /** Memory in KiB. */
  m: number;
  t: number;
  p: number;
}

export const CURRENT_PARAMETERS: Argon2Parameters = { m: 19_456, t: 2, p: 1 };
const HASH_BYTES = 32;
const SALT_BYTES = 16;

/** Passwords are compared as Unicode NFC, so the same password typed on any keyboard matches. */
export function normalizePassword(password: string): string {
  return password.normalize("NFC");
}

export async function hashPassword(password: string, parameters = CURRENT_PARAMETERS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, parameters);
  const { m, t, p } = parameters;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${encodeBase64NoPadding(salt)}$${encodeBase64NoPadding(hash)}`;
}

export interface Verification {
  valid: boolean;
  /** The hash was made with weaker parameters than today's: store a new one now that we know the password. */
  needsRehash: boolean;
}

export async function verifyPassword(storedHash: string, password: string): Promise<Verification> {
  const parsed = parsePhc(storedHash);
  if (!parsed) return { valid: false, needsRehash: false };
  const actual = await derive(password, parsed.salt, parsed.parameters);
  const valid = actual.length === parsed.hash.length && constantTimeEqual(actual, parsed.hash);
  const { m, t, p } = parsed.parameters;
  const weaker = m < CURRENT_PARAMETERS.m || t < CURRENT_PARAMETERS.t || p < CURRENT_PARAMETERS.p;
  return { valid, needsRehash: valid && weaker };
}

/**
 * Burns the same time as checking a real password. Sign-in calls it when no account matches, so the
 * response time does not tell whether an account exists.
 */
export async function verifyNothing(password: string): Promise<void> {
  await derive(password, new Uint8Array(SALT_BYTES), CURRENT_PARAMETERS);
}

function derive(password: string, salt: Uint8Array, { m, t, p }: Argon2Parameters): Promise<Uint8Array> {
  return argon2idAsync(new TextEncoder().encode(normalizePassword(password)), salt, {
    m,
    t,
    p,
    dkLen: HASH_BYTES,
    // Yield to the event loop regularly so other requests in this isolate are not starved.
    asyncTick: 10,
  });
}

function parsePhc(value: string): { parameters: Argon2Parameters; salt: Uint8Array; hash: Uint8Array } | null {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(value);
  if (!match) return null;
  try {
    return {
      parameters: { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) },
      salt: decodeBase64IgnorePadding(match[4]!),
      hash: decodeBase64IgnorePadding(match[5]!),
    };
  } catch {
    return null;
  }
}
