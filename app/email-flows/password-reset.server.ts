// Password reset by e-mail link. The request never reveals whether an address has an account (same
// answer, and the mail is sent after the response, so the timing does not tell either). The link's
// token is 160 bits, stored only as SHA-256, valid for an hour, and used by one conditional UPDATE:
// two concurrent uses cannot both win. A successful reset ends every session and signs no one in.
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { passwordResets, users } from "../../db/schema.ts";
import { isPlausibleToken, newEmailedToken } from "../accounts/emailed-secrets.server.ts";
import { hashSecret, newId } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { deleteUserSessions, type User } from "../accounts/session.server.ts";
import { passwordResetMail, sendMail } from "./emails.server.ts";

export const RESET_TTL_MS = 60 * 60 * 1000;

type ResetRow = typeof passwordResets.$inferSelect;

/** Creates a reset link for `user` (earlier unused links stop working) and mails it to the account's address. */
export async function issuePasswordReset(
  db: Database,
  env: Env,
  user: Pick<User, "id" | "username" | "email">,
  now = Date.now(),
): Promise<void> {
  const { token, tokenHash } = newEmailedToken();
  await db.batch([
    db.delete(passwordResets).where(and(eq(passwordResets.userId, user.id), isNull(passwordResets.consumedAt))),
    db.insert(passwordResets).values({
      id: newId(),
      userId: user.id,
      tokenHash,
      expiresAt: new Date(now + RESET_TTL_MS),
      consumedAt: null,
      createdAt: new Date(now),
    }),
  ]);
  await sendMail(db, env, passwordResetMail({ env, user, to: user.email, token }));
}

/** The reset a link points to, if it can still be used. Reading it consumes nothing. */
export async function findUsableReset(
  db: Database,
  token: string,
  now = Date.now(),
): Promise<(ResetRow & { email: string }) | undefined> {
  if (!isPlausibleToken(token)) return undefined;
  const [row] = await db
    .select({ reset: passwordResets, email: users.email })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(
      and(
        eq(passwordResets.tokenHash, hashSecret(token)),
        isNull(passwordResets.consumedAt),
        gt(passwordResets.expiresAt, new Date(now)),
      ),
    )
    .limit(1);
  return row ? { ...row.reset, email: row.email } : undefined;
}

export type ResetOutcome = { outcome: "reset"; user: Pick<User, "id" | "username" | "email"> } | { outcome: "invalid" };

/**
 * Uses the token and sets `passwordHash` (already computed by the caller, so the slow hashing happens
 * before the race for the token, not after). Every session of the user ends.
 */
export async function completePasswordReset(
  db: Database,
  input: { token: string; passwordHash: string; request: Request; now?: number },
): Promise<ResetOutcome> {
  const now = input.now ?? Date.now();
  const [row] = await db
    .update(passwordResets)
    .set({ consumedAt: new Date(now) })
    .where(
      and(
        eq(passwordResets.tokenHash, hashSecret(input.token)),
        isNull(passwordResets.consumedAt),
        gt(passwordResets.expiresAt, new Date(now)),
      ),
    )
    .returning();
  if (!row) return { outcome: "invalid" };
  const [user] = await db
    .update(users)
    .set({ passwordHash: input.passwordHash })
    .where(eq(users.id, row.userId))
    .returning({ id: users.id, username: users.username, email: users.email });
  if (!user) return { outcome: "invalid" };
  // Whoever had a session (perhaps the person who learned the old password) is out now.
  await deleteUserSessions(db, user.id);
  await invalidatePendingResets(db, user.id);
  await recordSecurityEvent(db, { userId: user.id, type: "password-reset", request: input.request });
  return { outcome: "reset", user };
}

/** After the password changed some other way: reset links already in a mailbox stop working. */
export function invalidatePendingResets(db: Database, userId: string) {
  return db.delete(passwordResets).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.consumedAt)));
}
