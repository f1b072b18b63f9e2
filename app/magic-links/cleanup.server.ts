// Cron cleanup (for workers/background.ts): magic links that can no longer be used are deleted, so
// the table only ever holds what is still live.
import { isNotNull, lte, or } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { magicLinks } from "../../db/schema.ts";

/** Deletes expired or already-used magic links; returns how many rows went. */
export async function deleteExpiredMagicLinks(db: Database, now: Date | number = Date.now()): Promise<number> {
  const deleted = await db
    .delete(magicLinks)
    .where(or(lte(magicLinks.expiresAt, new Date(now)), isNotNull(magicLinks.consumedAt)))
    .returning({ id: magicLinks.id });
  return deleted.length;
}
