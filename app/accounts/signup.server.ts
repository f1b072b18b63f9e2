// Sign-up. It never reveals whether an e-mail address is registered: a new address and a known one
// get the same answer (a redirect to /login saying "check your e-mail") after the same database work,
// and the known address's owner is told by e-mail instead.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { signupRefusal } from "../admin/instance-settings.server.ts";
import { prepareVerification } from "../email-flows/verification.server.ts";
import { composeMail, type MailMessage } from "../mail/mail.server.ts";
import {
  accountInserts,
  displayNameSchema,
  emailSchema,
  isUniqueViolation,
  uniqueViolationMessage,
  usernameSchema,
} from "./accounts.server.ts";
import { hashPassword } from "./password.server.ts";
import { newPasswordSchema } from "./password-policy.ts";
import { securityEventInsert } from "./security-log.server.ts";

export const signUpForm = z
  .object({
    username: usernameSchema,
    email: emailSchema,
    displayName: displayNameSchema,
    password: newPasswordSchema,
    confirmPassword: z.string({ error: "Type the password again." }),
  })
  .refine((form) => form.password === form.confirmPassword.normalize("NFC"), {
    path: ["confirmPassword"],
    message: "The two passwords differ.",
  });

export type SignUpInput = z.infer<typeof signUpForm>;

export type SignUpResult =
  /** `mail` is the message for whoever owns the address; send it after the response (both answers alike). */
  | { outcome: "check-email"; mail: MailMessage }
  | { outcome: "username-taken" }
  /** The instance's sign-up policy (/admin/settings) does not admit this address. */
  | { outcome: "refused"; message: string };

/**
 * Registers an account, doing the same work before answering whether or not the address is taken:
 * hash the password, check the username, then one batch that either creates the account (with its
 * security event and verification code) or fails on the address's UNIQUE index. No lookup by address
 * comes first, and no mail is sent here: either mail (the code, or "someone tried to sign up with your
 * address") goes out after the response.
 */
export async function signUp(db: Database, env: Env, input: SignUpInput, request: Request): Promise<SignUpResult> {
  // The policy is about the address, never about whether it has an account: it reveals nothing.
  const refusal = await signupRefusal(db, input.email);
  if (refusal) return { outcome: "refused", message: refusal };
  const passwordHash = await hashPassword(input.password);
  const [usernameOwner] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.username, input.username))
    .limit(1);
  if (usernameOwner) return { outcome: "username-taken" };

  const { user, statements } = accountInserts(db, { ...input, passwordHash });
  const verification = prepareVerification(db, env, { user, email: user.email, purpose: "verify-email", request });
  try {
    await db.batch([
      ...statements,
      securityEventInsert(db, { userId: user.id, type: "account-created", request }),
      ...verification.statements,
    ]);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Someone took the username a moment ago, or (the usual case) the address has an account already.
    if (/users\.username/.test(String(uniqueViolationMessage(error)))) return { outcome: "username-taken" };
    return { outcome: "check-email", mail: signUpAttemptMail(env, input.email) };
  }
  return { outcome: "check-email", mail: verification.mail };
}

function signUpAttemptMail(env: Env, email: string): MailMessage {
  return composeMail({
    to: email,
    subject: "Someone tried to sign up to Alva with your address",
    paragraphs: [
      "Someone (maybe you) tried to create an Alva account with this e-mail address, which already has one.",
      "If it was you, sign in instead, or reset your password if you forgot it. If it wasn't, you can ignore this message: nothing changed.",
    ],
    action: { label: "Sign in", url: new URL("/login", env.APP_URL).href },
  });
}
