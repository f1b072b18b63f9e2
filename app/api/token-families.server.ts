// API sign-ins as token families (docs/decisions/0090-api-tokens.md). A family is one sign-in of an
// app or script: the chain of refresh tokens it was given, each used once and replaced. The refresh
// token is 256 random bits; the database keeps only its SHA-256 (secrets.server.ts, as for sessions).
//   - 7 days idle (every refresh moves it), 30 days absolute from sign-in;
//   - presenting a token that was already rotated is reuse: someone else holds a copy, so the whole
//     family is revoked and a security event recorded — except within REUSE_GRACE_MS of its rotation,
//     which is a client's own concurrent retry: that request is refused and nothing else happens;
//   - revocation (sign-out, DELETE /auth/sessions/:id, password reset, sign-out everywhere) stops the
//     family's access tokens at their next request, because every API request looks the family up.
import { and, asc, eq, isNull, lt, ne, or } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { apiIdempotencyKeys, apiRefreshTokens, apiTokenFamilies, users } from "../../db/schema.ts";
import { type AccountRefusal, accountRefusal } from "../accounts/account-status.ts";
import { clientIp } from "../accounts/client-ip.server.ts";
import { describeDevice } from "../accounts/device.ts";
import { hashSecret, randomSecret } from "../accounts/secrets.server.ts";
import { recordSecurityEvent, securityEventInsert } from "../accounts/security-log.server.ts";
import type { User } from "../accounts/session.server.ts";

export const REFRESH_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const REFRESH_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
/** A rotated token presented again this soon is taken for the client's own concurrent retry. */
export const REUSE_GRACE_MS = 10_000;
/** Live API sign-ins per user; past it the oldest is revoked (a script signing in in a loop). */
export const MAX_FAMILIES_PER_USER = 20;
/** Revoked and expired families are kept this long (listed as ended), then deleted by the cron. */
const KEEP_ENDED_MS = 24 * 60 * 60 * 1000;

export type TokenFamily = typeof apiTokenFamilies.$inferSelect;

const REFRESH_TOKEN_PREFIX = "alva_rt_";
/** 32 random bytes: 256 bits, as base32 (52 characters). */
const REFRESH_TOKEN_PATTERN = /^alva_rt_[a-z2-7]{52}$/;

function newRefreshToken(): string {
  return `${REFRESH_TOKEN_PREFIX}${randomSecret(32)}`;
}

/**
 * A name for the sign-in's client: a browser's as on the web ("Firefox on Linux"); for an app or a
 * script (what the API mostly serves) its first product token ("alva-cli/1.0", "curl/8.5.0").
 */
