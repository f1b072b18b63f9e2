// Authenticating again before ending other sessions (OWASP ASVS 5.0 V7.5.2): someone holding a
// stolen, older session must not be able to sign the real owner out everywhere. A session that
// signed in within RECENT_SIGN_IN_MS counts as freshly authenticated (its password was just typed);
// an older one must enter the password again. Wrong guesses count against the user's
// passwordConfirmation limit. Deleting the account asks every time (`always`); a passwordless account
// then proves itself with a code mailed to it (sendIdentityCode) instead of a password.
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { identityCodes } from "../../db/schema.ts";
import { CODE_LENGTH, MAX_CODE_ATTEMPTS, normalizeCode } from "../accounts/emailed-secrets.server.ts";
import { checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { verifyPassword } from "../accounts/password.server.ts";
import { MAX_PASSWORD_INPUT_LENGTH } from "../accounts/password-limits.ts";
import { hashSecret, randomDigits } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import type { Session, User } from "../accounts/session.server.ts";
import { sendMail } from "../email-flows/emails.server.ts";
import { composeMail } from "../mail/mail.server.ts";

export const RECENT_SIGN_IN_MS = 15 * 60 * 1000;
export const IDENTITY_CODE_LIFETIME_MS = 10 * 60 * 1000;

/** Longest password accepted for a check: new passwords are at most 256 characters (password-policy.ts). */
export { MAX_PASSWORD_INPUT_LENGTH as MAX_PASSWORD_LENGTH } from "../accounts/password-limits.ts";

/**
 * The password of a post that may need confirming (app/ui/password-confirmation.tsx sends it): left
 * out or empty is "not typed", which confirmIdentity answers by asking for it.
 */
export const confirmationPassword = z
  .string()
  .max(MAX_PASSWORD_INPUT_LENGTH, "That password is too long.")
  .optional()
  .transform((value) => value || undefined);

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
  /** Ask even when the session signed in moments ago; passwordless accounts then need a mailed code. */
  always?: boolean;
  /** The code from sendIdentityCode, typed by a passwordless account (with `always`). */
  code?: string;
}): Promise<Confirmation> {
  const { db, env, request, user, session, password } = input;
  if (!input.always && signedInRecently(session)) return { ok: true };
  if (!user.passwordHash && input.always) return confirmWithCode(input);
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

/** Mails a fresh code (replacing any earlier one) that confirmIdentity accepts in place of a password. */
export async function sendIdentityCode(env: Env, db: Database, user: User, purpose: string): Promise<void> {
  const code = randomDigits(CODE_LENGTH);
  const row = {
    userId: user.id,
    codeHash: hashSecret(code),
    attempts: 0,
    expiresAt: new Date(Date.now() + IDENTITY_CODE_LIFETIME_MS),
  };
  await db
    .insert(identityCodes)
    .values(row)
    .onConflictDoUpdate({ target: identityCodes.userId, set: { ...row, userId: undefined } });
  await sendMail(
    db,
    env,
    composeMail({
      to: user.email,
      subject: `Your Alva confirmation code: ${code}`,
      paragraphs: [
        `Someone signed in as you asked for a code to confirm ${purpose}. Your code is ${code}; it works for 10 minutes.`,
        "If that wasn't you, don't share the code with anyone, and end your other sessions in Alva's settings.",
      ],
    }),
  );
}

async function confirmWithCode(input: {
  db: Database;
  env: Env;
  request: Request;
  user: User;
  purpose: string;
  code?: string;
}): Promise<Confirmation> {
  const { db, env, user } = input;
  const code = normalizeCode(input.code);
  if (!code) return { ok: false, status: 401, message: `Enter the ${CODE_LENGTH}-digit code we e-mailed you.` };
  const limit = await checkLimit(env, "passwordConfirmation", user.id);
  if (!limit.allowed) {
    return { ok: false, status: 429, message: `Too many attempts; ${retryPhrase(limit.retryAfterSeconds)}.` };
  }
  // Consumed only when it matches, is fresh and has attempts left: one statement, so two tabs cannot both use it.
  const used = await db
    .delete(identityCodes)
    .where(
      and(
        eq(identityCodes.userId, user.id),
        eq(identityCodes.codeHash, hashSecret(code)),
        gt(identityCodes.expiresAt, new Date()),
        lt(identityCodes.attempts, MAX_CODE_ATTEMPTS),
      ),
    )
    .returning({ userId: identityCodes.userId });
  if (used.length > 0) return { ok: true };
  await db
    .update(identityCodes)
    .set({ attempts: sql`${identityCodes.attempts} + 1` })
    .where(eq(identityCodes.userId, user.id));
  await recordSecurityEvent(db, {
    userId: user.id,
    type: "sign-in-failed",
    request: input.request,
    detail: `Wrong or expired code when ${input.purpose}`,
  });
  return { ok: false, status: 401, message: "That code isn't right or has expired. Send a new one and try again." };
}
