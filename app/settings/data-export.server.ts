// "Download my data" (/settings/account): one JSON archive of what Alva holds about the signed-in
// person. Requesting one inserts a `preparing` row and builds the archive after the response
// (ctx.waitUntil) into R2 at exports/<user>/<id>.json, so the page never waits for it; the page
// refreshes until it is ready. An archive that is still `preparing` after STALE_AFTER_MS died with its
// Worker and is shown as failed, with a button to try again. Archives are removed after EXPORT_LIFETIME_MS.
//
// What is "mine": the account, its sign-in providers and security log; for each workspace it owns the
// onboarding answers and plans; the chat messages it wrote in the rooms of every workspace it belongs
// to; the images it uploaded (as links). Other members' messages, answers and plans are never included.
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import {
  chatRooms,
  dataExports,
  images,
  oauthAccounts,
  onboardingAnswers,
  plans,
  planVersions,
  securityEvents,
  users,
  workspaceMembers,
  workspaces,
} from "../../db/schema.ts";
import { newId } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { imageUrl } from "../images/images.server.ts";

export const EXPORT_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
export const STALE_AFTER_MS = 2 * 60 * 1000;
export const ARCHIVE_FORMAT = "alva-data-export/1";

export type ExportState =
  | { status: "none" }
  | { status: "preparing"; id: string; requestedAt: number }
  | { status: "ready"; id: string; requestedAt: number; bytes: number; expiresAt: number }
  | { status: "failed"; id: string; requestedAt: number; error: string };

/** The newest archive of `userId`, as the page shows it. */
export async function latestExport(db: Database, userId: string, now = Date.now()): Promise<ExportState> {
  const [row] = await db
    .select()
    .from(dataExports)
    .where(eq(dataExports.userId, userId))
    .orderBy(desc(dataExports.createdAt))
    .limit(1);
  if (!row) return { status: "none" };
  const requestedAt = row.createdAt.getTime();
  if (row.status === "ready") {
    const expiresAt = requestedAt + EXPORT_LIFETIME_MS;
    return expiresAt > now
      ? { status: "ready", id: row.id, requestedAt, bytes: row.bytes ?? 0, expiresAt }
      : { status: "none" };
  }
  if (row.status === "preparing" && now - requestedAt < STALE_AFTER_MS) {
    return { status: "preparing", id: row.id, requestedAt };
  }
  return {
    status: "failed",
    id: row.id,
    requestedAt,
    error: row.error ?? "Preparing the archive was interrupted.",
  };
}

/**
 * Starts an archive unless one is already being prepared. Returns the work to run after the response
 * (pass it to ctx.waitUntil), or null when nothing new was started.
 */
export async function requestExport(
  env: Env,
  db: Database,
  input: { userId: string; request: Request; now?: number },
): Promise<(() => Promise<void>) | null> {
  const now = input.now ?? Date.now();
  const current = await latestExport(db, input.userId, now);
  if (current.status === "preparing") return null;
  const id = newId();
  const r2Key = `exports/${input.userId}/${id}.json`;
  await db
    .insert(dataExports)
    .values({ id, userId: input.userId, status: "preparing", r2Key, createdAt: new Date(now) });
  return async () => {
    try {
      const archive = JSON.stringify(await buildArchive(env, db, input.userId, now), null, 2);
      const bytes = new TextEncoder().encode(archive);
      await env.IMAGES.put(r2Key, bytes, { httpMetadata: { contentType: "application/json" } });
      await db
        .update(dataExports)
        .set({ status: "ready", bytes: bytes.byteLength, finishedAt: new Date() })
        .where(eq(dataExports.id, id));
      await recordSecurityEvent(db, { userId: input.userId, type: "data-exported", request: input.request });
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "data export failed", exportId: id, error: String(error) }));
      await db
        .update(dataExports)
        .set({ status: "failed", error: "Something went wrong while preparing it.", finishedAt: new Date() })
        .where(eq(dataExports.id, id));
    }
  };
}

/** The archive's bytes when `exportId` is a ready, unexpired archive of `userId`; otherwise null. */
export async function readExport(env: Env, db: Database, userId: string, exportId: string, now = Date.now()) {
  const [row] = await db
    .select()
    .from(dataExports)
    .where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId), eq(dataExports.status, "ready")))
    .limit(1);
  if (!row || row.createdAt.getTime() + EXPORT_LIFETIME_MS <= now) return null;
  return env.IMAGES.get(row.r2Key);
}

/** Cron: removes archives past their lifetime (R2 object, then row). */
export async function deleteExpiredExports(env: Env, db: Database, now = new Date()): Promise<number> {
  const expired = await db
    .select({ id: dataExports.id, r2Key: dataExports.r2Key })
    .from(dataExports)
    .where(lt(dataExports.createdAt, new Date(now.getTime() - EXPORT_LIFETIME_MS)))
    .limit(500);
  if (expired.length === 0) return 0;
  await env.IMAGES.delete(expired.map((row) => row.r2Key));
  await db.delete(dataExports).where(
    inArray(
      dataExports.id,
      expired.map((row) => row.id),
    ),
  );
  return expired.length;
}

