// Sign-in with e-mail or username + password. Rate limits come first (per client IP, then per
// identifier as typed), before any lookup or hashing; every wrong combination gets the same answer,
// and an unknown account costs the same Argon2 time as a known one.
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { type AccountRefusal, accountRefusal } from "./account-status.ts";
import { findUserByLogin } from "./accounts.server.ts";
import { checkClientLimit, checkLimit, retryPhrase } from "./limits.server.ts";
import { hashPassword, verifyNothing, verifyPassword } from "./password.server.ts";
import { recordSecurityEvent } from "./security-log.server.ts";
import { startSession, type User } from "./session.server.ts";

export type SignInResult =
  /** `cookie`: the Set-Cookie value of the new session. */
  | { outcome: "signed-in"; cookie: string }
  | { outcome: "invalid" }
  /** The right password for a disabled or deleted account. */
  | { outcome: "refused"; refusal: AccountRefusal }
  | { outcome: "throttled"; message: string; retryAfterSeconds: number };

/** The one answer to every wrong combination, on the web and in the API: it never says which part was wrong. */
export const SIGN_IN_FAILED_MESSAGE = "That e-mail or username and password don't match an account.";

export type CredentialCheck =
  | { outcome: "valid"; user: User }
  | { outcome: "invalid" }
  | { outcome: "refused"; refusal: AccountRefusal }
  | { outcome: "throttled"; message: string; retryAfterSeconds: number };

/**
 * The password check every password sign-in shares (the web form and POST /api/v1/auth/token): rate
 * limits first, then the same Argon2 cost for unknown and known accounts, the failure logged, and an
 * outdated hash upgraded. What happens on success (a cookie session, an API token family) is the caller's.
 */
export async function checkCredentials(
  db: Database,
  env: Env,
  input: { login: string; password: string; request: Request },
): Promise<CredentialCheck> {
  const { request } = input;
  const ipLimit = await checkClientLimit(env, "signInIp", request);
  if (!ipLimit.allowed) {
    return {
      outcome: "throttled",
      retryAfterSeconds: ipLimit.retryAfterSeconds,
      message: `Too many sign-in attempts from your network; ${retryPhrase(ipLimit.retryAfterSeconds)}.`,
    };
  }

  // Keyed by the identifier as typed, not by the account it names: rotating IPs does not help, and a
  // throttled username reveals nothing about its e-mail address (docs/decisions/0020).
  const identifierLimit = await checkLimit(env, "signInIdentifier", input.login.trim());
  if (!identifierLimit.allowed) {
    return {
      outcome: "throttled",
      retryAfterSeconds: identifierLimit.retryAfterSeconds,
      message: `Too many attempts for this account; ${retryPhrase(identifierLimit.retryAfterSeconds)}. If you forgot your password, you can reset it now, or sign in with an e-mailed link below.`,
    };
  }

  const user = await findUserByLogin(db, input.login);

  if (!user?.passwordHash) {
    await verifyNothing(input.password);
    return { outcome: "invalid" };
  }
  const verification = await verifyPassword(user.passwordHash, input.password);
  if (!verification.valid) {
    await recordSecurityEvent(db, { userId: user.id, type: "sign-in-failed", request });
    return { outcome: "invalid" };
  }
  // Said only to someone who knows the password: the state of an account is nobody else's business.
  const refusal = accountRefusal(user);
  if (refusal) return { outcome: "refused", refusal };
  if (verification.needsRehash) {
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(input.password) })
      .where(eq(users.id, user.id));
  }
  return { outcome: "valid", user };
}

export async function signIn(
  db: Database,
  env: Env,
  input: { login: string; password: string; persistent: boolean; request: Request },
): Promise<SignInResult> {
  const checked = await checkCredentials(db, env, input);
  if (checked.outcome !== "valid") return checked;
  const cookie = await startSession(db, env, {
    userId: checked.user.id,
    persistent: input.persistent,
    request: input.request,
    event: { type: "sign-in" },
  });
  return { outcome: "signed-in", cookie };
}
