// Random secrets and their stored form. A secret leaves the server once (in a cookie or an e-mail);
// the database keeps only its SHA-256, compared in constant time.
import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeHex, encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

/** `bytes` random bytes as lowercase base32 (URL- and cookie-safe). 20 bytes = 160 bits. */
export function randomSecret(bytes = 20): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A uniformly random numeric code, e.g. 8 digits for e-mail verification. */
export function randomDigits(length: number): string {
  const limit = 10 ** length;
  // Rejection sampling keeps every code equally likely.
  const ceiling = Math.floor(0x1_0000_0000 / limit) * limit;
  for (;;) {
    const [value] = crypto.getRandomValues(new Uint32Array(1));
    if (value! < ceiling) return String(value! % limit).padStart(length, "0");
  }
}

export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = /^[0-9a-f]{64}$/.test(storedHash) ? decodeHex(storedHash) : new Uint8Array(32);
  return constantTimeEqual(sha256(new TextEncoder().encode(secret)), expected) && expected.length === 32;
}

export function newId(): string {
  return crypto.randomUUID();
}
