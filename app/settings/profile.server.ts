// What /settings/profile changes: display name and username, and the avatar (an `images` row of
// kind "avatar" that users.avatar_image_id points at).
import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { images, users } from "../../db/schema.ts";
import { isUniqueViolation } from "../accounts/accounts.server.ts";
import { removeImage, storeImage, type UploadResult } from "../images/images.server.ts";

export type ProfileChange = { outcome: "saved" } | { outcome: "username-taken" };

/**
 * Saves the display name and username. The username's uniqueness is left to the database's UNIQUE
 * constraint (no check-then-write), so two people racing for the same name cannot both get it.
 * Choosing a username here also settles a generated one (magic link or provider sign-up).
 */
export async function updateProfile(
  db: Database,
  input: { userId: string; displayName: string | null; username: string; currentUsername: string },
): Promise<ProfileChange> {
  const usernameChanged = input.username !== input.currentUsername;
  try {
    await db
      .update(users)
      .set({
        displayName: input.displayName,
        ...(usernameChanged ? { username: input.username, mustChooseUsername: false } : {}),
      })
      .where(eq(users.id, input.userId));
  } catch (error) {
    if (usernameChanged && isUniqueViolation(error)) return { outcome: "username-taken" };
    throw error;
  }
  return { outcome: "saved" };
}

/**
 * Stores `file` as the user's avatar and drops the previous one. If two uploads race, the one that
 * loses stays unreferenced and deleteUnreferencedImages removes it after a day.
 */
export async function replaceAvatar(
  env: Env,
  db: Database,
  input: { userId: string; previousImageId: string | null; file: File },
): Promise<UploadResult> {
  const stored = await storeImage(env, db, {
    file: input.file,
    kind: "avatar",
    ownerId: input.userId,
    workspaceId: null,
  });
  if (!stored.ok) return stored;
  await db.update(users).set({ avatarImageId: stored.image.id }).where(eq(users.id, input.userId));
  if (input.previousImageId) await removeOwnAvatar(env, db, input.userId, input.previousImageId);
  return stored;
}

/** Clears the user's avatar and deletes its image. */
export async function removeAvatar(
  env: Env,
  db: Database,
  input: { userId: string; imageId: string | null },
): Promise<void> {
  await db.update(users).set({ avatarImageId: null }).where(eq(users.id, input.userId));
  if (input.imageId) await removeOwnAvatar(env, db, input.userId, input.imageId);
}

async function removeOwnAvatar(env: Env, db: Database, userId: string, imageId: string): Promise<void> {
  const image = await db.query.images.findFirst({
    where: and(eq(images.id, imageId), eq(images.ownerId, userId), eq(images.kind, "avatar")),
  });
  if (image) await removeImage(env, db, image);
}
