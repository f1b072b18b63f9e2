// Cron cleanup (registered by workers/background.ts): e-mail codes and reset links that can no longer
// be used are deleted, so the tables only ever hold what is still live.
import { isNotNull, lte, or } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { emailVerifications, passwordResets } from "../../db/schema.ts";

/** Deletes expired or already-used verifications and reset links; returns how many rows went. */
export async function deleteExpiredEmailTokens(db: Database, now: Date | number = Date.now()): Promise<number> {
  const at = new Date(now);
  const [verifications, resets] = await db.batch([
    db
      .delete(emailVerifications)
      .where(or(lte(emailVerifications.expiresAt, at), isNotNull(emailVerifications.consumedAt)))
      .returning({ id: emailVerifications.id }),
    db
      .delete(passwordResets)
      .where(or(lte(passwordResets.expiresAt, at), isNotNull(passwordResets.consumedAt)))
      .returning({ id: passwordResets.id }),
  ]);
  return verifications.length + resets.length;
}
