// Changing the password and the e-mail address from the settings. Both ask for the current password
// first (a borrowed or stolen session alone is not enough), and those checks draw from the same
// per-account bucket as sign-in, so the settings pages cannot be used to guess the password either.
import { eq } from "drizzle-orm";
import type { RouterContextProvider } from "react-router";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { findUserByEmail } from "../accounts/accounts.server.ts";
import { checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { hashPassword, verifyPassword } from "../accounts/password.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { deleteUserSessions, type Session, type User } from "../accounts/session.server.ts";
import {
  addressInUseMail,
  afterResponse,
  passwordChangedMail,
  sendAfterResponse,
  sendMail,
} from "../email-flows/emails.server.ts";
import { invalidatePendingResets } from "../email-flows/password-reset.server.ts";
import { invalidatePending, sendVerificationEmail } from "../email-flows/verification.server.ts";
import { signedInRecently } from "./reauth.server.ts";

/** The current-password field of both settings forms: required when the account has a password. */
export function currentPasswordField(hasPassword: boolean) {
  const field = z
    .string({ error: "Enter your current password." })
    .max(1024, "That is longer than any password we accept.");
  return hasPassword ? field : field.default("");
}

export type Throttled = { outcome: "throttled"; message: string; retryAfterSeconds: number };
export type NotRecent = { outcome: "sign-in-again"; message: string };

/**
 * Takes one try from the account's sign-in bucket, then checks `password`. The try is taken before
 * the check, so once the bucket is empty even the right password is refused until it refills. An
 * account without a password has nothing to type, so a recent sign-in has to stand in for it.
 */
export async function checkCurrentPassword(
  db: Database,
  env: Env,
  input: {
    user: Pick<User, "id" | "passwordHash">;
    session: Pick<Session, "createdAt">;
    password: string;
    purpose: string;
    request: Request;
  },
): Promise<{ outcome: "ok" } | { outcome: "wrong" } | Throttled | NotRecent> {
  const { user } = input;
  if (user.passwordHash === null) {
    return signedInRecently(input.session)
      ? { outcome: "ok" }
      : {
          outcome: "sign-in-again",
          message: "For your safety, sign out and sign in again first, then do this within 15 minutes.",
        };
  }
  const limit = await checkLimit(env, "passwordConfirmation", user.id);
  if (!limit.allowed) {
    return {
      outcome: "throttled",
      retryAfterSeconds: limit.retryAfterSeconds,
      message: `Too many password attempts for this account; ${retryPhrase(limit.retryAfterSeconds)}.`,
    };
  }
  const { valid } = await verifyPassword(user.passwordHash, input.password);
  if (valid) return { outcome: "ok" };
  await recordSecurityEvent(db, {
    userId: user.id,
    type: "sign-in-failed",
    request: input.request,
    detail: `Wrong password when ${input.purpose}`,
  });
  return { outcome: "wrong" };
}

export type ChangePasswordResult =
  | { outcome: "changed"; endedSessions: number }
  | { outcome: "wrong-current" }
  | { outcome: "same-as-current" }
  | Throttled
  | NotRecent;

export async function changePassword(
  db: Database,
  context: Readonly<RouterContextProvider>,
  env: Env,
  input: { user: User; session: Session; currentPassword: string; newPassword: string; request: Request },
): Promise<ChangePasswordResult> {
  const { user, request } = input;
  const check = await checkCurrentPassword(db, env, {
    user,
    session: input.session,
    password: input.currentPassword,
    purpose: "changing the password",
    request,
  });
  if (check.outcome === "throttled" || check.outcome === "sign-in-again") return check;
  if (check.outcome === "wrong") return { outcome: "wrong-current" };
  // Both are NFC-normalized strings by now; the current one was just proved right.
  if (user.passwordHash !== null && input.newPassword === input.currentPassword.normalize("NFC"))
    return { outcome: "same-as-current" };

  const passwordHash = await hashPassword(input.newPassword);
  await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  // Everyone else (a device left signed in, or whoever knew the old password) is out; this device stays.
  const endedSessions = await deleteUserSessions(db, user.id, input.session.id);
  await invalidatePendingResets(db, user.id);
  await recordSecurityEvent(db, { userId: user.id, type: "password-changed", request });
  sendAfterResponse(context, passwordChangedMail({ env, user, to: user.email, how: "changed" }));
  return { outcome: "changed", endedSessions };
}

export type EmailChangeResult =
  | { outcome: "sent" }
  | { outcome: "wrong-password" }
  | { outcome: "same-address" }
  | Throttled
  | NotRecent;

/**
 * Starts a change of address: a code and link go to the NEW address, and nothing changes until they
 * are used (see verification.server.ts). Whether the new address already has an account is never
 * shown: the answer is "sent" either way, and that account's owner gets a notice instead.
 */
export async function requestEmailChange(
  db: Database,
  context: Readonly<RouterContextProvider>,
  env: Env,
  input: { user: User; session: Session; newEmail: string; currentPassword: string; request: Request },
): Promise<EmailChangeResult> {
  const { user, newEmail, request } = input;
  const check = await checkCurrentPassword(db, env, {
    user,
    session: input.session,
    password: input.currentPassword,
    purpose: "changing the e-mail address",
    request,
  });
  if (check.outcome === "throttled" || check.outcome === "sign-in-again") return check;
  if (check.outcome === "wrong") return { outcome: "wrong-password" };
  if (newEmail === user.email) return { outcome: "same-address" };

  const limit = await checkLimit(env, "verificationEmail", user.id);
  if (!limit.allowed) {
    return {
      outcome: "throttled",
      retryAfterSeconds: limit.retryAfterSeconds,
      message: `We've sent several e-mails for your account in a short time; ${retryPhrase(limit.retryAfterSeconds)}.`,
    };
  }

  const owner = await findUserByEmail(db, newEmail);
  // Both branches send after the response, so neither the answer nor its timing differs.
  afterResponse(context, async () => {
    if (owner) {
      await invalidatePending(db, user.id, "change-email");
      await sendMail(db, env, addressInUseMail({ env, to: newEmail }));
    } else {
      await sendVerificationEmail(db, env, { user, email: newEmail, purpose: "change-email", request });
    }
  });
  return { outcome: "sent" };
}
