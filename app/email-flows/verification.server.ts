// Proving an e-mail address: the address of a new account ("verify-email") or the new address of an
// existing one ("change-email"). Each mail carries two secrets for the same row: an 8-digit code to
// type while signed in, and a 160-bit link token that works signed out (it proves the mailbox). Both
// are stored only as SHA-256, expire after an hour, work once, and are bound to the user and to the
// address they were sent to. Consumption is a single conditional UPDATE, so two requests can never
// both use the same row.
import { and, eq, gt, inArray, isNull, lt, ne, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { emailVerifications, passwordResets, users } from "../../db/schema.ts";
import { isUniqueViolation } from "../accounts/accounts.server.ts";
import { isPlausibleToken, MAX_CODE_ATTEMPTS, newEmailedTokenAndCode } from "../accounts/emailed-secrets.server.ts";
import { hashSecret, newId, secretMatches } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import type { User } from "../accounts/session.server.ts";
import { emailChangedMail, sendMail, verificationMail } from "./emails.server.ts";

export const VERIFICATION_TTL_MS = 60 * 60 * 1000;

export type VerificationPurpose = "verify-email" | "change-email";
type VerificationRow = typeof emailVerifications.$inferSelect;

export interface SendVerificationInput {
  user: Pick<User, "id" | "username">;
  /** Where the mail goes: the account's address (verify-email) or the proposed new one (change-email). */
  email: string;
  purpose: VerificationPurpose;
  /** The request that asked for it; kept in the signature so callers need not change if we log it. */
  request: Request;
  now?: number;
}

/**
 * Creates a verification (invalidating the user's earlier unused ones for the same purpose) and mails
 * its code and link. The caller decides whether the mail may go (rate limits, taken addresses).
 */
export async function sendVerificationEmail(
  db: Database,
  env: Env,
  input: SendVerificationInput,
): Promise<{ expiresAt: Date }> {
  const verification = prepareVerification(db, env, input);
  await db.batch(verification.statements);
  await sendMail(db, env, verification.mail);
  return { expiresAt: verification.expiresAt };
}

/**
 * The statements that store a verification (run them in one batch, possibly with others) and the
 * mail that carries its code and link, to send once they are stored.
 */
export function prepareVerification(db: Database, env: { APP_URL: string }, input: SendVerificationInput) {
  const now = input.now ?? Date.now();
  const email = input.email.toLowerCase();
  const { code, codeHash, token, tokenHash } = newEmailedTokenAndCode();
  const expiresAt = new Date(now + VERIFICATION_TTL_MS);
  const statements = [
    invalidatePending(db, input.user.id, input.purpose),
    db.insert(emailVerifications).values({
      id: newId(),
      userId: input.user.id,
      purpose: input.purpose,
      email,
      codeHash,
      tokenHash,
      attempts: 0,
      expiresAt,
      consumedAt: null,
      createdAt: new Date(now),
    }),
  ] as const;
  const mail = verificationMail({ env, user: input.user, to: email, purpose: input.purpose, code, token });
  return { statements, mail, expiresAt };
}

/** Deletes the user's unused verifications of `purpose`: only the newest mail works. */
export function invalidatePending(db: Database, userId: string, purpose: VerificationPurpose) {
  return db
    .delete(emailVerifications)
    .where(
      and(
        eq(emailVerifications.userId, userId),
        eq(emailVerifications.purpose, purpose),
        isNull(emailVerifications.consumedAt),
      ),
    );
}

/** What a link would confirm, without using it: a GET must never consume (mail scanners follow links). */
export async function findUsableVerification(
  db: Database,
  token: string,
  now = Date.now(),
): Promise<VerificationRow | undefined> {
  if (!isPlausibleToken(token)) return undefined;
  const [row] = await db
    .select()
    .from(emailVerifications)
    .where(
      and(
        eq(emailVerifications.tokenHash, hashSecret(token)),
        isNull(emailVerifications.consumedAt),
        gt(emailVerifications.expiresAt, new Date(now)),
      ),
    )
    .limit(1);
  return row;
}

/** The newest change of address the user asked for and has not confirmed yet. */
export async function pendingEmailChange(db: Database, userId: string, now = Date.now()): Promise<string | null> {
  const [row] = await db
    .select({ email: emailVerifications.email })
    .from(emailVerifications)
    .where(
      and(
        eq(emailVerifications.userId, userId),
        eq(emailVerifications.purpose, "change-email"),
        isNull(emailVerifications.consumedAt),
        gt(emailVerifications.expiresAt, new Date(now)),
      ),
    )
    .orderBy(sql`${emailVerifications.createdAt} desc`)
    .limit(1);
  return row?.email ?? null;
}

export type VerificationOutcome =
  | { outcome: "verified"; purpose: VerificationPurpose; userId: string; email: string }
  /** Wrong, expired, already used, or for an address the account no longer has. */
  | { outcome: "invalid" }
  /** change-email: another account took the address between the request and the confirmation. */
  | { outcome: "address-taken"; email: string };

/** Typed code of the signed-in user: matches only that user's own unused, unexpired rows. */
export async function consumeVerificationCode(
  db: Database,
  env: Env,
  input: { userId: string; code: string; request: Request; now?: number },
): Promise<VerificationOutcome> {
  const now = input.now ?? Date.now();
  const candidates = await db
    .select()
    .from(emailVerifications)
    .where(
      and(
        eq(emailVerifications.userId, input.userId),
        isNull(emailVerifications.consumedAt),
        gt(emailVerifications.expiresAt, new Date(now)),
        lt(emailVerifications.attempts, MAX_CODE_ATTEMPTS),
      ),
    );
  // Compare against every candidate (constant-time each), so the time does not depend on which matched.
  let match: VerificationRow | undefined;
  for (const row of candidates) if (secretMatches(input.code, row.codeHash) && !match) match = row;
  if (!match) {
    if (candidates.length > 0) {
      await db
        .update(emailVerifications)
        .set({ attempts: sql`${emailVerifications.attempts} + 1` })
        .where(
          inArray(
            emailVerifications.id,
            candidates.map((row) => row.id),
          ),
        );
    }
    return { outcome: "invalid" };
  }
  return consume(db, env, match.id, input.request, now);
}

/** The link's token: works signed out, since holding it proves access to the mailbox. */
export async function consumeVerificationToken(
  db: Database,
  env: Env,
  input: { token: string; request: Request; now?: number },
): Promise<VerificationOutcome> {
  const now = input.now ?? Date.now();
  if (!isPlausibleToken(input.token)) return { outcome: "invalid" };
  const [row] = await db
    .select({ id: emailVerifications.id })
    .from(emailVerifications)
    .where(eq(emailVerifications.tokenHash, hashSecret(input.token)))
    .limit(1);
  if (!row) return { outcome: "invalid" };
  return consume(db, env, row.id, input.request, now);
}

async function consume(
  db: Database,
  env: Env,
  id: string,
  request: Request,
  now: number,
): Promise<VerificationOutcome> {
  // The one atomic step: whoever gets the row back is the only one to use it.
  const [row] = await db
    .update(emailVerifications)
    .set({ consumedAt: new Date(now) })
    .where(
      and(
        eq(emailVerifications.id, id),
        isNull(emailVerifications.consumedAt),
        gt(emailVerifications.expiresAt, new Date(now)),
      ),
    )
    .returning();
  if (!row) return { outcome: "invalid" };
  return row.purpose === "verify-email"
    ? applyVerifyEmail(db, row, request, now)
    : applyChangeEmail(db, env, row, request, now);
}

async function applyVerifyEmail(
  db: Database,
  row: VerificationRow,
  request: Request,
  now: number,
): Promise<VerificationOutcome> {
  // Bound to the address: a code sent to an address the account has since left verifies nothing.
  const updated = await db
    .update(users)
    .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` })
    .where(and(eq(users.id, row.userId), eq(users.email, row.email)))
    .returning({ id: users.id });
  if (updated.length === 0) return { outcome: "invalid" };
  await recordSecurityEvent(db, { userId: row.userId, type: "email-verified", request });
  return { outcome: "verified", purpose: "verify-email", userId: row.userId, email: row.email };
}

async function applyChangeEmail(
  db: Database,
  env: Env,
  row: VerificationRow,
  request: Request,
  now: number,
): Promise<VerificationOutcome> {
  const [before] = await db
    .select({ email: users.email, username: users.username })
    .from(users)
    .where(eq(users.id, row.userId))
    .limit(1);
  if (!before) return { outcome: "invalid" };
  if (before.email === row.email) {
    return { outcome: "verified", purpose: "change-email", userId: row.userId, email: row.email };
  }
  try {
    // The new address was just proved, so the account stays verified.
    await db
      .update(users)
      .set({ email: row.email, emailVerifiedAt: new Date(now) })
      .where(eq(users.id, row.userId));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return { outcome: "address-taken", email: row.email };
  }
  await db.batch([
    // Codes and reset links sent to the old address (or to other proposed addresses) stop working.
    db
      .delete(emailVerifications)
      .where(
        and(
          eq(emailVerifications.userId, row.userId),
          isNull(emailVerifications.consumedAt),
          ne(emailVerifications.id, row.id),
        ),
      ),
    db.delete(passwordResets).where(and(eq(passwordResets.userId, row.userId), isNull(passwordResets.consumedAt))),
  ]);
  await recordSecurityEvent(db, {
    userId: row.userId,
    type: "email-changed",
    request,
    detail: `${before.email} → ${row.email}`,
  });
  // The old mailbox is told, so a hijacked session cannot move the account away silently.
  await sendMail(db, env, emailChangedMail({ env, user: before, to: before.email, newEmail: row.email }));
  return { outcome: "verified", purpose: "change-email", userId: row.userId, email: row.email };
}
