// The secrets that e-mails carry: sign-in links and their codes, address verifications, password
// resets. Generated here, stored only as SHA-256 (secrets.server.ts), and judged here before any query
// is spent on them. Each flow keeps its own table, lifetime and consuming UPDATE; the rate limits of
// every flow are in limits.server.ts.
import { hashSecret, randomDigits, randomSecret } from "./secrets.server.ts";

/** Digits of a typed code. */
export const CODE_LENGTH = 8;
/** Wrong codes one stored code tolerates (on top of the rate limits); then only a new code helps. */
export const MAX_CODE_ATTEMPTS = 5;
/** 160 bits, as 32 base32 characters in a link. */
const TOKEN_BYTES = 20;

/** A new link token, to mail, and its hash, to store. */
export function newEmailedToken(): { token: string; tokenHash: string } {
  const token = randomSecret(TOKEN_BYTES);
  return { token, tokenHash: hashSecret(token) };
}

/** A new link token and typed code for one mail, each with the hash to store. */
export function newEmailedTokenAndCode() {
  const code = randomDigits(CODE_LENGTH);
  return { ...newEmailedToken(), code, codeHash: hashSecret(code) };
}

/** A token as randomSecret(20) writes it (32 base32 characters); anything else is not worth a query. */
export function isPlausibleToken(token: unknown): token is string {
  return typeof token === "string" && /^[a-z2-7]{32}$/.test(token);
}

/** Codes as people type them ("1234 5678", "1234-5678"), or null when it cannot be one. */
export function normalizeCode(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const digits = value.replace(/[\s-]/g, "");
  return new RegExp(`^\\d{${CODE_LENGTH}}$`).test(digits) ? digits : null;
}
