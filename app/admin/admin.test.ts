import { and, eq, ne } from "drizzle-orm";
import { TransactionRollbackError } from "drizzle-orm/errors";
import { beforeAll, describe, expect, it } from "vitest";
import { type Role, users } from "../../db/schema.ts";
import {
  createTestUser,
  ensureInstance,
  getAs,
  postAs,
  send,
  setCookies,
  signIn,
  type TestUser,
  testDb,
} from "../../tests/worker-helpers.ts";
import { changeRole, type Queryable } from "./users.server.ts";

beforeAll(ensureInstance);

async function roleOf(user: { id: string }): Promise<Role | undefined> {
  const [row] = await testDb().select({ role: users.role }).from(users).where(eq(users.id, user.id));
  return row?.role;
}

const toastOf = (response: Response) => decodeURIComponent(setCookies(response).get("toast") ?? "");
const setRole = (cookie: string, user: TestUser | { id: string }, role: string) =>
  postAs("/admin", cookie, { intent: "change-role", userId: user.id, role });

/**
 * Runs `work` in a transaction that is always rolled back, so a test can see a state of the whole
 * (shared) database — such as "only one admin" — without any other test ever seeing it.
 */
async function inRolledBackTransaction(work: (tx: Queryable) => Promise<void>): Promise<void> {
  try {
    await testDb().transaction(async (tx) => {
      await work(tx);
      tx.rollback();
    });
  } catch (error) {
    if (!(error instanceof TransactionRollbackError)) throw error;
  }
}

