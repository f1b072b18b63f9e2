// The rooms of a workspace (their messages live in each room's ChatRoom Durable Object). Every room
// lookup goes through requireRoom, which checks that the user is a member of the room's workspace and,
// for a private "Ask Alva" room, that it is theirs: anything else is a 404.
import { and, asc, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import type { RouterContextProvider } from "react-router";
import type { Database } from "../../db/client.ts";
import { type ChatRoomKind, chatRooms, sessions, users, workspaceMembers } from "../../db/schema.ts";
import { usableAccount } from "../accounts/account-status.ts";
import { newId } from "../accounts/secrets.server.ts";
import { httpError } from "../platform/http-error.ts";
import type { WorkspaceRole } from "../workspaces/workspaces.server.ts";

export interface Room {
  id: string;
  workspaceId: string;
  kind: ChatRoomKind;
  name: string;
  topic: string | null;
  archived: boolean;
}

const roomColumns = {
  id: chatRooms.id,
  workspaceId: chatRooms.workspaceId,
  kind: chatRooms.kind,
  name: chatRooms.name,
  topic: chatRooms.topic,
  archived: sql<boolean>`${chatRooms.archivedAt} IS NOT NULL`.mapWith(Boolean),
};

const visibleTo = (userId: string) => or(sql`${chatRooms.kind} <> 'alva'`, eq(chatRooms.ownerId, userId));

function roomNotFound(context: Readonly<RouterContextProvider>): never {
  httpError(context, 404, "There is no such room, or you are not a member of its workspace.");
}

/** The workspace's general room and the user's own "Ask Alva" room, created the first time they are needed. */
export async function ensureRooms(db: Database, workspaceId: string, userId: string): Promise<void> {
  const now = new Date();
  await db.batch([
    db
      .insert(chatRooms)
      .values({
        id: newId(),
        workspaceId,
        kind: "general",
        name: "general",
        topic: "Everything, with everyone",
        createdAt: now,
      })
      .onConflictDoNothing(),
    db
      .insert(chatRooms)
      .values({
        id: newId(),
        workspaceId,
        kind: "alva",
        name: "Ask Alva",
        topic: "Just you and Alva",
        ownerId: userId,
        createdBy: userId,
        createdAt: now,
      })
      .onConflictDoNothing(),
  ]);
}

/** The rooms the user sees in a workspace: shared ones and their own Ask Alva room; archived last. */
export async function listRooms(db: Database, workspaceId: string, userId: string): Promise<Room[]> {
  return db
    .select(roomColumns)
    .from(chatRooms)
    .where(and(eq(chatRooms.workspaceId, workspaceId), visibleTo(userId)))
    .orderBy(
      sql`${chatRooms.archivedAt} IS NOT NULL`,
      sql`CASE ${chatRooms.kind} WHEN 'general' THEN 0 WHEN 'alva' THEN 2 ELSE 1 END`,
      asc(chatRooms.name),
    );
}

export interface RoomAccess {
  room: Room;
  role: WorkspaceRole;
}

/** The room and the user's role in its workspace, or a 404 (not a member, someone else's Alva room, no room). */
export async function requireRoom(
  context: Readonly<RouterContextProvider>,
  db: Database,
  roomId: string,
  userId: string,
): Promise<RoomAccess> {
  if (!/^[0-9a-f-]{36}$/.test(roomId)) roomNotFound(context);
  const [row] = await db
    .select({ ...roomColumns, role: workspaceMembers.role })
    .from(chatRooms)
    .innerJoin(
      workspaceMembers,
      and(eq(workspaceMembers.workspaceId, chatRooms.workspaceId), eq(workspaceMembers.userId, userId)),
    )
    .where(and(eq(chatRooms.id, roomId), visibleTo(userId)))
    .limit(1);
  if (!row) roomNotFound(context);
  const { role, ...room } = row;
  return { room, role };
}

export async function createRoom(
  db: Database,
  input: { workspaceId: string; userId: string; name: string; topic: string | null },
): Promise<string> {
  const id = newId();
  await db.insert(chatRooms).values({
    id,
    workspaceId: input.workspaceId,
    kind: "topic",
    name: input.name,
    topic: input.topic,
    createdBy: input.userId,
    createdAt: new Date(),
  });
  return id;
}

/** Renames a shared room (the general room keeps its name; an Alva room is not renamed). */
export async function renameRoom(db: Database, roomId: string, name: string, topic: string | null): Promise<boolean> {
  const updated = await db
    .update(chatRooms)
    .set({ name, topic })
    .where(and(eq(chatRooms.id, roomId), eq(chatRooms.kind, "topic")))
    .returning({ id: chatRooms.id });
  return updated.length > 0;
}

/** Archives (or restores) a topic room: it stays readable, posting stops. */
export async function setArchived(db: Database, roomId: string, archived: boolean): Promise<boolean> {
  const updated = await db
    .update(chatRooms)
    .set({ archivedAt: archived ? new Date() : null })
    .where(and(eq(chatRooms.id, roomId), eq(chatRooms.kind, "topic")))
    .returning({ id: chatRooms.id });
  return updated.length > 0;
}

/** Usernames of the workspace's members, for @mention highlighting. */
export async function memberUsernames(db: Database, workspaceId: string): Promise<string[]> {
  const rows = await db
    .select({ username: users.username })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    // A deleted account cannot be mentioned: it shows as "deleted user" until it is purged.
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), isNull(users.deletedAt)));
  return rows.map((row) => row.username);
}

/**
 * For the ChatRoom object's periodic check: of the given sockets' (session, user) pairs, the session
 * ids whose session is still valid and whose user is still a member of the workspace.
 */
export async function liveSessions(
  db: Database,
  workspaceId: string,
  sockets: { sessionId: string; userId: string }[],
  now = Date.now(),
): Promise<Set<string>> {
  if (sockets.length === 0) return new Set();
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(
      workspaceMembers,
      and(eq(workspaceMembers.userId, sessions.userId), eq(workspaceMembers.workspaceId, workspaceId)),
    )
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        ...usableAccount(),
        inArray(
          sessions.id,
          sockets.map((socket) => socket.sessionId),
        ),
        gt(sessions.idleExpiresAt, new Date(now)),
        gt(sessions.absoluteExpiresAt, new Date(now)),
      ),
    );
  return new Set(rows.map((row) => row.id));
}
