// The setup wizard's one secret between steps: the admin's password, chosen at step 2 and needed
// when the last step creates the account. It never goes into the HTML (no hidden field, not even as
// a hash: a client could then post any hash it likes). Instead the account step hashes it and keeps
// the PHC hash in a sealed cookie: AES-256-GCM (encrypted and authenticated) under a key derived
// with HKDF from SESSION_SECRET, HttpOnly, SameSite=Strict, for 30 minutes. A cookie the server did
// not make, or one changed by a single bit, fails to open and is refused.
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { hostCookieName, readCookie, setCookie } from "../platform/cookies.server.ts";

export const WIZARD_COOKIE_MAX_AGE_SECONDS = 30 * 60;

/** Shortest SESSION_SECRET accepted: HKDF needs real entropy in, and `wrangler secret` makes this easy. */
const MIN_SECRET_LENGTH = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed hash is ~190 characters; anything far longer is not ours and is refused before decoding. */
const MAX_COOKIE_VALUE_LENGTH = 1024;
const PHC_ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

const encoder = new TextEncoder();
// Binds each sealed value to this purpose: a value sealed for something else under the same secret
// (a future feature) fails authentication here, and vice versa.
const ADDITIONAL_DATA = encoder.encode("alva setup wizard: admin password hash v1");

/** Why the secret cannot seal anything, in words an operator can act on; null when it is fine. */
export function sessionSecretProblem(secret: string | undefined): string | null {
  if (!secret)
    return "This server has no SESSION_SECRET setting. Set it to a long random string (for example with `wrangler secret put SESSION_SECRET`), then reload this page.";
  if (secret.length < MIN_SECRET_LENGTH)
    return `This server's SESSION_SECRET is too short. Use a random string of at least ${MIN_SECRET_LENGTH} characters, then reload this page.`;
  return null;
}

const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(secret: string): Promise<CryptoKey> {
  const problem = sessionSecretProblem(secret);
  if (problem) throw new Error(problem);
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]).then((material) =>
      crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: encoder.encode("alva/setup-wizard"),
          info: encoder.encode("aes-256-gcm cookie key v1"),
        },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      ),
    );
    keys.set(secret, key);
  }
  return key;
}

interface SealedPayload {
  v: 1;
  /** The PHC string of the admin's password. */
  hash: string;
  /** Unix ms. The cookie's Max-Age is only a request to the browser; this is what the server enforces. */
  exp: number;
}

/** The cookie value holding `passwordHash` until `now` + 30 minutes: base64url(iv ‖ ciphertext ‖ tag). */
export async function sealPasswordHash(secret: string, passwordHash: string, now = Date.now()): Promise<string> {
  const payload: SealedPayload = { v: 1, hash: passwordHash, exp: now + WIZARD_COOKIE_MAX_AGE_SECONDS * 1000 };
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: ADDITIONAL_DATA },
      await sealingKey(secret),
      encoder.encode(JSON.stringify(payload)),
    ),
  );
  const bytes = new Uint8Array(IV_BYTES + sealed.length);
  bytes.set(iv);
  bytes.set(sealed, IV_BYTES);
  return encodeBase64urlNoPadding(bytes);
}

/** The password hash sealed in `value`, or null when the value is missing, forged, altered or expired. */
export async function openPasswordHash(secret: string, value: string | null, now = Date.now()): Promise<string | null> {
  if (!value || value.length > MAX_COOKIE_VALUE_LENGTH) return null;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64urlIgnorePadding(value);
  } catch {
    return null;
  }
  if (bytes.length < IV_BYTES + TAG_BYTES + 1) return null;
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: ADDITIONAL_DATA },
      await sealingKey(secret),
      bytes.slice(IV_BYTES),
    );
  } catch {
    return null; // authentication failed: not sealed by us with this secret, or changed since
  }
  let payload: Partial<SealedPayload>;
  try {
    payload = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
  if (payload.v !== 1 || typeof payload.exp !== "number" || typeof payload.hash !== "string") return null;
  if (now >= payload.exp || !PHC_ARGON2ID.test(payload.hash)) return null;
  return payload.hash;
}

// ── The cookie ──────────────────────────────────────────────────────────────────────────────
// Named like the session cookie: `__Host-` over https (Secure, Path=/, no Domain: no subdomain can set
// or shadow it), a plain name on local http. SameSite=Strict: it is only ever needed by the wizard's
// own same-site form posts.

const WIZARD_COOKIE = "alva_setup";

export function readWizardCookie(request: Request): string | null {
  return readCookie(request, hostCookieName(request, WIZARD_COOKIE));
}

export function wizardCookie(request: Request, value: string): string {
  return cookie(request, value, WIZARD_COOKIE_MAX_AGE_SECONDS);
}

export function clearedWizardCookie(request: Request): string {
  return cookie(request, "", 0);
}

function cookie(request: Request, value: string, maxAge: number): string {
  return setCookie(request, hostCookieName(request, WIZARD_COOKIE), value, [
    "Path=/",
    `Max-Age=${maxAge}`,
    "HttpOnly",
    "SameSite=Strict",
  ]);
}
