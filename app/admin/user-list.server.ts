// /admin/users: finding accounts. Every filter is a GET query parameter (the page works without
// JavaScript); pages are keyset pages ("after this row"), never OFFSET, so page 500 costs what page 1
// costs. Each sort walks an index: `users_created` (created_at, id) for newest/oldest,
// `users_role_created` when a role is chosen, and the unique indexes on username and e-mail.
import { and, asc, desc, eq, exists, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { type OAuthProvider, oauthAccounts, type Role, roles, users } from "../../db/schema.ts";
import {
  type SignInMethod,
  signInMethods,
  type UserSort,
  type UserStatus,
  userSorts,
  userStatuses,
} from "./user-status.tsx";

export const USER_PAGE_SIZE = 50;

/** Anything a visitor can type in the address bar becomes a valid filter: unknown values mean "any". */
export const userFilterSchema = z.object({
  q: z.string().trim().toLowerCase().max(254).catch(""),
  role: z.enum(roles).optional().catch(undefined),
  status: z.enum(userStatuses).optional().catch(undefined),
  method: z.enum(signInMethods).optional().catch(undefined),
  sort: z.enum(userSorts).catch("newest"),
  after: z.string().max(400).optional().catch(undefined),
});
export type UserFilter = z.infer<typeof userFilterSchema>;

export function readUserFilter(url: URL): UserFilter {
  const param = (name: string) => url.searchParams.get(name) || undefined;
  return userFilterSchema.parse({
    q: param("q") ?? "",
    role: param("role"),
    status: param("status"),
    method: param("method"),
    sort: param("sort"),
    after: param("after"),
  });
}

/** The query string of `filter` (without the cursor unless given), for links that keep the filters. */
export function userFilterQuery(filter: UserFilter, after?: string): string {
  const params = new URLSearchParams();
  if (filter.q) params.set("q", filter.q);
  if (filter.role) params.set("role", filter.role);
  if (filter.status) params.set("status", filter.status);
  if (filter.method) params.set("method", filter.method);
  if (filter.sort !== "newest") params.set("sort", filter.sort);
  if (after) params.set("after", after);
  const query = params.toString();
  return query ? `?${query}` : "";
}

export interface UserListRow {
  id: string;
  username: string;
  email: string;
  role: Role;
  status: UserStatus;
  hasPassword: boolean;
  providers: OAuthProvider[];
  createdAt: number;
}

/** Where a page ends: the sort key of its last row and the row's id (the tie-breaker). */
const cursorSchema = z.tuple([z.enum(userSorts), z.union([z.string().max(300), z.number().int()]), z.string().max(64)]);

export function encodeCursor(sort: UserSort, row: { id: string; username: string; email: string; createdAt: number }) {
  const key = sort === "username" ? row.username : sort === "email" ? row.email : row.createdAt;
  return btoa(JSON.stringify([sort, key, row.id]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
}

/** The cursor's key when it is one of ours for this sort; anything else starts from the first page. */
function decodeCursor(sort: UserSort, cursor: string | undefined): { key: string | number; id: string } | null {
  if (!cursor || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))));
    if (!parsed.success || parsed.data[0] !== sort) return null;
    const [, key, id] = parsed.data;
    if ((sort === "newest" || sort === "oldest") !== (typeof key === "number")) return null;
    return { key, id };
  } catch {
    return null;
  }
}

export function statusOf(user: {
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
  deletedAt: Date | null;
}): UserStatus {
  if (user.deletedAt) return "deleted";
  if (user.disabledAt) return "disabled";
  return user.emailVerifiedAt ? "active" : "unverified";
}

function statusCondition(status: UserStatus): SQL | undefined {
  switch (status) {
    case "deleted":
      return isNotNull(users.deletedAt);
    case "disabled":
      return and(isNotNull(users.disabledAt), isNull(users.deletedAt));
    case "unverified":
      return and(isNull(users.emailVerifiedAt), isNull(users.disabledAt), isNull(users.deletedAt));
    case "active":
      return and(isNotNull(users.emailVerifiedAt), isNull(users.disabledAt), isNull(users.deletedAt));
  }
}

