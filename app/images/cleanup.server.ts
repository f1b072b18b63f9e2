// Cron cleanup of uploads nothing uses: an avatar replaced during a race, a logo uploaded on an
// onboarding card and then swapped before the answer was saved, a tab closed mid-upload.
// An image is kept while a user's avatar_image_id or the organization's logo_image_id names it, or any
// onboarding answer's JSON value contains its id (the onboarding cards store image ids as strings), and always for its first 24
// hours, so an upload whose answer is about to be saved is never taken away.
import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { images } from "../../db/schema.ts";
import { renditionKeys } from "./images.server.ts";

export const UNREFERENCED_IMAGE_GRACE_MS = 24 * 60 * 60 * 1000;
/** Per run, so one cron invocation stays short; the next run picks up the rest. */
const BATCH = 100;

/** Deletes (R2 object, renditions and row) unreferenced images older than 24 h; returns how many. */
export async function deleteUnreferencedImages(env: Env, db: Database, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - UNREFERENCED_IMAGE_GRACE_MS);
  const unreferenced = and(
    lt(images.createdAt, cutoff),
    sql`not exists (select 1 from users where users.avatar_image_id = ${images.id})`,
    sql`not exists (select 1 from organizations where organizations.logo_image_id = ${images.id})`,
    sql`not exists (select 1 from onboarding_answers where instr(onboarding_answers.value, ${images.id}) > 0)`,
  );
  const candidates = await db.select({ id: images.id }).from(images).where(unreferenced).limit(BATCH);
  let deleted = 0;
  for (const { id } of candidates) {
    // Checked again in the DELETE itself: an answer saved since the SELECT keeps its image.
    const [gone] = await db
      .delete(images)
      .where(and(eq(images.id, id), unreferenced))
      .returning({ r2Key: images.r2Key });
    if (!gone) continue;
    await env.IMAGES.delete([gone.r2Key, ...renditionKeys(gone.r2Key)]);
    deleted++;
  }
  return deleted;
}
