// Deleting an account, by its owner (/settings/account) or an admin, restoring it, and purging it.
// Deletion is a mark, not a DELETE: the account is signed out everywhere and refused at once
// (users.deletedAt; the sign-in and API checks refuse it), its chat messages show "deleted user",
// and PURGE_AFTER_MS later the cron removes it for good with its images in R2. Until then an admin can
// restore it. Workspaces that other people use survive: the owner must hand each one over first, and
// at purge time any that gained members since go to their longest-standing member.
import { and, asc, eq, inArray, isNotNull, lt, ne, notInArray, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { chatRooms, dataExports, images, sessions, users, workspaceMembers, workspaces } from "../../db/schema.ts";
import { handOverOrganizationLogo } from "../admin/instance-settings.server.ts";
import { revokeUserFamilies } from "../api/token-families.server.ts";
import { sendMail } from "../email-flows/emails.server.ts";
import { renditionKeys } from "../images/images.server.ts";
import { composeMail } from "../mail/mail.server.ts";
import { formatTime } from "../settings/format.ts";
import { recordSecurityEvent } from "./security-log.server.ts";

export const PURGE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
/** How chat shows a deleted account's messages. */
export const DELETED_USER_NAME = "deleted user";
export const DELETED_USERNAME = "deleted";

export function purgeDate(deletedAt: Date): Date {
  return new Date(deletedAt.getTime() + PURGE_AFTER_MS);
}

export interface WorkspaceToHandOver {
  id: string;
  name: string;
}

/** Workspaces `userId` is the only owner of while other people are members: hand these over first. */
export async function workspacesToHandOver(db: Database, userId: string): Promise<WorkspaceToHandOver[]> {
  return db
    .select({ id: workspaces.id, name: workspaces.name })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(
      and(
        eq(workspaceMembers.userId, userId),
        eq(workspaceMembers.role, "owner"),
        sql`not exists (select 1 from workspace_members o where o.workspace_id = ${workspaceMembers.workspaceId}
              and o.role = 'owner' and o.user_id <> ${userId})`,
        sql`exists (select 1 from workspace_members o where o.workspace_id = ${workspaceMembers.workspaceId}
              and o.user_id <> ${userId})`,
      ),
    )
    .orderBy(asc(workspaces.name));
}

export type Deletion =
  | { ok: true; purgeAt: Date }
  | { ok: false; reason: "hand-over"; workspaces: WorkspaceToHandOver[] }
  /** The instance would be left without an administrator who can sign in. */
  | { ok: false; reason: "last-admin" }
  | { ok: false; reason: "not-found" };

/**
 * Marks the account deleted and ends every way it is signed in: sessions, API sign-ins and (via the
 * rooms' session check, run at once here) chat sockets. Mails the address the date of final removal.
 */
export async function deleteAccount(
  env: Env,
  db: Database,
  input: { userId: string; request: Request; now?: Date },
): Promise<Deletion> {
  const now = input.now ?? new Date();
  const handOver = await workspacesToHandOver(db, input.userId);
  if (handOver.length > 0) return { ok: false, reason: "hand-over", workspaces: handOver };

  // Checked in the UPDATE itself, so two admins deleting each other at once cannot both succeed.
  const anotherAdminRemains = sql`(${users.role} <> 'admin' or exists (select 1 from users as other
    where other.role = 'admin' and other.id <> ${input.userId} and other.deleted_at is null and other.disabled_at is null))`;
  const [user] = await db
    .update(users)
    .set({ deletedAt: now })
    .where(and(eq(users.id, input.userId), sql`${users.deletedAt} is null`, anotherAdminRemains))
    .returning({ id: users.id, email: users.email });
  if (!user) {
    const [still] = await db.select({ deletedAt: users.deletedAt }).from(users).where(eq(users.id, input.userId));
    return still && still.deletedAt === null ? { ok: false, reason: "last-admin" } : { ok: false, reason: "not-found" };
  }

  await db.delete(sessions).where(eq(sessions.userId, user.id));
  await revokeUserFamilies(db, user.id, "account deleted", { now: now.getTime() });
  await recordSecurityEvent(db, { userId: user.id, type: "account-deleted", request: input.request });
  await forEachRoomOf(env, db, user.id, async (room) => {
    await room.renameAuthor(user.id, DELETED_USERNAME, DELETED_USER_NAME);
    await room.closeEndedSessions();
  });

  const purgeAt = purgeDate(now);
  // A notice: the deletion stands if the mail fails (the page said the same).
  await sendMail(
    db,
    env,
    composeMail({
      to: user.email,
      subject: "Your Alva account was deleted",
      paragraphs: [
        "Your Alva account was deleted: you were signed out everywhere and cannot sign in with it any more.",
        `It will be removed for good, with your images and messages' author name, on ${formatTime(purgeAt.getTime())}. Until then an administrator of this Alva instance can restore it if you ask them to.`,
      ],
    }),
  ).catch((error) =>
    console.error(JSON.stringify({ level: "error", msg: "notice mail failed", error: String(error) })),
  );
  return { ok: true, purgeAt };
}

/** Undoes a deletion that has not been purged yet. False when the account is not (or no longer) deleted. */
export async function restoreAccount(env: Env, db: Database, input: { userId: string; request: Request }) {
  const [user] = await db
    .update(users)
    .set({ deletedAt: null })
    .where(and(eq(users.id, input.userId), isNotNull(users.deletedAt)))
    .returning({ id: users.id, username: users.username, displayName: users.displayName });
  if (!user) return false;
  await recordSecurityEvent(db, { userId: user.id, type: "account-restored", request: input.request });
  await forEachRoomOf(env, db, user.id, (room) =>
    room.renameAuthor(user.id, user.username, user.displayName ?? user.username).then(() => undefined),
  );
  return true;
}

async function forEachRoomOf(
  env: Env,
  db: Database,
  userId: string,
  work: (room: DurableObjectStub<import("../../workers/chat-room.ts").ChatRoom>) => Promise<unknown>,
): Promise<void> {
  const rooms = await db
    .select({ id: chatRooms.id })
    .from(chatRooms)
    .innerJoin(workspaceMembers, eq(workspaceMembers.workspaceId, chatRooms.workspaceId))
    .where(eq(workspaceMembers.userId, userId));
  await Promise.all(rooms.map((room) => work(env.CHAT_ROOM.getByName(room.id))));
}

/**
 * Removes accounts deleted more than PURGE_AFTER_MS ago, a few per run: each one's workspaces nobody
 * else uses (with their rooms' Durable Object storage), its images and data exports in R2, then the
 * row (the database cascades the rest). Returns how many accounts it purged.
 */
export async function purgeDeletedAccounts(env: Env, db: Database, now = new Date()): Promise<number> {
  const due = await db
    .select({ id: users.id })
    .from(users)
    .where(and(isNotNull(users.deletedAt), lt(users.deletedAt, new Date(now.getTime() - PURGE_AFTER_MS))))
    .limit(PURGES_PER_RUN);
  for (const { id } of due) await purgeAccount(env, db, id);
  return due.length;
}

const PURGES_PER_RUN = 10;

async function purgeAccount(env: Env, db: Database, userId: string): Promise<void> {
  const owned = await db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.ownerId, userId));
  const doomed: string[] = [];
  for (const { id: workspaceId } of owned) {
    // Someone joined after the deletion (an old invitation): the workspace is theirs now, not gone.
    const [heir] = await db
      .select({ userId: workspaceMembers.userId })
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), ne(workspaceMembers.userId, userId)))
      .orderBy(asc(workspaceMembers.createdAt))
      .limit(1);
    if (heir) {
      await db.batch([
        db
          .update(workspaceMembers)
          .set({ role: "owner" })
          .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, heir.userId))),
        db.update(workspaces).set({ ownerId: heir.userId }).where(eq(workspaces.id, workspaceId)),
      ]);
    } else {
      doomed.push(workspaceId);
    }
  }

  // Logos and brand images of workspaces that stay belong to the workspace: they pass to its owner.
  await db
    .update(images)
    .set({ ownerId: sql`(select owner_id from workspaces where workspaces.id = ${images.workspaceId})` })
    .where(
      and(
        eq(images.ownerId, userId),
        isNotNull(images.workspaceId),
        doomed.length > 0 ? notInArray(images.workspaceId, doomed) : undefined,
      ),
    );
  await handOverOrganizationLogo(db, userId);
  const goneImages = await db
    .select({ r2Key: images.r2Key })
    .from(images)
    .where(
      doomed.length > 0
        ? or(eq(images.ownerId, userId), inArray(images.workspaceId, doomed))
        : eq(images.ownerId, userId),
    );
  const exports = await db.select({ r2Key: dataExports.r2Key }).from(dataExports).where(eq(dataExports.userId, userId));
  const rooms =
    doomed.length > 0
      ? await db.select({ id: chatRooms.id }).from(chatRooms).where(inArray(chatRooms.workspaceId, doomed))
      : [];

  // Bytes first, then rows: a failure in between leaves rows that the next run purges again, never
  // rows pointing at nothing served to anyone (the account is already refused everywhere).
  const keys = [
    ...goneImages.flatMap((image) => [image.r2Key, ...renditionKeys(image.r2Key)]),
    ...exports.map((archive) => archive.r2Key),
  ];
  for (let start = 0; start < keys.length; start += 1000) await env.IMAGES.delete(keys.slice(start, start + 1000));
  await Promise.all(rooms.map((room) => env.CHAT_ROOM.getByName(room.id).erase()));
  // The user's row goes with the workspaces only it used: one batch, so no half-purged account remains.
  const deleteUser = db.delete(users).where(eq(users.id, userId));
  if (doomed.length > 0) await db.batch([db.delete(workspaces).where(inArray(workspaces.id, doomed)), deleteUser]);
  else await deleteUser;
  console.log(JSON.stringify({ level: "info", msg: "account purged", userId, workspaces: doomed.length }));
}
