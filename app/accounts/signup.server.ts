// Sign-up. It never reveals whether an e-mail address is registered: a new address and a known one
// get the same answer (a redirect to /login saying "check your e-mail"), and the known address's
// owner is told by e-mail instead. Both paths hash the password, so they also take the same time.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { sendVerificationEmail } from "../email-flows/verification.server.ts";
import { composeMail, mailTransport } from "../mail/mail.server.ts";
import {
  accountInserts,
  displayNameSchema,
  emailSchema,
  findUserByEmail,
  isUniqueViolation,
  usernameSchema,
} from "./accounts.server.ts";
import { hashPassword } from "./password.server.ts";
import { newPasswordSchema } from "./password-policy.ts";
import { recordSecurityEvent } from "./security-log.server.ts";

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

export type SignUpResult = { outcome: "check-email" } | { outcome: "username-taken" };

export async function signUp(db: Database, env: Env, input: SignUpInput, request: Request): Promise<SignUpResult> {
  const passwordHash = await hashPassword(input.password);
  const [usernameOwner] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.username, input.username))
    .limit(1);
  if (usernameOwner) return { outcome: "username-taken" };

  const existing = await findUserByEmail(db, input.email);
  if (existing) {
    await tellOwnerAboutSignUpAttempt(db, env, input.email);
    return { outcome: "check-email" };
  }

  const { user, statements } = accountInserts(db, { ...input, passwordHash });
  try {
    await db.batch(statements);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Someone took the username or the address a moment ago.
    const [takenName] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.username, input.username))
      .limit(1);
    if (takenName) return { outcome: "username-taken" };
    await tellOwnerAboutSignUpAttempt(db, env, input.email);
    return { outcome: "check-email" };
  }
  await recordSecurityEvent(db, { userId: user.id, type: "account-created", request });
  await sendVerificationEmail(db, env, { user, email: user.email, purpose: "verify-email", request });
  return { outcome: "check-email" };
}

async function tellOwnerAboutSignUpAttempt(db: Database, env: Env, email: string) {
  await mailTransport(env, db).send(
    composeMail({
      to: email,
      subject: "Someone tried to sign up to Alva with your address",
      paragraphs: [
        "Someone (maybe you) tried to create an Alva account with this e-mail address, which already has one.",
        "If it was you, sign in instead, or reset your password if you forgot it. If it wasn't, you can ignore this message: nothing changed.",
      ],
      action: { label: "Sign in", url: new URL("/login", env.APP_URL).href },
    }),
  );
}
