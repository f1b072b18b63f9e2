// Authenticating again before ending other sessions (OWASP ASVS 5.0 V7.5.2): someone holding a
// stolen, older session must not be able to sign the real owner out everywhere. A session that
// signed in within RECENT_SIGN_IN_MS counts as freshly authenticated (its password was just typed);
// an older one must enter the password again. Wrong guesses count against the user's
// passwordConfirmation limit.
import type { Database } from "../../db/client.ts";
import { checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { verifyPassword } from "../accounts/password.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import type { Session, User } from "../accounts/session.server.ts";

export const RECENT_SIGN_IN_MS = 15 * 60 * 1000;

/** Longest password accepted for a check: new passwords are at most 256 characters (password-policy.ts). */
export { MAX_PASSWORD_INPUT_LENGTH as MAX_PASSWORD_LENGTH } from "../accounts/password-limits.ts";

export function signedInRecently(session: Pick<Session, "createdAt">, now = Date.now()): boolean {
  return now - session.createdAt.getTime() < RECENT_SIGN_IN_MS;
}

export type Confirmation = { ok: true } | { ok: false; status: 401 | 403 | 429; message: string };

export async function confirmIdentity(input: {
  db: Database;
  env: Env;
  request: Request;
  user: User;
  session: Session;
  /** What the password was typed for, in words, for the security log ("ending other sessions"). */
  purpose: string;
  password: string | undefined;
}): Promise<Confirmation> {
  const { db, env, request, user, session, password } = input;
  if (signedInRecently(session)) return { ok: true };
  if (!user.passwordHash) {
    return {
      ok: false,
      status: 403,
      message: "For your safety, sign out and sign in again first, then try this within 15 minutes.",
    };
  }
  if (!password) return { ok: false, status: 401, message: "Enter your password to confirm it's you." };

  // Before hashing: each attempt costs the attacker a token of this account's sign-in bucket.
  const limit = await checkLimit(env, "passwordConfirmation", user.id);
  if (!limit.allowed) {
    return { ok: false, status: 429, message: `Too many password attempts; ${retryPhrase(limit.retryAfterSeconds)}.` };
  }
  const { valid } = await verifyPassword(user.passwordHash, password);
  if (!valid) {
    await recordSecurityEvent(db, {
      userId: user.id,
      type: "sign-in-failed",
      request,
      detail: `Wrong password when ${input.purpose}`,
    });
    return { ok: false, status: 401, message: "That password isn't right." };
  }
  return { ok: true };
}
