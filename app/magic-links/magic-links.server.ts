// Passwordless sign-in by e-mail. A request creates one `magic_links` row holding, hashed only:
//   - a 160-bit token, carried by the link in the mail (works in any browser: the phone that reads the
//     mail may sign in the phone),
//   - an 8-digit code, which works only in the browser that asked: that browser holds a random value in
//     an HttpOnly cookie whose SHA-256 is the row's `browser_hash`, so a code read over someone's
//     shoulder or phished is useless elsewhere; wrong codes count in `attempts` (at most 5 compared).
// Both die after 10 minutes and are used by one conditional UPDATE … RETURNING: two concurrent uses
// cannot both win. The request answers the same whether or not the address has an account — it looks
// nothing up: an unknown address gets the same mail, and its account is created when the link is used.
import { and, desc, eq, gt, isNull, lt, ne, sql } from "drizzle-orm";
import { redirect } from "react-router";
import type { Database } from "../../db/client.ts";
import { instance, magicLinks, users } from "../../db/schema.ts";
import { assertAccountUsable } from "../accounts/account-status.ts";
import { createAccount, findUserByEmail, isUniqueViolation } from "../accounts/accounts.server.ts";
import { isPlausibleToken, MAX_CODE_ATTEMPTS, newEmailedTokenAndCode } from "../accounts/emailed-secrets.server.ts";
import { hashSecret, newId, randomSecret, secretMatches } from "../accounts/secrets.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { deleteUserSessions, startSession, type User } from "../accounts/session.server.ts";
import { SignupRefusedError, signupRefusal } from "../admin/instance-settings.server.ts";
import { appLink, sendMail } from "../email-flows/emails.server.ts";
import { composeMail } from "../mail/mail.server.ts";
import { hostCookieName, readCookie, setCookie } from "../platform/cookies.server.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import { toastCookie } from "../platform/toast.server.ts";

export const MAGIC_LINK_TTL_MS = 10 * 60 * 1000;

// ── The browser-binding cookie ──────────────────────────────────────────────────────────────
// Named like the session cookie (`__Host-` over https), HttpOnly, SameSite=Lax, for the link's lifetime.

const BROWSER_COOKIE = "alva_magic_link";

/** The browser's binding value, if it sent a well-formed one. */
export function readBrowserSecret(request: Request): string | null {
  const secret = readCookie(request, hostCookieName(request, BROWSER_COOKIE));
  return isPlausibleToken(secret) ? secret : null;
}

