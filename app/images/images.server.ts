// Uploaded images: bytes in R2 (env.IMAGES) under generated keys, metadata in the `images` table.
// Used by /settings/profile (avatars), onboarding (logo and brand-image cards), /admin/settings (the
// organization's logo) and OAuth (copied provider avatars). Served only through GET /images/:id (image-route.ts), which checks who may see them.
import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { images, organizations, users, workspaceMembers } from "../../db/schema.ts";
import { newId } from "../accounts/secrets.server.ts";
import { readAtMost } from "../platform/forms.server.ts";
import { extensionFor, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, type SniffedImage, sniffImage } from "./image-format.ts";

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** A form with one image: room for the other fields and the multipart boundaries around it. */
export const MAX_UPLOAD_FORM_BYTES = MAX_IMAGE_BYTES + 64 * 1024;
export type ImageKind = "logo" | "brand" | "avatar";
export type StoredImage = typeof images.$inferSelect;
export type UploadResult = { ok: true; image: StoredImage } | { ok: false; status: 400 | 413 | 415; message: string };
export type ImageSize = "thumb" | "medium" | "original";

export const TOO_LARGE_MESSAGE = "That file is larger than 5 MB. Choose a smaller image.";
export const TOO_MANY_PIXELS_MESSAGE = `That image has too many pixels. Choose one of at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels (for example 2400 × 1600), or scale it down first.`;
export const WRONG_TYPE_MESSAGE = "That file is not a PNG, JPEG, WebP or GIF image. (SVG is not accepted.)";

/**
 * The checks storeImage makes before it writes anything: a non-empty file of at most 5 MB, PNG, JPEG,
 * WebP or GIF by its first bytes, within the pixel limits. For a form that must refuse a bad file
 * before it does anything else (the setup wizard's last step).
 */
export async function checkImageFile(
  file: unknown,
): Promise<
  | { ok: true; bytes: NonNullable<Awaited<ReturnType<typeof readAtMost>>>; sniffed: SniffedImage }
  | { ok: false; status: 400 | 413 | 415; message: string }
> {
  if (!(file instanceof Blob) || file.size === 0) {
    return { ok: false, status: 400, message: "Choose an image file to upload." };
  }
  if (file.size > MAX_IMAGE_BYTES) return { ok: false, status: 413, message: TOO_LARGE_MESSAGE };

  const bytes = await readAtMost(file.stream(), MAX_IMAGE_BYTES);
  if (!bytes) return { ok: false, status: 413, message: TOO_LARGE_MESSAGE };
  if (bytes.byteLength === 0) return { ok: false, status: 400, message: "Choose an image file to upload." };

  const sniffed = sniffImage(bytes);
  if (!sniffed) return { ok: false, status: 415, message: WRONG_TYPE_MESSAGE };
  if (
    sniffed.width > MAX_IMAGE_SIDE ||
    sniffed.height > MAX_IMAGE_SIDE ||
    sniffed.width * sniffed.height > MAX_IMAGE_PIXELS
  ) {
    return { ok: false, status: 400, message: TOO_MANY_PIXELS_MESSAGE };
  }
  return { ok: true, bytes, sniffed };
}

/**
 * Stores an uploaded image: checks its size (413 past 5 MB, counting the bytes actually read, not only
 * what File.size claims) and its type from its first bytes (PNG, JPEG, WebP, GIF; anything else,
 * SVG included, is a 415), reads its pixel size, writes the bytes to R2 and records the row.
 * The R2 key is `images/<sha256 of the bytes>/<new id>.<ext from the sniffed type>`: the uploaded
 * file's name is never used. The id part keeps every row's object its own, so deleting one image
 * never removes bytes another row (someone else's identical upload) still points at.
 * A logo or brand image must name a workspace the owner belongs to; an avatar has no workspace, and
 * neither has the organization's logo (`organization: true`, kind "logo": the caller checked the
 * uploader is an admin).
 */
