// Copying a provider's avatar into R2, so pages never load pictures from the provider (no tracking,
// nothing breaks when the provider changes the URL). The bytes go through the same checks and storage
// as any upload (storeImage: size cap, type from the bytes, dimensions); any failure only means
// "no avatar" and never fails the sign-in. A picture the user already has is never replaced.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { MAX_IMAGE_BYTES, storeImage } from "../images/images.server.ts";
import { readAtMost } from "../platform/forms.server.ts";

export async function copyAvatar(
  env: Env,
  db: Database,
  input: { userId: string; url: string },
): Promise<string | null> {
  try {
    const [owner] = await db
      .select({ avatarImageId: users.avatarImageId })
      .from(users)
      .where(eq(users.id, input.userId))
      .limit(1);
    if (!owner || owner.avatarImageId) return null;
    const url = new URL(input.url);
    // Providers serve avatars over https; plain http is only for the local fake provider in tests.
    const local = env.ENVIRONMENT === "test" || env.ENVIRONMENT === "development";
    if (url.protocol !== "https:" && !(local && url.protocol === "http:")) return null;
    const response = await fetch(url, { headers: { Accept: "image/*" }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok || !response.body || Number(response.headers.get("Content-Length") ?? "0") > MAX_IMAGE_BYTES) {
      await response.body?.cancel();
      return null;
    }
    const bytes = await readAtMost(response.body, MAX_IMAGE_BYTES);
    if (!bytes) return null;
    const stored = await storeImage(env, db, {
      file: new File([bytes], "avatar", { type: response.headers.get("Content-Type") ?? "" }),
      kind: "avatar",
      ownerId: input.userId,
      workspaceId: null,
    });
    if (!stored.ok) return null;
    // Unless one was set meanwhile; the unused copy is then removed by the unreferenced-images cleanup.
    await db
      .update(users)
      .set({ avatarImageId: stored.image.id })
      .where(and(eq(users.id, input.userId), isNull(users.avatarImageId)));
    return stored.image.id;
  } catch {
    return null;
  }
}
