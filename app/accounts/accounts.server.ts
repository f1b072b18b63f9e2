// Creating and finding accounts. Every account gets a personal workspace (its business), which the
// onboarding, plans and chat features hang their data on.
import { eq, or } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { type Role, users, workspaceMembers, workspaces } from "../../db/schema.ts";
import { newId } from "./secrets.server.ts";
import type { User } from "./session.server.ts";

export const usernameSchema = z
  .string({ error: "Choose a username." })
  .trim()
  .toLowerCase()
  .min(3, "Use at least 3 characters.")
  .max(32, "Use at most 32 characters.")
  .regex(/^[a-z0-9_]+$/, "Use only letters, digits and _.");

export const emailSchema = z
  .string({ error: "Enter your e-mail address." })
  .trim()
  .min(1, "Enter your e-mail address.")
  .max(254, "That address is too long.")
  .pipe(z.email("That doesn't look like an e-mail address.").transform((email) => email.toLowerCase()));

export const displayNameSchema = z
  .string()
  .trim()
  .max(80, "Use at most 80 characters.")
  .optional()
  .transform((value) => value || null);

export interface NewAccount {
  username: string;
  email: string;
  displayName: string | null;
  passwordHash: string | null;
  role?: Role;
  emailVerifiedAt?: Date | null;
  mustChooseUsername?: boolean;
}

/** The statements that create an account with its personal workspace; run them in one batch. */
export function accountInserts(db: Database, account: NewAccount, now = new Date()) {
  const user: User = {
    id: newId(),
    username: account.username,
    email: account.email,
    displayName: account.displayName,
    passwordHash: account.passwordHash,
    role: account.role ?? "user",
    emailVerifiedAt: account.emailVerifiedAt ?? null,
    mustChooseUsername: account.mustChooseUsername ?? false,
    avatarImageId: null,
    createdAt: now,
    disabledAt: null,
    deletedAt: null,
  };
  const workspaceId = newId();
  const statements = [
    db.insert(users).values(user),
    db.insert(workspaces).values({
      id: workspaceId,
      name: `${account.displayName ?? account.username}'s business`,
      ownerId: user.id,
      createdAt: now,
    }),
    db.insert(workspaceMembers).values({ workspaceId, userId: user.id, role: "owner", createdAt: now }),
  ] as const;
  return { user, workspaceId, statements };
}

export async function createAccount(db: Database, account: NewAccount): Promise<User> {
  const { user, statements } = accountInserts(db, account);
  await db.batch(statements);
  return user;
}

export async function findUserByLogin(db: Database, login: string): Promise<User | undefined> {
  const normalized = login.trim().toLowerCase();
  const [user] = await db
    .select()
    .from(users)
    .where(or(eq(users.email, normalized), eq(users.username, normalized)))
    .limit(1);
  return user;
}

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return user;
}

/** True when the error is a UNIQUE constraint failure (username or e-mail taken meanwhile). */
export function isUniqueViolation(error: unknown): boolean {
  return uniqueViolationMessage(error) !== null;
}

/** The database's message for a UNIQUE constraint failure ("… failed: users.email"), found in the cause chain. */
export function uniqueViolationMessage(error: unknown): string | null {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const message = String((current as Error).message);
    if (/UNIQUE constraint failed|SQLITE_CONSTRAINT/.test(message)) return message;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