describe("access", () => {
  it("sends anonymous visitors to sign in", async () => {
    const response = await send(new Request("http://localhost:5173/admin", { redirect: "manual" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Fadmin");
  });

  it.each(["user", "moderator"] as const)("answers 403 to a %s, for the page and for the action", async (role) => {
    const visitor = await createTestUser({ label: `no${role}`, role });
    const target = await createTestUser({ label: "target" });
    const cookie = await signIn(visitor);
    const page = await getAs("/admin", cookie);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain("You don&#x27;t have access to this page");
    expect(html).not.toContain(target.email);

    // Promoting oneself, or anyone, by posting the form directly changes nothing.
    for (const [who, to] of [
      [visitor, "admin"],
      [target, "moderator"],
    ] as const) {
      const post = await setRole(cookie, who, to);
      expect(post.status).toBe(403);
    }
    expect(await roleOf(visitor)).toBe(role);
    expect(await roleOf(target)).toBe("user");
  });

  it("shows admins every account with username, e-mail, role, verification and creation time — and no secrets", async () => {
    const admin = await createTestUser({ label: "admin", role: "admin" });
    const unverified = await createTestUser({ label: "listed", verified: false, role: "moderator" });
    const response = await getAs(`/admin?q=${unverified.username}`, await signIn(admin));
    expect(response.status).toBe(200);
    const html = await response.text();
    const rows = html.split('data-testid="admin-user"').slice(1);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toContain(`@${unverified.username}`);
    expect(row).toContain(unverified.email);
    expect(row).toContain(">No<"); // not verified
    expect(row).toMatch(/<option value="moderator" selected="">Moderator<\/option>/);
    expect(row).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(html).not.toContain("$argon2id$");
    expect(html).not.toContain("passwordHash");
  });

  it("searches usernames and e-mails literally (no SQL wildcards)", async () => {
    const admin = await createTestUser({ label: "adminsearch", role: "admin" });
    const cookie = await signIn(admin);
    const html = await (await getAs(`/admin?q=${encodeURIComponent(admin.email.toUpperCase())}`, cookie)).text();
    expect(html.split('data-testid="admin-user"')).toHaveLength(2);
    for (const wildcard of ["%", "_%_", "' OR 1=1 --"]) {
      const response = await getAs(`/admin?q=${encodeURIComponent(wildcard)}`, cookie);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("0 accounts");
    }
  });
});

describe("changing a role", () => {
  it("promotes and demotes, as a plain form post, and the new role applies at the next request", async () => {
    const admin = await createTestUser({ label: "promoter", role: "admin" });
    const member = await createTestUser({ label: "promoted" });
    const adminCookie = await signIn(admin);
    const memberCookie = await signIn(member);

    const html = await (await getAs(`/admin?q=${member.username}`, adminCookie)).text();
    expect(html).toMatch(/<form[^>]*action="\/admin\?q=[^"]*" method="post"/);
    expect(html).toContain(`<input type="hidden" name="userId" value="${member.id}"/>`);

    const toModerator = await setRole(adminCookie, member, "moderator");
    expect(toModerator.status).toBe(302);
    expect(toModerator.headers.get("Location")).toBe("/admin");
    expect(toastOf(toModerator)).toContain(`@${member.username} is now a moderator.`);
    expect(await roleOf(member)).toBe("moderator");
    expect((await getAs("/admin", memberCookie)).status).toBe(403);

    expect(toastOf(await setRole(adminCookie, member, "admin"))).toContain("is now an admin.");
    expect((await getAs("/admin", memberCookie)).status).toBe(200);

    await setRole(adminCookie, member, "user");
    expect(await roleOf(member)).toBe("user");
    expect((await getAs("/admin", memberCookie)).status).toBe(403);
  });

  it("asks for the password again when the admin signed in more than 15 minutes ago", async () => {
    const admin = await createTestUser({ label: "stale_admin", role: "admin" });
    const member = await createTestUser({ label: "stale_target" });
    const staleCookie = await signIn(admin, { now: Date.now() - 16 * 60 * 1000 });

    const asked = await setRole(staleCookie, member, "moderator");
    expect(asked.status).toBe(401);
    const html = await asked.text();
    expect(html).toContain("Enter your password to confirm it&#x27;s you.");
    expect(html).toMatch(/<input id="confirm-password" type="password"[^>]* name="password"/);
    expect(html).toContain('<input type="hidden" name="role" value="moderator"/>');
    expect(await roleOf(member)).toBe("user");

    const wrong = await postAs("/admin", staleCookie, {
      intent: "change-role",
      userId: member.id,
      role: "moderator",
      password: "not my password",
    });
    expect(wrong.status).toBe(401);
    expect(await roleOf(member)).toBe("user");

    const right = await postAs("/admin", staleCookie, {
      intent: "change-role",
      userId: member.id,
      role: "moderator",
      password: admin.password,
    });
    expect(right.status).toBe(302);
    expect(await roleOf(member)).toBe("moderator");
  });

  it("keeps the search when going back to the list", async () => {
    const admin = await createTestUser({ label: "keepq", role: "admin" });
    const member = await createTestUser({ label: "keepqm" });
    const response = await postAs(`/admin?q=${member.username}`, await signIn(admin), {
      intent: "change-role",
      userId: member.id,
      role: "moderator",
    });
    expect(response.headers.get("Location")).toBe(`/admin?q=${member.username}`);
  });

  it("says so when the role is already the chosen one", async () => {
    const admin = await createTestUser({ label: "same", role: "admin" });
    const member = await createTestUser({ label: "samem" });
    const response = await setRole(await signIn(admin), member, "user");
    expect(response.status).toBe(302);
    expect(toastOf(response)).toContain("already has that role");
  });

  it.each([
    ["an unknown role", { intent: "change-role", role: "superadmin" }, "Choose user, moderator or admin."],
    ["no role", { intent: "change-role" }, "Choose user, moderator or admin."],
    ["no account", { intent: "change-role", role: "admin", userId: "" }, "Choose an account."],
    ["an unknown intent", { intent: "delete-user", role: "user" }, "wasn&#x27;t understood"],
  ])("rejects %s with 400 and changes nothing", async (_, fields: Record<string, string>, message) => {
    const admin = await createTestUser({ label: "badrole", role: "admin" });
    const member = await createTestUser({ label: "badrolem" });
    const response = await postAs("/admin", await signIn(admin), { userId: member.id, ...fields });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(message);
    expect(await roleOf(member)).toBe("user");
  });

  it("answers 404 for an account that doesn't exist", async () => {
    const admin = await createTestUser({ label: "ghost", role: "admin" });
    const response = await setRole(await signIn(admin), { id: crypto.randomUUID() }, "admin");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("That account doesn&#x27;t exist");
  });

  it("refuses a role change posted from another site (CSRF)", async () => {
    const admin = await createTestUser({ label: "csrfadmin", role: "admin" });
    const member = await createTestUser({ label: "csrfm" });
    const response = await postAs(
      "/admin",
      await signIn(admin),
      { intent: "change-role", userId: member.id, role: "admin" },
      { "Sec-Fetch-Site": "cross-site" },
    );
    expect(response.status).toBe(403);
    expect(await roleOf(member)).toBe("user");
  });

  it("lets an admin step down while another admin remains, and sends them to their settings", async () => {
    const leaving = await createTestUser({ label: "stepdown", role: "admin" });
    await createTestUser({ label: "stays", role: "admin" });
    const cookie = await signIn(leaving);
    const response = await setRole(cookie, leaving, "moderator");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings");
    expect(toastOf(response)).toContain("You are now a moderator.");
    expect(await roleOf(leaving)).toBe("moderator");
    expect((await getAs("/admin", cookie)).status).toBe(403);
  });

  it("never lets an admin who was demoted meanwhile change roles (two admins demoting each other)", async () => {
    const first = await createTestUser({ label: "duela", role: "admin" });
    const second = await createTestUser({ label: "duelb", role: "admin" });
    // Both requests passed requireRole; the first UPDATE lands before the second.
    expect(await changeRole(testDb(), { actorId: first.id, targetId: second.id, role: "user" })).toMatchObject({
      outcome: "changed",
    });
    expect(await changeRole(testDb(), { actorId: second.id, targetId: first.id, role: "user" })).toEqual({
      outcome: "not-allowed",
    });
    expect(await roleOf(first)).toBe("admin");
    expect(await roleOf(second)).toBe("user");
  });

  it("refuses to let the last admin give up the role, with a clear reason", async () => {
    const last = await createTestUser({ label: "lastadmin", role: "admin" });
    const member = await createTestUser({ label: "lastm" });
    await inRolledBackTransaction(async (tx) => {
      // Inside this transaction only, `last` is the one admin of the instance.
      await tx
        .update(users)
        .set({ role: "user" })
        .where(and(eq(users.role, "admin"), ne(users.id, last.id)));
      for (const role of ["moderator", "user"] as const) {
        expect(await changeRole(tx, { actorId: last.id, targetId: last.id, role })).toEqual({ outcome: "last-admin" });
      }
      // Other changes still work, and once there is a second admin, the first may step down.
      expect(await changeRole(tx, { actorId: last.id, targetId: member.id, role: "admin" })).toMatchObject({
        outcome: "changed",
      });
      expect(await changeRole(tx, { actorId: last.id, targetId: last.id, role: "user" })).toMatchObject({
        outcome: "changed",
      });
      expect(await changeRole(tx, { actorId: member.id, targetId: member.id, role: "user" })).toEqual({
        outcome: "last-admin",
      });
      const [admins] = await tx.select({ id: users.id }).from(users).where(eq(users.role, "admin"));
      expect(admins?.id).toBe(member.id);
    });
    // Rolled back: nothing of it is visible outside.
    expect(await roleOf(last)).toBe("admin");
    expect(await roleOf(member)).toBe("user");
  });
});
