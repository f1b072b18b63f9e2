// What a verified provider identity means for Alva accounts. Identity is (provider, provider user id)
// in oauth_accounts, never the e-mail: an e-mail only decides whether a *new* link may be made, and
// only when both sides have proved it (the provider verified it and so did the Alva account; otherwise
// someone who registered a victim's address first could have the victim's provider linked to an
// account they hold the password of).
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { oauthAccounts, users } from "../../db/schema.ts";
import { accountInserts, findUserByEmail, isUniqueViolation, usernameSchema } from "../accounts/accounts.server.ts";
import { randomSecret } from "../accounts/secrets.server.ts";
import type { User } from "../accounts/session.server.ts";
import { signupRefusal } from "../admin/instance-settings.server.ts";
import type { ProviderProfile } from "./provider-api.server.ts";
import { type OAuthProvider, providerLabels } from "./providers.ts";

export type SignInOutcome =
  | { outcome: "existing"; user: User }
  | { outcome: "linked"; user: User }
  | { outcome: "created"; user: User }
  | { outcome: "refused"; message: string };

export async function findLinkedUser(
  db: Database,
  provider: OAuthProvider,
  providerUserId: string,
): Promise<User | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, providerUserId)))
    .limit(1);
  return row?.user;
}

function linkInsert(db: Database, provider: OAuthProvider, profile: ProviderProfile, userId: string) {
  return db
    .insert(oauthAccounts)
    .values({ provider, providerUserId: profile.providerUserId, userId, email: profile.email, createdAt: new Date() });
}

/** Sign-in mode: the linked account, a verified match to link, or a new account. */
export async function resolveSignIn(
  db: Database,
  provider: OAuthProvider,
  profile: ProviderProfile,
): Promise<SignInOutcome> {
  const label = providerLabels[provider];
  const linked = await findLinkedUser(db, provider, profile.providerUserId);
  if (linked) return { outcome: "existing", user: linked };

  if (!profile.email) {
    return {
      outcome: "refused",
      message: `${label} didn't share an e-mail address with Alva. Sign up with your e-mail instead, then connect ${label} from settings.`,
    };
  }
  const existing = await findUserByEmail(db, profile.email);
  if (existing) {
    if (!profile.emailVerified || !existing.emailVerifiedAt) {
      return {
        outcome: "refused",
        message: `An account with this e-mail already exists. Sign in to it, then connect ${label} from Settings → Connections.`,
      };
    }
    try {
      await linkInsert(db, provider, profile, existing.id);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same provider account was linked meanwhile (a double click): sign in to whoever has it.
      const winner = await findLinkedUser(db, provider, profile.providerUserId);
      if (winner) return { outcome: "existing", user: winner };
      throw error;
    }
    return { outcome: "linked", user: existing };
  }

  const refusal = await signupRefusal(db, profile.email);
  if (refusal) return { outcome: "refused", message: refusal };
  const username = await freeUsername(db, profile);
  const { user, statements } = accountInserts(db, {
    username,
    email: profile.email,
    displayName: profile.displayName?.slice(0, 80) ?? null,
    passwordHash: null,
    emailVerifiedAt: profile.emailVerified ? new Date() : null,
    mustChooseUsername: true,
  });
  try {
    await db.batch([...statements, linkInsert(db, provider, profile, user.id)]);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await findLinkedUser(db, provider, profile.providerUserId);
    if (winner) return { outcome: "existing", user: winner };
    return { outcome: "refused", message: "That e-mail address or username was taken a moment ago. Try again." };
  }
  return { outcome: "created", user };
}

/** The provider's login (or the e-mail's local part) as a username when it is valid and free, else a generated one. */
async function freeUsername(db: Database, profile: ProviderProfile): Promise<string> {
  const base = (profile.login ?? profile.email?.split("@")[0] ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .slice(0, 32);
  const parsed = usernameSchema.safeParse(base);
  if (parsed.success) {
    const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.username, parsed.data)).limit(1);
    if (!taken) return parsed.data;
  }
  return `user_${randomSecret(5)}`;
}

export type LinkOutcome =
  | { outcome: "linked" }
  | { outcome: "already-linked" }
  | { outcome: "refused"; message: string };

/** Link mode: connect the provider account to `userId`, unless it belongs to someone else. */
export async function linkProvider(
  db: Database,
  provider: OAuthProvider,
  profile: ProviderProfile,
  userId: string,
): Promise<LinkOutcome> {
  const label = providerLabels[provider];
  const owner = await findLinkedUser(db, provider, profile.providerUserId);
  if (owner) {
    if (owner.id === userId) return { outcome: "already-linked" };
    return {
      outcome: "refused",
      message: `This ${label} account is already connected to another Alva account. Disconnect it there first.`,
    };
  }
  const [current] = await db
    .select({ providerUserId: oauthAccounts.providerUserId })
    .from(oauthAccounts)
    .where(and(eq(oauthAccounts.userId, userId), eq(oauthAccounts.provider, provider)))
    .limit(1);
  if (current)
    return { outcome: "refused", message: `Another ${label} account is already connected. Disconnect it first.` };
  try {
    await linkInsert(db, provider, profile, userId);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return {
      outcome: "refused",
      message: `This ${label} account is already connected to another Alva account. Disconnect it there first.`,
    };
  }
  return { outcome: "linked" };
}

export function listConnections(db: Database, userId: string) {
  return db
    .select({ provider: oauthAccounts.provider, email: oauthAccounts.email, createdAt: oauthAccounts.createdAt })
    .from(oauthAccounts)
    .where(eq(oauthAccounts.userId, userId));
}

export type UnlinkOutcome = { outcome: "unlinked" } | { outcome: "not-linked" } | { outcome: "last-method" };

/**
 * Removes the link, unless it is the last way to sign in. Rule: a password or another provider must
 * remain. A magic link to a verified address would also work, but it is not counted: it depends on
 * the mailbox alone, and we would rather the user set a password than discover that.
 */
export async function unlinkProvider(
  db: Database,
  user: Pick<User, "id">,
  provider: OAuthProvider,
): Promise<UnlinkOutcome> {
  const [fresh] = await db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, user.id))
    .limit(1);
  const links = await db
    .select({ provider: oauthAccounts.provider })
    .from(oauthAccounts)
    .where(eq(oauthAccounts.userId, user.id));
  if (!links.some((link) => link.provider === provider)) return { outcome: "not-linked" };
  if (!fresh?.passwordHash && links.filter((link) => link.provider !== provider).length === 0)
    return { outcome: "last-method" };
  // The rule is re-checked inside the DELETE, so two disconnects at once cannot remove both last links.
  const deleted = await db
    .delete(oauthAccounts)
    .where(
      and(
        eq(oauthAccounts.userId, user.id),
        eq(oauthAccounts.provider, provider),
        sql`(exists (select 1 from ${users} where ${users.id} = ${user.id} and ${users.passwordHash} is not null)
          or exists (select 1 from oauth_accounts other where other.user_id = ${user.id} and other.provider <> ${provider}))`,
      ),
    )
    .returning({ provider: oauthAccounts.provider });
  return deleted.length > 0 ? { outcome: "unlinked" } : { outcome: "last-method" };
}
