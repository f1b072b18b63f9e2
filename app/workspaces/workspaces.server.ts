// Workspaces a user belongs to, their members and roles. Every function that touches a workspace by id
// takes the acting user and checks their membership first: a workspace they are not in is a 404
// (indistinguishable from one that does not exist), an owner-only action by a member is a 403.
import { and, asc, eq, sql } from "drizzle-orm";
import type { RouterContextProvider } from "react-router";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { users, workspaceMembers, workspaces } from "../../db/schema.ts";
import { newId } from "../accounts/secrets.server.ts";
import { httpError } from "../platform/http-error.ts";

export type WorkspaceRole = (typeof workspaceMembers.$inferSelect)["role"];

export interface Membership {
  workspaceId: string;
  name: string;
  role: WorkspaceRole;
}

type Context = Readonly<RouterContextProvider>;

function notFound(context: Context): never {
  httpError(context, 404, "There is no such workspace, or you are not a member of it.");
}

function ownersOnly(context: Context): never {
  httpError(context, 403, "Only the workspace's owners can do that.");
}

/** Every workspace the user belongs to, by name. */
export async function listMemberships(db: Database, userId: string): Promise<Membership[]> {
  return db
    .select({ workspaceId: workspaces.id, name: workspaces.name, role: workspaceMembers.role })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(eq(workspaceMembers.userId, userId))
    .orderBy(asc(workspaces.name), asc(workspaces.id));
}

/** The user's membership of `workspaceId`, or a 404. */
export async function requireMember(
  context: Context,
  db: Database,
  workspaceId: string,
  userId: string,
): Promise<Membership> {
  const [row] = await db
    .select({ workspaceId: workspaces.id, name: workspaces.name, role: workspaceMembers.role })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .limit(1);
  if (!row) notFound(context);
  return row;
}

/** requireMember, then a 403 unless the user is an owner. */
export async function requireOwner(
  context: Context,
  db: Database,
  workspaceId: string,
  userId: string,
): Promise<Membership> {
  const membership = await requireMember(context, db, workspaceId, userId);
  if (membership.role !== "owner") ownersOnly(context);
  return membership;
}

/** Makes `workspaceId` the user's current workspace (see currentWorkspace); 404 unless a member. */
export async function selectWorkspace(
  context: Context,
  db: Database,
  userId: string,
  workspaceId: string,
): Promise<void> {
  const updated = await db
    .update(workspaceMembers)
    .set({ selectedAt: new Date() })
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .returning({ workspaceId: workspaceMembers.workspaceId });
  if (updated.length === 0) notFound(context);
}

/** A new workspace owned by the user, selected as their current one (its onboarding starts empty). */
export async function createWorkspace(db: Database, userId: string, name: string): Promise<string> {
  const id = newId();
  const now = new Date();
  await db.batch([
    db.insert(workspaces).values({ id, name, ownerId: userId, createdAt: now }),
    db.insert(workspaceMembers).values({ workspaceId: id, userId, role: "owner", createdAt: now, selectedAt: now }),
  ]);
  return id;
}

export interface Member {
  userId: string;
  username: string;
  displayName: string | null;
  email: string;
  role: WorkspaceRole;
}

export async function listMembers(db: Database, workspaceId: string): Promise<Member[]> {
  return db
    .select({
      userId: users.id,
      username: users.username,
      displayName: users.displayName,
      email: users.email,
      role: workspaceMembers.role,
    })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .orderBy(sql`${workspaceMembers.role} <> 'owner'`, asc(users.username));
}

export type MembershipChange =
  | { ok: true }
  | { ok: false; reason: "last-owner" | "not-member" | "already-owner"; message: string };

const lastOwner: MembershipChange = {
  ok: false,
  reason: "last-owner",
  message: "A workspace needs an owner: transfer ownership to another member before you leave.",
};

/**
 * Removes `userId` from the workspace (an owner removing a member, or a member leaving). The last
 * owner cannot go: the delete only happens while another owner remains, checked in the same statement.
 */
export async function removeMembership(db: Database, workspaceId: string, userId: string): Promise<MembershipChange> {
  const deleted = await db
    .delete(workspaceMembers)
    .where(
      and(
        eq(workspaceMembers.workspaceId, workspaceId),
        eq(workspaceMembers.userId, userId),
        sql`(${workspaceMembers.role} <> 'owner' OR (SELECT count(*) FROM workspace_members AS o
              WHERE o.workspace_id = ${workspaceId} AND o.role = 'owner') > 1)`,
      ),
    )
    .returning({ userId: workspaceMembers.userId });
  if (deleted.length > 0) return { ok: true };
  const [still] = await db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  return still
    ? lastOwner
    : { ok: false, reason: "not-member", message: "That person is not a member of this workspace." };
}

/** Makes `toUserId` (a member) the owner; `fromUserId` stays as a member. */
export async function transferOwnership(
  db: Database,
  input: { workspaceId: string; fromUserId: string; toUserId: string },
): Promise<MembershipChange> {
  const { workspaceId, fromUserId, toUserId } = input;
  if (fromUserId === toUserId)
    return { ok: false, reason: "already-owner", message: "You already own this workspace." };
  const [target] = await db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, toUserId)));
  if (!target) return { ok: false, reason: "not-member", message: "That person is not a member of this workspace." };
  const member = (userId: string) =>
    and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId));
  await db.batch([
    db.update(workspaceMembers).set({ role: "owner" }).where(member(toUserId)),
    db.update(workspaceMembers).set({ role: "member" }).where(member(fromUserId)),
    db.update(workspaces).set({ ownerId: toUserId }).where(eq(workspaces.id, workspaceId)),
  ]);
  return { ok: true };
}

/** A new workspace's name, as the form on /workspaces and POST /api/v1/workspaces take it. */
export const newWorkspaceSchema = z.object({
  name: z.string({ error: "Give the workspace a name." }).trim().min(1, "Give the workspace a name.").max(80),
});
