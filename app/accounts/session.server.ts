// Sessions: the cookie holds `<id>.<secret>`; the database holds the id and SHA-256(secret).
// Idle timeout 10 days (moved forward at most hourly), absolute cap 30 days, a new token at every
// sign-in, and at most MAX_SESSIONS_PER_USER sessions per user (the oldest end first).
import { and, asc, eq, lt, ne, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { type SecurityEventType, sessions, userLastActive, users } from "../../db/schema.ts";
import { revokeUserFamilies } from "../api/token-families.server.ts";
import { isSecureRequest, readCookie, setCookie } from "../platform/cookies.server.ts";
import { type AccountRefusal, accountRefusal } from "./account-status.ts";
import { clientIp } from "./client-ip.server.ts";
import { describeDevice } from "./device.ts";
import { hashSecret, randomSecret, secretMatches } from "./secrets.server.ts";
import { recordSecurityEvent } from "./security-log.server.ts";

export const IDLE_TIMEOUT_MS = 10 * 24 * 60 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 30 * 24 * 60 * 60 * 1000;
export const REFRESH_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_SESSIONS = 10;

export type Session = typeof sessions.$inferSelect;
export type User = typeof users.$inferSelect;

export interface NewSession {
  token: string;
  session: Session;
}

/** MAX_SESSIONS_PER_USER from env (the one place it is read); DEFAULT_MAX_SESSIONS when unset or not a number. */
export function maxSessionsPerUser(env: Pick<Env, "MAX_SESSIONS_PER_USER">): number {
  const configured = Number(env.MAX_SESSIONS_PER_USER);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_SESSIONS;
}

/**
 * Signs `userId` in on this request: every sign-in path (password, e-mailed link, OAuth, setup wizard,
 * API tokens to come) starts its session here. It ends the session the browser already carried, if
 * its secret proves it (a fresh token at every sign-in: no session fixation, and no ending someone
 * else's session by its id), creates the new one within the per-user limit, records the security event
 * and returns the Set-Cookie value to send.
 */
export async function startSession(
  db: Database,
  env: Pick<Env, "MAX_SESSIONS_PER_USER">,
  input: {
    userId: string;
    persistent: boolean;
    request: Request;
    event: { type: Extract<SecurityEventType, "sign-in" | "magic-link-sign-in">; detail?: string };
  },
): Promise<string> {
  const { userId, persistent, request } = input;
  await endPresentedSession(db, request);
  const { token, session } = await createSession(db, {
    userId,
    persistent,
    request,
    maxSessions: maxSessionsPerUser(env),
  });
  await recordSecurityEvent(db, { userId, request, ...input.event });
  return sessionCookie(request, token, session);
}

export async function createSession(
  db: Database,
  input: { userId: string; persistent: boolean; request: Request; maxSessions?: number; now?: number },
): Promise<NewSession> {
  const now = input.now ?? Date.now();
  const id = randomSecret(10);
  const secret = randomSecret(20);
  const session: Session = {
    id,
    secretHash: hashSecret(secret),
    userId: input.userId,
    createdAt: new Date(now),
    lastActiveAt: new Date(now),
    idleExpiresAt: new Date(now + IDLE_TIMEOUT_MS),
    absoluteExpiresAt: new Date(now + ABSOLUTE_TIMEOUT_MS),
    persistent: input.persistent,
    ip: clientIp(input.request),
    device: describeDevice(input.request.headers.get("User-Agent")),
  };
  await db.batch([db.insert(sessions).values(session), ...activityStatements(db, input.userId, now)]);
  await endSessionsBeyondLimit(db, input.userId, input.maxSessions ?? DEFAULT_MAX_SESSIONS);
  return { token: `${id}.${secret}`, session };
}

async function endSessionsBeyondLimit(db: Database, userId: string, maxSessions: number) {
  const all = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(asc(sessions.createdAt), asc(sessions.id));
  const excess = all.slice(0, Math.max(0, all.length - maxSessions));
  for (const { id } of excess) await db.delete(sessions).where(eq(sessions.id, id));
}

export interface ValidSession {
  session: Session;
  user: User;
  /** The idle deadline moved: the cookie should be sent again (persistent cookies carry it). */
  refreshed: boolean;
}

/** `<id>.<secret>` split, or null when the token cannot be one of ours. */
function parseSessionToken(token: string): { id: string; secret: string } | null {
  const match = /^([a-z2-7]{16})\.([a-z2-7]{32})$/.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/**
 * The session `token` names and its user; null when it is unknown, tampered or expired; the refusal
 * when the account is disabled or deleted (the session is ended either way).
 */
export async function validateSessionToken(
  db: Database,
  token: string,
  now = Date.now(),
): Promise<ValidSession | { refusal: AccountRefusal } | null> {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  const rows = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, parsed.id))
    .limit(1);
  const row = rows[0];
  if (!row || !secretMatches(parsed.secret, row.session.secretHash)) return null;
  const { session } = row;
  // A disabled or deleted account's sessions end at its next request, whichever flow forgot to end them.
  const refusal = accountRefusal(row.user);
  if (refusal || now >= session.idleExpiresAt.getTime() || now >= session.absoluteExpiresAt.getTime()) {
    await db.delete(sessions).where(eq(sessions.id, session.id));
    return refusal ? { refusal } : null;
  }
  // A new UTC day refreshes too, so the day's activity row (for /admin/stats) is written on its first request.
  const today = utcDay(now);
  if (now - session.lastActiveAt.getTime() < REFRESH_INTERVAL_MS && utcDay(session.lastActiveAt.getTime()) === today) {
    return { ...row, refreshed: false };
  }

  const idleExpiresAt = new Date(Math.min(now + IDLE_TIMEOUT_MS, session.absoluteExpiresAt.getTime()));
  await db.batch([
    db
      .update(sessions)
      .set({ lastActiveAt: new Date(now), idleExpiresAt })
      .where(eq(sessions.id, session.id)),
    ...activityStatements(db, session.userId, now),
  ]);
  return { user: row.user, session: { ...session, lastActiveAt: new Date(now), idleExpiresAt }, refreshed: true };
}

