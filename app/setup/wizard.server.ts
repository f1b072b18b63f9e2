// The first-run setup wizard's rules: the steps, what each one accepts, and finishing, which creates
// the organization, the admin (with a personal workspace) and the instance row in ONE batch. The
// instance row's primary key (id = 1) is what makes setup happen once: a second, concurrent finish
// fails on it, its whole batch rolls back, and it is answered like any later visit (404).
//
// Between steps nothing is stored on the server. The answers travel in the form itself (hidden inputs,
// validated again when the last step is posted); the password travels only as a sealed cookie
// (wizard-cookie.server.ts).
import type { RouterContextProvider } from "react-router";
import { z } from "zod";
import { type Database, isDatabaseUnavailable } from "../../db/client.ts";
import { instance, organizations } from "../../db/schema.ts";
import {
  accountInserts,
  displayNameSchema,
  emailSchema,
  isUniqueViolation,
  usernameSchema,
} from "../accounts/accounts.server.ts";
import { newPasswordSchema } from "../accounts/password-policy.ts";
import { newId } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { startSession, type User } from "../accounts/session.server.ts";
import { sendVerificationEmail } from "../email-flows/verification.server.ts";
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import { logError } from "../platform/request-log.ts";
import { isSetupComplete } from "./instance.server.ts";
import { type Answers, type Step, steps, type WizardErrors } from "./wizard-steps.ts";

export const emptyAnswers: Answers = { email: "", username: "", displayName: "", organization: "" };

/** Longest text echoed back into the page; every real answer is far shorter. */
const MAX_ECHOED_LENGTH = 1000;

export function parseStep(value: FormDataEntryValue | null): Step {
  return steps.find((step) => step === value) ?? "welcome";
}

export function previousStep(step: Step): Step {
  return steps[Math.max(0, steps.indexOf(step) - 1)]!;
}

/** The answers as posted (only these names: anything else, a `role` say, is never read). */
export function readAnswers(form: FormData): Answers {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value.slice(0, MAX_ECHOED_LENGTH) : "";
  };
  return {
    email: text("email"),
    username: text("username"),
    displayName: text("displayName"),
    organization: text("organization"),
  };
}

export const accountForm = z.object({ email: emailSchema, username: usernameSchema, displayName: displayNameSchema });

export const passwordForm = z
  .object({
    password: newPasswordSchema,
    confirmPassword: z.string({ error: "Type the password again." }).min(1, "Type the password again."),
  })
  .refine((form) => form.password === form.confirmPassword.normalize("NFC"), {
    path: ["confirmPassword"],
    message: "The two passwords differ.",
  });

export const organizationForm = z.object({
  organization: z.string().trim().min(1, "Name your organization.").max(100, "Use at most 100 characters."),
});

export const PASSWORD_LOST =
  "Choose the password again: the wizard keeps it for 30 minutes only, and that time ran out (or this browser did not keep the setup cookie).";

