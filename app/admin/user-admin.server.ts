// One account as an admin sees it (/admin/users/:id) and what an admin does to it: disable, enable,
// sign out everywhere, resend the verification mail. Each change and its audit entry (and the user's
// own security-log line) are written in one batch, so there is never a change without its record.
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import {
  apiTokenFamilies,
  chatRooms,
  oauthAccounts,
  sessions,
  users,
  workspaceMembers,
  workspaces,
} from "../../db/schema.ts";
import { listSecurityEvents, securityEventInsert } from "../accounts/security-log.server.ts";
import type { User } from "../accounts/session.server.ts";
import { sendMail } from "../email-flows/emails.server.ts";
import { prepareVerification } from "../email-flows/verification.server.ts";
import { listSignIns } from "../settings/sessions.server.ts";
import { type AuditEntry, auditInsert } from "./audit.server.ts";
import { statusOf } from "./user-list.server.ts";

export async function findUser(db: Database, id: string): Promise<User | undefined> {
  if (id.length > 64) return undefined;
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

/** Everything the user's admin page shows; never a password hash, token or code. */
export async function userDetail(db: Database, user: User) {
  const [memberships, signIns, providers, events] = await Promise.all([
    db
      .select({
        id: workspaces.id,
        name: workspaces.name,
        role: workspaceMembers.role,
        joinedAt: workspaceMembers.createdAt,
      })
      .from(workspaceMembers)
      .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
      .where(eq(workspaceMembers.userId, user.id))
      .orderBy(workspaces.name, workspaces.id),
    listSignIns(db, user.id),
    db
      .select({ provider: oauthAccounts.provider, email: oauthAccounts.email, createdAt: oauthAccounts.createdAt })
      .from(oauthAccounts)
      .where(eq(oauthAccounts.userId, user.id))
      .orderBy(oauthAccounts.provider),
    listSecurityEvents(db, user.id, 50),
  ]);
  return {
    profile: {
      id: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      status: statusOf(user),
      hasPassword: user.passwordHash !== null,
      emailVerifiedAt: user.emailVerifiedAt?.getTime() ?? null,
      disabledAt: user.disabledAt?.getTime() ?? null,
      deletedAt: user.deletedAt?.getTime() ?? null,
      createdAt: user.createdAt.getTime(),
    },
    workspaces: memberships.map((row) => ({ ...row, joinedAt: row.joinedAt.getTime() })),
    signIns,
    providers: providers.map((row) => ({ ...row, createdAt: row.createdAt.getTime() })),
    events: events.map((event) => ({
      id: event.id,
      type: event.type,
      ip: event.ip,
      device: event.device,
      detail: event.detail,
      createdAt: event.createdAt.getTime(),
    })),
  };
}

interface ActorInput {
  actor: AuditEntry["actor"];
  target: User;
  request: Request;
}

const targetOf = (user: User) => ({ userId: user.id, label: user.username });

/** The statements that end every browser session and API sign-in of `userId`. */
function endAllSignIns(db: Database, userId: string, reason: string) {
  return [
    db.delete(sessions).where(eq(sessions.userId, userId)),
    db
      .update(apiTokenFamilies)
      .set({ revokedAt: new Date(), revokedReason: reason })
      .where(and(eq(apiTokenFamilies.userId, userId), isNull(apiTokenFamilies.revokedAt))),
  ] as const;
}

export type StatusChange = { outcome: "changed" } | { outcome: "unchanged" } | { outcome: "self" };

/**
 * Disables the account: it cannot sign in or use the API (account-status.ts), and its sessions and API
 * sign-ins end in the same batch. Its open chat sockets are closed by closeChatSockets afterwards.
 */
export async function disableUser(db: Database, input: ActorInput): Promise<StatusChange> {
  const { actor, target, request } = input;
  if (target.id === actor.id) return { outcome: "self" };
  if (target.disabledAt) return { outcome: "unchanged" };
  await db.batch([
    db
      .update(users)
      .set({ disabledAt: new Date() })
      .where(and(eq(users.id, target.id), isNull(users.disabledAt))),
    ...endAllSignIns(db, target.id, "account disabled"),
    auditInsert(db, { actor, action: "user.disable", target: targetOf(target), request }),
    securityEventInsert(db, { userId: target.id, type: "account-disabled", request, detail: `by @${actor.username}` }),
  ]);
  return { outcome: "changed" };
}

export async function enableUser(db: Database, input: ActorInput): Promise<StatusChange> {
  const { actor, target, request } = input;
  if (!target.disabledAt) return { outcome: "unchanged" };
  await db.batch([
    db.update(users).set({ disabledAt: null }).where(eq(users.id, target.id)),
    auditInsert(db, { actor, action: "user.enable", target: targetOf(target), request }),
    securityEventInsert(db, { userId: target.id, type: "account-enabled", request, detail: `by @${actor.username}` }),
  ]);
  return { outcome: "changed" };
}

/** Ends every session and API sign-in of the target; returns how many there were. */
export async function signOutEverywhere(db: Database, input: ActorInput): Promise<number> {
  const { actor, target, request } = input;
  const [ended, revoked] = await db.batch([
    db.delete(sessions).where(eq(sessions.userId, target.id)).returning({ id: sessions.id }),
    db
      .update(apiTokenFamilies)
      .set({ revokedAt: new Date(), revokedReason: "signed out by an administrator" })
      .where(and(eq(apiTokenFamilies.userId, target.id), isNull(apiTokenFamilies.revokedAt)))
      .returning({ id: apiTokenFamilies.id }),
    auditInsert(db, { actor, action: "user.sign-out-everywhere", target: targetOf(target), request }),
    securityEventInsert(db, {
      userId: target.id,
      type: "signed-out-by-admin",
      request,
      detail: `by @${actor.username}`,
    }),
  ]);
  return ended.length + revoked.length;
}

export type ResendOutcome = { outcome: "sent" } | { outcome: "already-verified" } | { outcome: "refused" };

/** A new verification mail for an unverified, usable account; the earlier code stops working. */
export async function resendVerification(db: Database, env: Env, input: ActorInput): Promise<ResendOutcome> {
  const { actor, target, request } = input;
  if (target.emailVerifiedAt) return { outcome: "already-verified" };
  if (target.disabledAt || target.deletedAt) return { outcome: "refused" };
  const verification = prepareVerification(db, env, {
    user: target,
    email: target.email,
    purpose: "verify-email",
    request,
  });
  await db.batch([
    ...verification.statements,
    auditInsert(db, { actor, action: "user.resend-verification", target: targetOf(target), request }),
  ]);
  await sendMail(db, env, verification.mail);
  return { outcome: "sent" };
}

/**
 * Closes at once the user's open chat sockets whose session has ended: every room of every workspace
 * they belong to re-checks its sockets now instead of at its next minute (decision 0080). A room with
 * nobody connected answers without asking the database.
 */
export async function closeChatSockets(db: Database, env: Env, userId: string): Promise<number> {
  const rooms = await db
    .select({ id: chatRooms.id })
    .from(chatRooms)
    .where(
      inArray(
        chatRooms.workspaceId,
        db
          .select({ id: workspaceMembers.workspaceId })
          .from(workspaceMembers)
          .where(eq(workspaceMembers.userId, userId)),
      ),
    );
  const closed = await Promise.all(rooms.map((room) => env.CHAT_ROOM.getByName(room.id).closeEndedSessions()));
  return closed.reduce((sum, count) => sum + count, 0);
}