export function browserCookie(request: Request, secret: string): string {
  return setCookie(request, hostCookieName(request, BROWSER_COOKIE), secret, [
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${MAGIC_LINK_TTL_MS / 1000}`,
  ]);
}

export function clearedBrowserCookie(request: Request): string {
  return setCookie(request, hostCookieName(request, BROWSER_COOKIE), "", [
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    "Max-Age=0",
  ]);
}

// ── Requesting ──────────────────────────────────────────────────────────────────────────────

export function magicLinkMail(input: { env: { APP_URL: string }; to: string; token: string; code: string }) {
  return composeMail({
    to: input.to,
    subject: "Your Alva sign-in link",
    paragraphs: [
      `Someone asked to sign in to Alva as ${input.to}. If it was you, use the button below.`,
      `Or type this code in the browser where you asked for it: ${input.code}`,
      "Never tell anyone this code: Alva never asks for it by phone, chat or e-mail.",
      "The link and the code work once, for 10 minutes. If this address has no Alva account yet, using them creates one.",
      "If you didn't ask, ignore this e-mail: nothing happens unless the link or the code is used.",
    ],
    action: { label: "Sign in to Alva", url: appLink(input.env, "/login/link/verify", { token: input.token }) },
  });
}

/**
 * Stores a new link for `email`, bound to `browserSecret`, and returns the mail to send. The caller
 * sends it (after the response) and sets the browser cookie.
 */
export async function createMagicLink(
  db: Database,
  env: { APP_URL: string },
  input: { email: string; browserSecret: string; redirectTo: string | null; now?: number },
) {
  const now = input.now ?? Date.now();
  const { token, tokenHash, code, codeHash } = newEmailedTokenAndCode();
  await db.insert(magicLinks).values({
    id: newId(),
    email: input.email.toLowerCase(),
    tokenHash,
    codeHash,
    browserHash: hashSecret(input.browserSecret),
    attempts: 0,
    redirectTo: input.redirectTo,
    expiresAt: new Date(now + MAGIC_LINK_TTL_MS),
    consumedAt: null,
    createdAt: new Date(now),
  });
  return magicLinkMail({ env, to: input.email.toLowerCase(), token, code });
}

export function sendMagicLinkMail(db: Database, env: Env, message: ReturnType<typeof magicLinkMail>): Promise<void> {
  return sendMail(db, env, message);
}

// ── Using ───────────────────────────────────────────────────────────────────────────────────

export type MagicLinkRow = typeof magicLinks.$inferSelect;

/** The link a token points to, if it can still be used. Reading it consumes nothing (mail scanners GET links). */
export async function findUsableLink(
  db: Database,
  token: unknown,
  now = Date.now(),
): Promise<MagicLinkRow | undefined> {
  if (!isPlausibleToken(token)) return undefined;
  const [row] = await db
    .select()
    .from(magicLinks)
    .where(
      and(
        eq(magicLinks.tokenHash, hashSecret(token)),
        isNull(magicLinks.consumedAt),
        gt(magicLinks.expiresAt, new Date(now)),
      ),
    )
    .limit(1);
  return row;
}

/** Uses the link once: of two concurrent calls with the same token, exactly one gets the row. */
export async function consumeToken(db: Database, token: unknown, now = Date.now()): Promise<MagicLinkRow | undefined> {
  if (!isPlausibleToken(token)) return undefined;
  const [row] = await db
    .update(magicLinks)
    .set({ consumedAt: new Date(now) })
    .where(
      and(
        eq(magicLinks.tokenHash, hashSecret(token)),
        isNull(magicLinks.consumedAt),
        gt(magicLinks.expiresAt, new Date(now)),
      ),
    )
    .returning();
  return row;
}

/**
 * Checks a typed code against the newest live link requested by this browser. The attempt is counted
 * first, by an UPDATE that refuses once `attempts` reached the cap, so however many guesses arrive at
 * once, at most MAX_CODE_ATTEMPTS are ever compared. The right code then uses the link atomically.
 */
export async function consumeCode(
  db: Database,
  input: { browserSecret: string | null; code: string; now?: number },
): Promise<MagicLinkRow | undefined> {
  if (!input.browserSecret) return undefined;
  const now = new Date(input.now ?? Date.now());
  const browserHash = hashSecret(input.browserSecret);
  const [newest] = await db
    .select({ id: magicLinks.id })
    .from(magicLinks)
    .where(and(eq(magicLinks.browserHash, browserHash), isNull(magicLinks.consumedAt), gt(magicLinks.expiresAt, now)))
    .orderBy(desc(magicLinks.createdAt))
    .limit(1);
  if (!newest) return undefined;
  const [counted] = await db
    .update(magicLinks)
    .set({ attempts: sql`${magicLinks.attempts} + 1` })
    .where(
      and(
        eq(magicLinks.id, newest.id),
        lt(magicLinks.attempts, MAX_CODE_ATTEMPTS),
        isNull(magicLinks.consumedAt),
        gt(magicLinks.expiresAt, now),
      ),
    )
    .returning({ codeHash: magicLinks.codeHash });
  if (!counted) return undefined;
  if (!secretMatches(input.code, counted.codeHash)) return undefined;
  const [row] = await db
    .update(magicLinks)
    .set({ consumedAt: now })
    .where(
      and(
        eq(magicLinks.id, newest.id),
        eq(magicLinks.codeHash, hashSecret(input.code)),
        isNull(magicLinks.consumedAt),
        gt(magicLinks.expiresAt, now),
      ),
    )
    .returning();
  return row;
}

/** A username for an account made by a link or a provider, replaced at /welcome: `user_` + 10 base32 characters. */
export function generatedUsername(): string {
  return `user_${randomSecret(10).slice(0, 10)}`;
}

export interface MagicSignIn {
  user: User;
  /** The Set-Cookie value of the new session. */
  cookie: string;
  created: boolean;
  /** An unverified account's password was removed when the link proved the address. */
  passwordCleared: boolean;
}

/**
 * Signs in the owner of the used link's address: creates the account when there is none (verified,
 * passwordless, with a generated username to replace), verifies an unverified one, and starts a new
 * persistent session (ending the one the browser already had: no session fixation).
 */
export async function signInWithLink(
  db: Database,
  env: Env,
  input: { link: MagicLinkRow; request: Request; now?: number },
): Promise<MagicSignIn> {
  const owner = await linkOwner(db, env, input);
  const cookie = await startSession(db, env, {
    userId: owner.user.id,
    persistent: true,
    request: input.request,
    event: { type: "magic-link-sign-in" },
  });
  return { ...owner, cookie };
}

/**
 * The account a used link signs in (created or verified as signInWithLink says), with the address's
 * other waiting links used up. What kind of sign-in follows (a cookie session, an API token family)
 * is the caller's.
 */
export async function linkOwner(
  db: Database,
  env: Env,
  input: { link: MagicLinkRow; request: Request; now?: number },
): Promise<Omit<MagicSignIn, "cookie">> {
  const { link, request } = input;
  const now = new Date(input.now ?? Date.now());
  let user = await findUserByEmail(db, link.email);
  // Before anything changes: a disabled or deleted account is neither verified nor signed in.
  if (user) assertAccountUsable(user);
  let created = false;
  let passwordCleared = false;
  if (!user) {
    const refusal = await signupRefusal(db, link.email, now);
    if (refusal) throw new SignupRefusedError(refusal);
    for (let attempt = 0; !user && attempt < 3; attempt++) {
      try {
        user = await createAccount(db, {
          username: generatedUsername(),
          email: link.email,
          displayName: null,
          passwordHash: null,
          emailVerifiedAt: now,
          mustChooseUsername: true,
        });
        created = true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another link for the same address won the race (or, very rarely, the username was taken).
        user = await findUserByEmail(db, link.email);
      }
    }
    if (!user) throw new Error("Could not create an account for a magic link");
    if (created)
      await recordSecurityEvent(db, { userId: user.id, type: "account-created", request, detail: "magic link" });
  } else if (user.emailVerifiedAt === null) {
    // The link proves the address; nothing proved it before. Someone may have registered this address
    // without owning it, waiting for its owner to move in (account pre-hijacking): whoever was signed
    // in is signed out, and a password set before the address was proved stops working. The owner can
    // choose one again in /settings/password, and is told so on the page and by e-mail. The admin the
    // setup wizard created is the exception: nobody but the operator could create an account before
    // the instance was set up, so there is nothing to defend against and their password stays.
    passwordCleared = user.passwordHash !== null && !(await createdBySetup(db, user));
    [user] = await db
      .update(users)
      .set({ emailVerifiedAt: now, ...(passwordCleared ? { passwordHash: null } : {}) })
      .where(eq(users.id, user.id))
      .returning();
    if (passwordCleared) {
      await deleteUserSessions(db, user!.id);
      // A notice: if the mail fails, the sign-in still stands (the page says the same).
      await sendMail(
        db,
        env,
        composeMail({
          to: user!.email,
          subject: "The password on your Alva account was removed",
          paragraphs: [
            "You confirmed your address by signing in with an e-mailed link. A password had been set on this account before the address was confirmed, so it could have been set by someone else: it was removed, and every other session was signed out.",
            "Choose a new password in Alva under Settings → Password. If you set that password yourself, nothing is wrong: just choose it again.",
          ],
        }),
      ).catch((error) =>
        console.error(JSON.stringify({ level: "error", msg: "notice mail failed", error: String(error) })),
      );
    }
    await recordSecurityEvent(db, {
      userId: user!.id,
      type: "email-verified",
      request,
      detail: passwordCleared ? "by a sign-in link; the earlier password was removed" : "by a sign-in link",
    });
  }
  const signedIn = user!;

  // Other links still waiting for this address stop working: one sign-in uses them all up.
  await db
    .update(magicLinks)
    .set({ consumedAt: now })
    .where(and(eq(magicLinks.email, link.email), isNull(magicLinks.consumedAt), ne(magicLinks.id, link.id)));

  return { user: signedIn, created, passwordCleared };
}

/**
 * The answer to a successful sign-in: the session cookie, the browser-binding cookie cleared, and a
 * redirect — to /welcome first for an account that still has its generated username.
 */
export function signedInRedirect(
  request: Request,
  result: MagicSignIn,
  link: Pick<MagicLinkRow, "redirectTo">,
): Response {
  const headers = new Headers();
  headers.append("Set-Cookie", result.cookie);
  headers.append("Set-Cookie", clearedBrowserCookie(request));
  const message = result.passwordCleared
    ? "Your address is verified. The password set before it was verified no longer works: choose a new one in Settings → Password."
    : result.user.mustChooseUsername
      ? null
      : `Signed in as @${result.user.username}.`;
  if (message)
    headers.append("Set-Cookie", toastCookie(request, { kind: result.passwordCleared ? "info" : "success", message }));
  const to = result.user.mustChooseUsername ? "/welcome" : safeRedirectPath(link.redirectTo, "/dashboard");
  return redirect(to, { headers });
}

/**
 * Whether the first-run setup created this account: the wizard writes the admin and the instance row
 * in one batch with the same timestamp (app/setup/wizard.server.ts).
 */
async function createdBySetup(db: Database, user: Pick<User, "role" | "createdAt">): Promise<boolean> {
  if (user.role !== "admin") return false;
  const [setup] = await db.select({ at: instance.setupCompletedAt }).from(instance).limit(1);
  return setup?.at.getTime() === user.createdAt.getTime();
}