export async function storeImage(
  env: Env,
  db: Database,
  input: { file: File; kind: ImageKind; ownerId: string; workspaceId: string | null; organization?: true },
): Promise<UploadResult> {
  const { file, kind, ownerId } = input;
  const checked = await checkImageFile(file);
  if (!checked.ok) return checked;
  const { bytes, sniffed } = checked;

  const organizationLogo = kind === "logo" && input.organization === true;
  const workspaceId = kind === "avatar" || organizationLogo ? null : input.workspaceId;
  if (kind !== "avatar" && !organizationLogo) {
    if (!workspaceId || !(await isWorkspaceMember(db, workspaceId, ownerId))) {
      return { ok: false, status: 400, message: "That business was not found." };
    }
  }

  const sha256 = toHex(await crypto.subtle.digest("SHA-256", bytes));
  const id = newId();
  const r2Key = `images/${sha256}/${id}.${extensionFor(sniffed.type)}`;
  await env.IMAGES.put(r2Key, bytes, {
    httpMetadata: { contentType: sniffed.type },
    sha256,
    customMetadata: { imageId: id },
  });

  const row: StoredImage = {
    id,
    ownerId,
    workspaceId,
    kind,
    r2Key,
    contentType: sniffed.type,
    bytes: bytes.byteLength,
    width: sniffed.width,
    height: sniffed.height,
    sha256,
    createdAt: new Date(),
  };
  try {
    await db.insert(images).values(row);
  } catch (error) {
    await env.IMAGES.delete(r2Key); // no row, no object: the bucket never holds bytes nothing points at
    throw error;
  }
  return { ok: true, image: row };
}

/** The URL to show an image at a size. */
export function imageUrl(imageId: string, size: ImageSize = "original"): string {
  const path = `/images/${encodeURIComponent(imageId)}`;
  return size === "original" ? path : `${path}?size=${size}`;
}

/**
 * Deletes an image (R2 object and row) when `userId` may: its owner, or for a logo or brand image any
 * member of its workspace. A user whose avatar it was loses the avatar. False when it does not exist
 * or the user may not delete it (the two are not told apart).
 */
export async function deleteImage(
  env: Env,
  db: Database,
  input: { imageId: string; userId: string },
): Promise<boolean> {
  const image = await db.query.images.findFirst({ where: eq(images.id, input.imageId) });
  if (!image) return false;
  const allowed =
    image.ownerId === input.userId ||
    (image.workspaceId !== null && (await isWorkspaceMember(db, image.workspaceId, input.userId)));
  if (!allowed) return false;
  await removeImage(env, db, image);
  return true;
}

/** Removes the row first (so nothing serves a missing object), then the bytes. */
export async function removeImage(env: Env, db: Database, image: Pick<StoredImage, "id" | "r2Key">): Promise<void> {
  await db.batch([
    db.update(users).set({ avatarImageId: null }).where(eq(users.avatarImageId, image.id)),
    db.delete(images).where(eq(images.id, image.id)),
  ]);
  await env.IMAGES.delete([image.r2Key, ...renditionKeys(image.r2Key)]);
}

/** Where the smaller renditions of an original are cached in R2 (see renditions.server.ts). */
export function renditionKeys(r2Key: string): string[] {
  return [`${r2Key}.thumb`, `${r2Key}.medium`];
}

/**
 * The image if `viewerId` (null: signed out) may see it, otherwise undefined (the route then answers
 * 404, never 403, so ids of other businesses' images cannot be probed). The organization's logo — the
 * one image `organizations.logo_image_id` names — is public branding: anyone, e-mail clients included
 * (`public: true`). Avatars are visible to every signed-in user of the instance (they appear next to
 * names in chat); logos and brand images only to members of their workspace.
 */
export async function findVisibleImage(
  db: Database,
  imageId: string,
  viewerId: string | null,
): Promise<(StoredImage & { public: boolean }) | undefined> {
  const image = await db.query.images.findFirst({ where: eq(images.id, imageId) });
  if (!image) return undefined;
  if (await isOrganizationLogo(db, image)) return { ...image, public: true };
  if (viewerId === null) return undefined;
  if (image.kind === "avatar") return { ...image, public: false };
  // Not the uploader as such: someone who has left the business no longer sees its pictures.
  if (image.workspaceId !== null && (await isWorkspaceMember(db, image.workspaceId, viewerId)))
    return { ...image, public: false };
  return undefined;
}

/** Whether the organization's logo is this image: kind "logo", no workspace, and named by the organization row. */
async function isOrganizationLogo(db: Database, image: StoredImage): Promise<boolean> {
  if (image.kind !== "logo" || image.workspaceId !== null) return false;
  const named = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.logoImageId, image.id))
    .limit(1);
  return named.length > 0;
}

async function isWorkspaceMember(db: Database, workspaceId: string, userId: string): Promise<boolean> {
  const member = await db
    .select({ userId: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .limit(1);
  return member.length > 0;
}

function toHex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
