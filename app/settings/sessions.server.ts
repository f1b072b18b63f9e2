// The sessions a user sees at /settings/sessions, and ending one of them. Every query is scoped by
// the signed-in user's id, so a session id of someone else behaves exactly like one that never existed.
import { and, desc, eq, gt } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { sessions } from "../../db/schema.ts";
import { listLiveFamilies, revokeOwnFamily } from "../api/token-families.server.ts";

export interface SessionSummary {
  id: string;
  device: string;
  ip: string | null;
  createdAt: number;
  lastActiveAt: number;
  persistent: boolean;
}

/** The user's sessions that can still be used, most recently active first. */
export async function listActiveSessions(db: Database, userId: string, now = Date.now()): Promise<SessionSummary[]> {
  const rows = await db
    .select({
      id: sessions.id,
      device: sessions.device,
      ip: sessions.ip,
      createdAt: sessions.createdAt,
      lastActiveAt: sessions.lastActiveAt,
      persistent: sessions.persistent,
    })
    .from(sessions)
    // Expired rows linger until the cron cleanup; they are not sessions any more, so not listed.
    .where(
      and(
        eq(sessions.userId, userId),
        gt(sessions.idleExpiresAt, new Date(now)),
        gt(sessions.absoluteExpiresAt, new Date(now)),
      ),
    )
    .orderBy(desc(sessions.lastActiveAt), desc(sessions.createdAt), sessions.id);
  return rows.map((row) => ({ ...row, createdAt: row.createdAt.getTime(), lastActiveAt: row.lastActiveAt.getTime() }));
}

/**
 * Ends the session `sessionId` if, and only if, it belongs to `userId` (one statement, so there is
 * no window between the ownership check and the delete). Returns its device, or null when there
 * was no such session of this user.
 */
export async function revokeOwnSession(
  db: Database,
  userId: string,
  sessionId: string,
): Promise<{ device: string } | null> {
  const [deleted] = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ device: sessions.device });
  return deleted ?? null;
}

export interface SignInSummary extends SessionSummary {
  /** A browser session (cookie) or an API sign-in (a token family of app/api). */
  kind: "browser" | "api";
}

/** Browser sessions and API sign-ins side by side, most recently used first. */
export async function listSignIns(db: Database, userId: string, now = Date.now()): Promise<SignInSummary[]> {
  const [browser, api] = await Promise.all([listActiveSessions(db, userId, now), listLiveFamilies(db, userId, now)]);
  return [
    ...browser.map((session) => ({ ...session, kind: "browser" as const })),
    ...api.map((family) => ({
      id: family.id,
      device: family.device,
      ip: family.ip,
      createdAt: family.createdAt.getTime(),
      lastActiveAt: family.lastUsedAt.getTime(),
      persistent: true,
      kind: "api" as const,
    })),
  ].sort((a, b) => b.lastActiveAt - a.lastActiveAt || b.createdAt - a.createdAt);
}

/**
 * Ends the browser session or API sign-in `id` if it is one of `userId`'s; its device, or null. An API
 * sign-in's access tokens stop working at their next request.
 */
export async function revokeOwnSignIn(db: Database, userId: string, id: string): Promise<{ device: string } | null> {
  return (await revokeOwnSession(db, userId, id)) ?? (await revokeOwnFamily(db, userId, id, "ended by the user"));
}
