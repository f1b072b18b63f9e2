// The admin page's data: the list of accounts and changing a role. A role change is one guarded
// UPDATE, so concurrent changes can never leave the instance without an admin: the row changes only
// if the acting user is still an admin at that moment and, when an admin loses the role, another
// admin remains.
import type { ResultSet } from "@libsql/client";
import { and, count, desc, eq, or, sql } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "../../db/schema.ts";
import { type Role, users } from "../../db/schema.ts";

/** The database or a transaction on it (tests run a change inside a transaction they roll back). */
export type Queryable = BaseSQLiteDatabase<"async", ResultSet, typeof schema>;

export const USERS_PER_PAGE = 200;

export interface UserRow {
  id: string;
  username: string;
  email: string;
  role: Role;
  emailVerified: boolean;
  createdAt: number;
}

/** Accounts whose username or e-mail contains `search` (all when empty), newest first. */
export async function listUsers(db: Queryable, search = ""): Promise<{ users: UserRow[]; total: number }> {
  const needle = search.trim().toLowerCase();
  // instr, not LIKE: what the admin types is matched literally (no % or _ wildcards to escape).
  const filter = needle
    ? or(sql`instr(${users.username}, ${needle}) > 0`, sql`instr(${users.email}, ${needle}) > 0`)
    : undefined;
  const [rows, [totals]] = await Promise.all([
    db
      .select({
        id: users.id,
        username: users.username,
        email: users.email,
        role: users.role,
        emailVerifiedAt: users.emailVerifiedAt,
        createdAt: users.createdAt,
      })
      .from(users)
      .where(filter)
      .orderBy(desc(users.createdAt), users.id)
      .limit(USERS_PER_PAGE),
    db.select({ total: count() }).from(users).where(filter),
  ]);
  return {
    users: rows.map(({ emailVerifiedAt, createdAt, ...row }) => ({
      ...row,
      emailVerified: emailVerifiedAt !== null,
      createdAt: createdAt.getTime(),
    })),
    total: totals?.total ?? 0,
  };
}

export type RoleChange =
  | { outcome: "changed"; username: string; from: Role }
  | { outcome: "unchanged"; username: string }
  | { outcome: "not-found" }
  /** The only admin tried to give up the role. */
  | { outcome: "last-admin" }
  /** The acting user is no longer an admin (another admin demoted them meanwhile). */
  | { outcome: "not-allowed" };

export async function changeRole(
  db: Queryable,
  input: { actorId: string; targetId: string; role: Role },
): Promise<RoleChange> {
  const { actorId, targetId, role } = input;
  const [target] = await db
    .select({ username: users.username, role: users.role })
    .from(users)
    .where(eq(users.id, targetId))
    .limit(1);
  if (!target) return { outcome: "not-found" };
  if (target.role === role) return { outcome: "unchanged", username: target.username };

  const actorIsAdmin = sql`exists (select 1 from "users" as "actor" where "actor"."id" = ${actorId} and "actor"."role" = 'admin')`;
  // Checked on the row as it is when the UPDATE runs, not as it was read above.
  const anAdminRemains =
    role === "admin"
      ? undefined
      : sql`("role" <> 'admin' or exists (select 1 from "users" as "other" where "other"."role" = 'admin' and "other"."id" <> ${targetId}))`;
  const updated = await db
    .update(users)
    .set({ role })
    .where(and(eq(users.id, targetId), actorIsAdmin, anAdminRemains))
    .returning({ id: users.id });
  if (updated.length > 0) return { outcome: "changed", username: target.username, from: target.role };

  // Nothing changed: find out which guard stopped it.
  const [actor] = await db.select({ role: users.role }).from(users).where(eq(users.id, actorId)).limit(1);
  if (actor?.role !== "admin") return { outcome: "not-allowed" };
  const [stillThere] = await db.select({ id: users.id }).from(users).where(eq(users.id, targetId)).limit(1);
  return stillThere ? { outcome: "last-admin" } : { outcome: "not-found" };
}