/** The UTC calendar day of `ms` as YYYY-MM-DD: the unit of the activity roll-up. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The activity roll-up of /admin/stats (decision 0105): the day's count goes up when the account's last
 * active day is not yet today (checked in the same batch, before it moves), then the day moves.
 */
function activityStatements(db: Database, userId: string, now: number) {
  const day = utcDay(now);
  return [
    db.run(sql`INSERT INTO active_user_days (day, users)
      SELECT ${day}, 1 WHERE NOT EXISTS (SELECT 1 FROM user_last_active WHERE user_id = ${userId} AND day >= ${day})
      ON CONFLICT (day) DO UPDATE SET users = users + 1`),
    db
      .insert(userLastActive)
      .values({ userId, day })
      .onConflictDoUpdate({
        target: userLastActive.userId,
        set: { day: sql`max(${userLastActive.day}, excluded.day)` },
      }),
  ] as const;
}

export async function deleteSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/**
 * Ends the session this request's cookie holds, but only when the cookie's secret matches it: an id
 * alone (seen in a log, say) must not let anyone end someone else's session.
 */
async function endPresentedSession(db: Database, request: Request): Promise<void> {
  const parsed = parseSessionToken(readSessionToken(request) ?? "");
  if (!parsed) return;
  const [row] = await db
    .select({ secretHash: sessions.secretHash })
    .from(sessions)
    .where(eq(sessions.id, parsed.id))
    .limit(1);
  if (row && secretMatches(parsed.secret, row.secretHash)) await deleteSession(db, parsed.id);
}

/**
 * Ends every session of the user, or every one but `exceptSessionId`, and revokes every API sign-in
 * (token family, app/api): each caller (password reset or change, sign-out everywhere else, an address
 * proved by a link) means "nobody else stays signed in", and an API client is somebody else. Returns
 * how many sessions and API sign-ins it ended.
 */
export async function deleteUserSessions(db: Database, userId: string, exceptSessionId?: string): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(
      exceptSessionId
        ? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId))
        : eq(sessions.userId, userId),
    )
    .returning({ id: sessions.id });
  const revokedFamilies = await revokeUserFamilies(db, userId, "signed out everywhere");
  return deleted.length + revokedFamilies;
}

export async function deleteExpiredSessions(db: Database, now = Date.now()): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(or(lt(sessions.idleExpiresAt, new Date(now)), lt(sessions.absoluteExpiresAt, new Date(now))))
    .returning({ id: sessions.id });
  return deleted.length;
}

// ── The cookie ──────────────────────────────────────────────────────────────────────────────
// `__Host-alva_session` over https (Secure, Path=/, no Domain), `alva_session` on local http; always
// HttpOnly and SameSite=Lax (platform/cookies.server.ts).

export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-alva_session" : "alva_session";
}

export function readSessionToken(request: Request): string | null {
  return readCookie(request, sessionCookieName(isSecureRequest(request)));
}

export function sessionCookie(
  request: Request,
  token: string,
  session: Pick<Session, "persistent" | "idleExpiresAt">,
): string {
  return setCookie(request, sessionCookieName(isSecureRequest(request)), token, [
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    isSecureRequest(request) && "Secure",
    // Without "remember me" the cookie has no expiry: the browser forgets it when it closes.
    session.persistent && `Expires=${session.idleExpiresAt.toUTCString()}`,
  ]);
}

export function clearedSessionCookie(request: Request): string {
  return setCookie(request, sessionCookieName(isSecureRequest(request)), "", [
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    "Max-Age=0",
  ]);
}