export async function buildArchive(env: Env, db: Database, userId: string, now = Date.now()) {
  const [user] = await db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      displayName: users.displayName,
      role: users.role,
      hasPassword: users.passwordHash,
      emailVerifiedAt: users.emailVerifiedAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new Error("no such user");

  const memberships = await db
    .select({
      id: workspaces.id,
      name: workspaces.name,
      role: workspaceMembers.role,
      joinedAt: workspaceMembers.createdAt,
    })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(eq(workspaceMembers.userId, userId));
  const owned = memberships.filter((membership) => membership.role === "owner").map((membership) => membership.id);

  const answers =
    owned.length > 0
      ? await db
          .select({
            workspaceId: onboardingAnswers.workspaceId,
            cardId: onboardingAnswers.cardId,
            value: onboardingAnswers.value,
            skipped: onboardingAnswers.skipped,
            updatedAt: onboardingAnswers.updatedAt,
          })
          .from(onboardingAnswers)
          .where(inArray(onboardingAnswers.workspaceId, owned))
      : [];
  const planRows =
    owned.length > 0
      ? await db
          .select({
            id: plans.id,
            workspaceId: plans.workspaceId,
            model: plans.model,
            createdAt: plans.createdAt,
            document: planVersions.document,
          })
          .from(plans)
          .innerJoin(
            planVersions,
            and(eq(planVersions.planId, plans.id), eq(planVersions.version, plans.currentVersion)),
          )
          .where(inArray(plans.workspaceId, owned))
      : [];

  const rooms =
    memberships.length > 0
      ? await db
          .select({ id: chatRooms.id, name: chatRooms.name, workspaceId: chatRooms.workspaceId })
          .from(chatRooms)
          .where(
            inArray(
              chatRooms.workspaceId,
              memberships.map((membership) => membership.id),
            ),
          )
      : [];
  const messages = (
    await Promise.all(
      rooms.map(async (room) =>
        (
          await env.CHAT_ROOM.getByName(room.id).messagesBy(userId)
        ).map((message) => ({
          room: room.name,
          workspaceId: room.workspaceId,
          text: message.text,
          createdAt: new Date(message.createdAt).toISOString(),
          editedAt: message.editedAt ? new Date(message.editedAt).toISOString() : null,
        })),
      ),
    )
  ).flat();

  const providers = await db
    .select({ provider: oauthAccounts.provider, email: oauthAccounts.email, linkedAt: oauthAccounts.createdAt })
    .from(oauthAccounts)
    .where(eq(oauthAccounts.userId, userId));
  const security = await db
    .select({
      type: securityEvents.type,
      ip: securityEvents.ip,
      device: securityEvents.device,
      detail: securityEvents.detail,
      at: securityEvents.createdAt,
    })
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId))
    .orderBy(securityEvents.createdAt);
  const imageRows = await db
    .select({
      id: images.id,
      kind: images.kind,
      workspaceId: images.workspaceId,
      contentType: images.contentType,
      bytes: images.bytes,
      createdAt: images.createdAt,
    })
    .from(images)
    .where(eq(images.ownerId, userId));
  const origin = new URL(env.APP_URL).origin;

  return {
    format: ARCHIVE_FORMAT,
    exportedAt: new Date(now).toISOString(),
    about:
      "Everything Alva holds about you: your account, the onboarding answers and plans of the workspaces you own, the chat messages you wrote, your security log, and links to the images you uploaded (the links work while you are signed in).",
    account: {
      id: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      hasPassword: user.hasPassword !== null,
      emailVerifiedAt: user.emailVerifiedAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
      signInProviders: providers.map((provider) => ({ ...provider, linkedAt: provider.linkedAt.toISOString() })),
    },
    workspaces: memberships.map((membership) => ({
      id: membership.id,
      name: membership.name,
      role: membership.role,
      joinedAt: membership.joinedAt.toISOString(),
      onboardingAnswers: answers
        .filter((answer) => answer.workspaceId === membership.id)
        .map((answer) => ({
          card: answer.cardId,
          skipped: answer.skipped,
          value: parseJson(answer.value),
          updatedAt: answer.updatedAt.toISOString(),
        })),
      plans: planRows
        .filter((plan) => plan.workspaceId === membership.id)
        .map((plan) => ({
          id: plan.id,
          model: plan.model,
          createdAt: plan.createdAt.toISOString(),
          document: parseJson(plan.document),
        })),
    })),
    chatMessages: messages,
    securityLog: security.map((event) => ({ ...event, at: event.at.toISOString() })),
    images: imageRows.map((image) => ({
      id: image.id,
      kind: image.kind,
      workspaceId: image.workspaceId,
      contentType: image.contentType,
      bytes: image.bytes,
      createdAt: image.createdAt.toISOString(),
      url: `${origin}${imageUrl(image.id)}`,
    })),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