export function firstErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): WizardErrors {
  const errors: Record<string, string> = {};
  for (const issue of issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  return errors as WizardErrors;
}

export type AccountStepResult =
  | { ok: true; answers: Answers; newPassword: string | null }
  | { ok: false; errors: WizardErrors };

/**
 * Step 2. Both password fields left empty keep the password already chosen (after Back), when the
 * sealed cookie still holds one; otherwise the password is checked like at sign-up.
 */
export function checkAccountStep(answers: Answers, form: FormData, keptHash: string | null): AccountStepResult {
  const account = accountForm.safeParse(answers);
  // Empty reads as missing, so an empty field says "Choose a password." rather than "at least 8".
  const password = form.get("password") || undefined;
  const confirmPassword = form.get("confirmPassword") || undefined;
  const keepsPassword = keptHash !== null && !password && !confirmPassword;
  const passwords = keepsPassword ? null : passwordForm.safeParse({ password, confirmPassword });
  const errors: WizardErrors = {
    ...(account.success ? {} : firstErrors(account.error.issues)),
    ...(passwords && !passwords.success ? firstErrors(passwords.error.issues) : {}),
  };
  if (!account.success || (passwords && !passwords.success)) return { ok: false, errors };
  return {
    ok: true,
    // Carry the normalized forms (trimmed, lowercased) so the last step shows what will be stored.
    answers: { ...answers, ...account.data, displayName: account.data.displayName ?? "" },
    newPassword: passwords?.data.password ?? null,
  };
}

export interface SetupInput {
  email: string;
  username: string;
  displayName: string | null;
  organization: string;
  passwordHash: string;
}

export type FinalCheck =
  | { ok: true; input: SetupInput; answers: Answers }
  | { ok: false; step: Step; errors: WizardErrors };

/** The last step: every answer again (hidden inputs are whatever the client sent), and the password. */
export function checkEverything(answers: Answers, keptHash: string | null): FinalCheck {
  const account = accountForm.safeParse(answers);
  if (!account.success) return { ok: false, step: "account", errors: firstErrors(account.error.issues) };
  if (!keptHash) return { ok: false, step: "account", errors: { password: PASSWORD_LOST } };
  const organization = organizationForm.safeParse(answers);
  if (!organization.success) return { ok: false, step: "organization", errors: firstErrors(organization.error.issues) };
  return {
    ok: true,
    input: { ...account.data, organization: organization.data.organization, passwordHash: keptHash },
    answers: {
      ...account.data,
      displayName: account.data.displayName ?? "",
      organization: organization.data.organization,
    },
  };
}

/** The 404 the not-found route throws: once set up, the wizard does not exist. */
export function setupNotFound(context: Readonly<RouterContextProvider>): never {
  return httpError(context, 404, NOT_FOUND_MESSAGE);
}

export type SetupResult =
  /** `verificationSent` false: the account exists and is signed in, but the mail could not go out. */
  /** `cookie`: the Set-Cookie value of the admin's new session. */
  | { outcome: "done"; user: User; organizationId: string; cookie: string; verificationSent: boolean }
  | { outcome: "already-set-up" }
  /** Only possible if accounts exist without an instance row (made outside the wizard). */
  | { outcome: "account-taken" };

export async function completeSetup(
  db: Database,
  env: Env,
  input: SetupInput,
  request: Request,
  requestId: string,
): Promise<SetupResult> {
  const now = new Date();
  const organizationId = newId();
  const { user, statements } = accountInserts(
    db,
    {
      email: input.email,
      username: input.username,
      displayName: input.displayName,
      passwordHash: input.passwordHash,
      role: "admin",
      emailVerifiedAt: null,
    },
    now,
  );
  try {
    await db.batch([
      db.insert(organizations).values({ id: organizationId, name: input.organization, createdAt: now }),
      ...statements,
      db.insert(instance).values({ id: 1, organizationId, setupCompletedAt: now }),
    ]);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    // Lost the race to a concurrent finish: the batch rolled back and the instance row is theirs.
    if (await isSetupComplete(db, env.TURSO_DATABASE_URL)) return { outcome: "already-set-up" };
    if (isUniqueViolation(error)) return { outcome: "account-taken" };
    throw error;
  }

  await recordSecurityEvent(db, { userId: user.id, type: "account-created", request });
  const cookie = await startSession(db, env, {
    userId: user.id,
    persistent: true,
    request,
    event: { type: "sign-in" },
  });

  // The instance is set up whatever happens to the mail (a first deploy often has no mail provider
  // yet): a failure is logged and the admin is told to ask for a new code from the banner.
  let verificationSent = true;
  try {
    await sendVerificationEmail(db, env, { user, email: user.email, purpose: "verify-email", request });
  } catch (error) {
    logError(error, requestId);
    verificationSent = false;
  }
  return { outcome: "done", user, organizationId, cookie, verificationSent };
}