/**
 * A provider filter has two shapes with the same meaning: for a page, EXISTS probes
 * `oauth_accounts_user` per row while the sort index is walked (and stops after a page); for the
 * count, IN starts from the provider's links (the primary key's prefix) — ten times faster at 100k.
 */
function methodCondition(db: Database, method: SignInMethod, shape: "page" | "count"): SQL | undefined {
  if (method === "password") return isNotNull(users.passwordHash);
  if (method === "passwordless") return isNull(users.passwordHash);
  if (shape === "count") {
    return inArray(
      users.id,
      db.select({ id: oauthAccounts.userId }).from(oauthAccounts).where(eq(oauthAccounts.provider, method)),
    );
  }
  return exists(
    db
      .select({ one: sql`1` })
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.userId, users.id), eq(oauthAccounts.provider, method))),
  );
}

function filterConditions(db: Database, filter: UserFilter, shape: "page" | "count"): (SQL | undefined)[] {
  return [
    // instr, not LIKE: what the admin types is matched literally (no % or _ wildcards to escape).
    filter.q
      ? sql`(instr(${users.username}, ${filter.q.replace(/^@/, "")}) > 0 or instr(${users.email}, ${filter.q}) > 0)`
      : undefined,
    filter.role ? eq(users.role, filter.role) : undefined,
    filter.status ? statusCondition(filter.status) : undefined,
    filter.method ? methodCondition(db, filter.method, shape) : undefined,
  ];
}

/** One page of accounts matching `filter`, with the cursor of the next page (null on the last). */
export async function listUserPage(
  db: Database,
  filter: UserFilter,
  pageSize = USER_PAGE_SIZE,
): Promise<{ rows: UserListRow[]; next: string | null; total: number }> {
  const conditions = filterConditions(db, filter, "page");
  const cursor = decodeCursor(filter.sort, filter.after);
  // Row values compare like the index orders: (key, id) strictly after the last row shown.
  const keyset = cursor
    ? filter.sort === "newest"
      ? sql`(${users.createdAt}, ${users.id}) < (${cursor.key}, ${cursor.id})`
      : filter.sort === "oldest"
        ? sql`(${users.createdAt}, ${users.id}) > (${cursor.key}, ${cursor.id})`
        : filter.sort === "username"
          ? sql`${users.username} > ${cursor.key}`
          : sql`${users.email} > ${cursor.key}`
    : undefined;
  const order =
    filter.sort === "newest"
      ? [desc(users.createdAt), desc(users.id)]
      : filter.sort === "oldest"
        ? [asc(users.createdAt), asc(users.id)]
        : filter.sort === "username"
          ? [asc(users.username)]
          : [asc(users.email)];

  const [found, [counted]] = await Promise.all([
    db
      .select({
        id: users.id,
        username: users.username,
        email: users.email,
        role: users.role,
        hasPassword: sql<number>`${users.passwordHash} is not null`,
        emailVerifiedAt: users.emailVerifiedAt,
        disabledAt: users.disabledAt,
        deletedAt: users.deletedAt,
        createdAt: users.createdAt,
      })
      .from(users)
      .where(and(...conditions, keyset))
      .orderBy(...order)
      .limit(pageSize + 1),
    db
      .select({ total: sql<number>`count(*)` })
      .from(users)
      .where(and(...filterConditions(db, filter, "count"))),
  ]);
  const page = found.slice(0, pageSize);
  const linked =
    page.length > 0
      ? await db
          .select({ userId: oauthAccounts.userId, provider: oauthAccounts.provider })
          .from(oauthAccounts)
          .where(
            inArray(
              oauthAccounts.userId,
              page.map((row) => row.id),
            ),
          )
      : [];
  const rows = page.map((row) => ({
    id: row.id,
    username: row.username,
    email: row.email,
    role: row.role,
    status: statusOf(row),
    hasPassword: Boolean(row.hasPassword),
    providers: linked.filter((link) => link.userId === row.id).map((link) => link.provider),
    createdAt: row.createdAt.getTime(),
  }));
  const last = rows.at(-1);
  const next = found.length > pageSize && last ? encodeCursor(filter.sort, last) : null;
  return { rows, next, total: Number(counted?.total ?? 0) };
}