export function describeApiClient(userAgent: string | null): string {
  const described = describeDevice(userAgent);
  if (!userAgent || !described.startsWith("Unknown browser")) return described;
  const product = /^[\w.!#$%&'*+^`|~-]{1,40}(?:\/[\w.!#$%&'*+^`|~-]{1,40})?/.exec(userAgent.trim())?.[0];
  return product ?? described;
}

export function isLive(family: TokenFamily, now = Date.now()): boolean {
  return family.revokedAt === null && now < family.idleExpiresAt.getTime() && now < family.absoluteExpiresAt.getTime();
}

/** A new API sign-in for `userId`: its family and first refresh token. Records the security event. */
export async function createTokenFamily(
  db: Database,
  input: { userId: string; request: Request; now?: number; detail?: string },
): Promise<{ family: TokenFamily; refreshToken: string }> {
  const now = input.now ?? Date.now();
  const family: TokenFamily = {
    id: randomSecret(10),
    userId: input.userId,
    createdAt: new Date(now),
    lastUsedAt: new Date(now),
    idleExpiresAt: new Date(now + REFRESH_IDLE_MS),
    absoluteExpiresAt: new Date(now + REFRESH_ABSOLUTE_MS),
    revokedAt: null,
    revokedReason: null,
    ip: clientIp(input.request),
    device: describeApiClient(input.request.headers.get("User-Agent")),
  };
  const refreshToken = newRefreshToken();
  await db.batch([
    db.insert(apiTokenFamilies).values(family),
    db
      .insert(apiRefreshTokens)
      .values({ tokenHash: hashSecret(refreshToken), familyId: family.id, createdAt: family.createdAt }),
    securityEventInsert(db, {
      userId: input.userId,
      type: "api-sign-in",
      request: input.request,
      detail: input.detail,
    }),
  ]);
  await revokeFamiliesBeyondLimit(db, input.userId, now);
  return { family, refreshToken };
}

async function revokeFamiliesBeyondLimit(db: Database, userId: string, now: number): Promise<void> {
  const live = await db
    .select({ id: apiTokenFamilies.id })
    .from(apiTokenFamilies)
    .where(and(eq(apiTokenFamilies.userId, userId), isNull(apiTokenFamilies.revokedAt)))
    .orderBy(asc(apiTokenFamilies.createdAt), asc(apiTokenFamilies.id));
  for (const { id } of live.slice(0, Math.max(0, live.length - MAX_FAMILIES_PER_USER))) {
    await revokeFamily(db, id, "limit", now);
  }
}

export type RefreshResult =
  | { outcome: "rotated"; family: TokenFamily; refreshToken: string }
  /** Unknown, expired, revoked, or reused: the client signs in again. */
  | { outcome: "invalid" }
  /** A real refresh token of a disabled or deleted account. */
  | { outcome: "refused"; refusal: AccountRefusal };

/** Uses `token` once: a new refresh token replaces it, and the family's idle deadline moves. */
export async function rotateRefreshToken(
  db: Database,
  input: { token: string; request: Request; now?: number },
): Promise<RefreshResult> {
  const now = input.now ?? Date.now();
  if (!REFRESH_TOKEN_PATTERN.test(input.token)) return { outcome: "invalid" };
  const tokenHash = hashSecret(input.token);
  const [row] = await db
    .select({
      token: apiRefreshTokens,
      family: apiTokenFamilies,
      account: { disabledAt: users.disabledAt, deletedAt: users.deletedAt },
    })
    .from(apiRefreshTokens)
    .innerJoin(apiTokenFamilies, eq(apiTokenFamilies.id, apiRefreshTokens.familyId))
    .innerJoin(users, eq(users.id, apiTokenFamilies.userId))
    .where(eq(apiRefreshTokens.tokenHash, tokenHash))
    .limit(1);
  if (!row) return { outcome: "invalid" };
  // Checked before liveness: disabling revokes the family, and the client should learn why.
  const refusal = accountRefusal(row.account);
  if (refusal) return { outcome: "refused", refusal };
  if (!isLive(row.family, now)) return { outcome: "invalid" };
  if (row.token.rotatedAt !== null) {
    await handleReuse(db, row.family, row.token.rotatedAt.getTime(), input.request, now);
    return { outcome: "invalid" };
  }

  // The conditional UPDATE is the claim: of two requests racing with the same token, one wins and the
  // other is treated as a reuse within the grace window.
  const claimed = await db
    .update(apiRefreshTokens)
    .set({ rotatedAt: new Date(now) })
    .where(and(eq(apiRefreshTokens.tokenHash, tokenHash), isNull(apiRefreshTokens.rotatedAt)))
    .returning({ tokenHash: apiRefreshTokens.tokenHash });
  if (claimed.length === 0) {
    await handleReuse(db, row.family, now, input.request, now);
    return { outcome: "invalid" };
  }

  const refreshToken = newRefreshToken();
  const idleExpiresAt = new Date(Math.min(now + REFRESH_IDLE_MS, row.family.absoluteExpiresAt.getTime()));
  const ip = clientIp(input.request);
  await db.batch([
    db
      .insert(apiRefreshTokens)
      .values({ tokenHash: hashSecret(refreshToken), familyId: row.family.id, createdAt: new Date(now) }),
    db
      .update(apiTokenFamilies)
      .set({ lastUsedAt: new Date(now), idleExpiresAt, ip })
      .where(eq(apiTokenFamilies.id, row.family.id)),
  ]);
  return {
    outcome: "rotated",
    family: { ...row.family, lastUsedAt: new Date(now), idleExpiresAt, ip },
    refreshToken,
  };
}

async function handleReuse(
  db: Database,
  family: TokenFamily,
  rotatedAt: number,
  request: Request,
  now: number,
): Promise<void> {
  if (now - rotatedAt <= REUSE_GRACE_MS) return;
  const revoked = await revokeFamily(db, family.id, "refresh token reused", now);
  if (revoked) {
    await recordSecurityEvent(db, {
      userId: family.userId,
      type: "api-token-reuse",
      request,
      detail: `API sign-in from ${family.device} ended`,
    });
  }
}

/** Revokes one family; false when it was already revoked (or does not exist). */
export async function revokeFamily(db: Database, familyId: string, reason: string, now = Date.now()): Promise<boolean> {
  const revoked = await db
    .update(apiTokenFamilies)
    .set({ revokedAt: new Date(now), revokedReason: reason })
    .where(and(eq(apiTokenFamilies.id, familyId), isNull(apiTokenFamilies.revokedAt)))
    .returning({ id: apiTokenFamilies.id });
  return revoked.length > 0;
}

/** Revokes the family `familyId` if it is a live one of `userId` (one statement): its device, or null. */
export async function revokeOwnFamily(
  db: Database,
  userId: string,
  familyId: string,
  reason: string,
): Promise<{ device: string } | null> {
  const [revoked] = await db
    .update(apiTokenFamilies)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(
      and(eq(apiTokenFamilies.id, familyId), eq(apiTokenFamilies.userId, userId), isNull(apiTokenFamilies.revokedAt)),
    )
    .returning({ device: apiTokenFamilies.device });
  return revoked ?? null;
}

/**
 * Revokes every live family of the user (password reset, password change, sign-out everywhere), or
 * every one but `exceptFamilyId`. Returns how many it revoked.
 */
export async function revokeUserFamilies(
  db: Database,
  userId: string,
  reason: string,
  options: { exceptFamilyId?: string; now?: number } = {},
): Promise<number> {
  const revoked = await db
    .update(apiTokenFamilies)
    .set({ revokedAt: new Date(options.now ?? Date.now()), revokedReason: reason })
    .where(
      and(
        eq(apiTokenFamilies.userId, userId),
        isNull(apiTokenFamilies.revokedAt),
        options.exceptFamilyId ? ne(apiTokenFamilies.id, options.exceptFamilyId) : undefined,
      ),
    )
    .returning({ id: apiTokenFamilies.id });
  return revoked.length;
}

/**
 * The family an access token names with its user, when it is still live and belongs to `userId`; the
 * refusal when the account is disabled or deleted (the token itself was genuine: it is told why).
 */
export async function liveFamily(
  db: Database,
  input: { familyId: string; userId: string; now?: number },
): Promise<{ family: TokenFamily; user: User } | { refusal: AccountRefusal } | null> {
  const [row] = await db
    .select({ family: apiTokenFamilies, user: users })
    .from(apiTokenFamilies)
    .innerJoin(users, eq(users.id, apiTokenFamilies.userId))
    .where(and(eq(apiTokenFamilies.id, input.familyId), eq(apiTokenFamilies.userId, input.userId)))
    .limit(1);
  if (!row) return null;
  const refusal = accountRefusal(row.user);
  if (refusal) return { refusal };
  if (!isLive(row.family, input.now)) return null;
  return row;
}

/** The user's live API sign-ins, newest use first. */
export function listLiveFamilies(db: Database, userId: string, now = Date.now()) {
  return db
    .select()
    .from(apiTokenFamilies)
    .where(eq(apiTokenFamilies.userId, userId))
    .orderBy(asc(apiTokenFamilies.createdAt))
    .then((rows) => rows.filter((family) => isLive(family, now)).reverse());
}

/** Cron: families ended more than a day ago (their tokens with them), and day-old idempotency keys. */
export async function deleteEndedFamilies(db: Database, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - KEEP_ENDED_MS);
  const deleted = await db
    .delete(apiTokenFamilies)
    .where(
      or(
        lt(apiTokenFamilies.revokedAt, cutoff),
        lt(apiTokenFamilies.idleExpiresAt, cutoff),
        lt(apiTokenFamilies.absoluteExpiresAt, cutoff),
      ),
    )
    .returning({ id: apiTokenFamilies.id });
  const keys = await db
    .delete(apiIdempotencyKeys)
    .where(lt(apiIdempotencyKeys.createdAt, cutoff))
    .returning({ key: apiIdempotencyKeys.key });
  return deleted.length + keys.length;
}
