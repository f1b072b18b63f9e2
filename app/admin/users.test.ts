// /admin/users, /admin/users/:id, /admin/audit and its CSV through the real Worker: who may see and
// do what, the list's filters and keyset pages, and what disabling takes away at once (pages, API,
// chat sockets) — with an audit entry for every action.
import { and, desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { auditLog, oauthAccounts, sessions, users, workspaceMembers } from "../../db/schema.ts";
import { api, apiSignIn, expectProblem, freshIp } from "../../tests/support/api.ts";
import { lastMailTo, randomIp, toastOf } from "../../tests/support/email-flows.ts";
import { fakeUser, flow, userByEmail } from "../../tests/support/oauth.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  origin,
  postAs,
  send,
  signIn,
  type TestUser,
  testDb,
} from "../../tests/worker-helpers.ts";
import { ACCOUNT_DELETED_MESSAGE, ACCOUNT_DISABLED_MESSAGE } from "../accounts/account-status.ts";
import type { ServerFrame } from "../chat/protocol.ts";
import { ensureRooms, listRooms } from "../chat/rooms.server.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { csvCell } from "../platform/csv.ts";
import { auditCsv, recordAudit } from "./audit.server.ts";
import { listUserPage, readUserFilter } from "./user-list.server.ts";

beforeAll(async () => {
  await ensureInstance();
  await send("/login");
}, 180_000);
vi.setConfig({ testTimeout: 60_000 });

const html = (response: Response) => response.text();

async function auditFor(targetUserId: string) {
  return testDb().select().from(auditLog).where(eq(auditLog.targetUserId, targetUserId)).orderBy(desc(auditLog.id));
}

describe("access", () => {
  const pages = (target: string) => [
    "/admin/users",
    `/admin/users/${target}`,
    "/admin/audit",
    "/admin/audit.csv",
    "/admin/users?status=deleted&sort=email",
  ];

  it("sends signed-out visitors to sign in from every admin page", async () => {
    const target = await createTestUser({ label: "anon_t" });
    for (const path of pages(target.id)) {
      const response = await send(new Request(new URL(path, origin), { redirect: "manual" }));
      expect(response.status, path).toBe(302);
      expect(response.headers.get("Location"), path).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
    }
    const post = await send(formPost(`/admin/users/${target.id}`, { intent: "disable" }));
    expect(post.status).toBe(302);
  });

  it("answers 403 to a plain user, for every page and every action, and shows no account", async () => {
    const visitor = await createTestUser({ label: "plain" });
    const target = await createTestUser({ label: "plain_t" });
    const cookie = await signIn(visitor);
    for (const path of pages(target.id)) {
      const response = await getAs(path, cookie);
      expect(response.status, path).toBe(403);
      expect(await html(response)).not.toContain(target.email);
    }
    for (const intent of ["disable", "enable", "sign-out-everywhere", "resend-verification", "change-role"]) {
      const response = await postAs(`/admin/users/${target.id}`, cookie, { intent, role: "admin" });
      expect(response.status, intent).toBe(403);
    }
    const [row] = await testDb().select().from(users).where(eq(users.id, target.id));
    expect(row?.disabledAt).toBeNull();
    expect(row?.role).toBe("user");
  });

  it("lets a moderator read users (no action forms) but not act, nor read the audit log", async () => {
    const moderator = await createTestUser({ label: "mod", role: "moderator" });
    const target = await createTestUser({ label: "mod_t", verified: false });
    const cookie = await signIn(moderator);

    const list = await getAs(`/admin/users?q=${target.username}`, cookie);
    expect(list.status).toBe(200);
    expect(await html(list)).toContain(target.email);

    const page = await getAs(`/admin/users/${target.id}`, cookie);
    expect(page.status).toBe(200);
    const body = await html(page);
    expect(body).toContain(target.email);
    expect(body).not.toContain('name="intent"');
    expect(body).not.toContain("$argon2id$");

    for (const intent of ["disable", "sign-out-everywhere", "resend-verification", "change-role"]) {
      const response = await postAs(`/admin/users/${target.id}`, cookie, { intent, role: "moderator" });
      expect(response.status, intent).toBe(403);
    }
    expect((await getAs("/admin/audit", cookie)).status).toBe(403);
    expect((await getAs("/admin/audit.csv", cookie)).status).toBe(403);
    expect(await auditFor(target.id)).toEqual([]);
  });

  it("gives admins one nav to every admin page, moderators only to Users", async () => {
    const admin = await createTestUser({ label: "navadmin", role: "admin" });
    const home = await html(await getAs("/admin", await signIn(admin)));
    for (const path of ["/admin/users", "/admin/audit", "/admin/stats", "/admin/settings", "/admin/system"]) {
      expect(home, path).toContain(`href="${path}"`);
    }
    const moderator = await createTestUser({ label: "navmod", role: "moderator" });
    const users = await html(await getAs("/admin/users", await signIn(moderator)));
    expect(users).toContain('href="/admin/users"');
    expect(users).not.toContain('href="/admin/audit"');
    expect(users).not.toContain('href="/admin/stats"');
  });

  it("answers 404 for an account that doesn't exist (page and action), never a 500", async () => {
    const admin = await createTestUser({ label: "a404", role: "admin" });
    const cookie = await signIn(admin);
    expect((await getAs(`/admin/users/${crypto.randomUUID()}`, cookie)).status).toBe(404);
    expect((await getAs(`/admin/users/${"x".repeat(300)}`, cookie)).status).toBe(404);
    expect((await postAs(`/admin/users/${crypto.randomUUID()}`, cookie, { intent: "disable" })).status).toBe(404);
  });
});

describe("the list", () => {
  it("searches by e-mail or username, and filters by role, status and sign-in method", async () => {
    const admin = await createTestUser({ label: "lister", role: "admin" });
    const cookie = await signIn(admin);
    const tag = `f${crypto.randomUUID().slice(0, 6)}`;
    const plain = await createTestUser({ label: `${tag}_plain` });
    const moderator = await createTestUser({ label: `${tag}_mod`, role: "moderator" });
    const unverified = await createTestUser({ label: `${tag}_unv`, verified: false });
    const disabled = await createTestUser({ label: `${tag}_dis` });
    const deleted = await createTestUser({ label: `${tag}_del` });
    const github = await createTestUser({ label: `${tag}_gh` });
    const db = testDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.id));
    await db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, deleted.id));
    await db.update(users).set({ passwordHash: null }).where(eq(users.id, github.id));
    await db.insert(oauthAccounts).values({
      provider: "github",
      providerUserId: `gh-${tag}`,
      userId: github.id,
      email: null,
      createdAt: new Date(),
    });

    const usernames = async (query: string) => {
      const page = await listUserPage(db, readUserFilter(new URL(`${origin}/admin/users?q=${tag}&${query}`)));
      return page.rows.map((row) => row.username).sort();
    };
    expect(await usernames("")).toHaveLength(6);
    expect(await usernames("role=moderator")).toEqual([moderator.username]);
    expect(await usernames("status=disabled")).toEqual([disabled.username]);
    expect(await usernames("status=deleted")).toEqual([deleted.username]);
    expect(await usernames("status=unverified")).toEqual([unverified.username]);
    expect(await usernames("status=active")).toEqual([plain.username, moderator.username, github.username].sort());
    expect(await usernames("method=github")).toEqual([github.username]);
    expect(await usernames("method=passwordless")).toEqual([github.username]);
    expect(await usernames("method=google")).toEqual([]);
    expect(await usernames("method=password")).toHaveLength(5);

    // Through the page: the same filters as a GET form, each row linking to the user's page.
    const response = await getAs(`/admin/users?q=${tag.toUpperCase()}&status=deleted`, cookie);
    expect(response.status).toBe(200);
    const body = await html(response);
    expect(body.split('data-testid="user-row"')).toHaveLength(2);
    expect(body).toContain(`href="/admin/users/${deleted.id}"`);
    expect(body).toContain("Deleted");
    expect(body).toMatch(/<form[^>]*method="get"/);
  });

  it("pages with a keyset cursor in every sort, and ignores anything typed into the query string", async () => {
    const admin = await createTestUser({ label: "pager", role: "admin" });
    const cookie = await signIn(admin);
    const tag = `p${crypto.randomUUID().slice(0, 6)}`;
    const made: TestUser[] = [];
    for (let i = 0; i < 5; i++) made.push(await createTestUser({ label: `${tag}_${i}` }));
    const db = testDb();
    for (const sort of ["newest", "oldest", "username", "email"] as const) {
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 5; page++) {
        const url = new URL(`${origin}/admin/users?q=${tag}&sort=${sort}${after ? `&after=${after}` : ""}`);
        const result = await listUserPage(db, readUserFilter(url), 2);
        seen.push(...result.rows.map((row) => row.id));
        if (!result.next) break;
        after = result.next;
      }
      expect(seen, sort).toHaveLength(5);
      expect(new Set(seen).size, sort).toBe(5);
      if (sort === "username") expect(seen).toEqual(made.map((user) => user.id));
    }
    for (const junk of ["after=%27%20OR%201%3D1", "after=eyJhIjoxfQ", "sort=drop", "role=root&status=x&method=y"]) {
      const response = await getAs(`/admin/users?q=${tag}&${junk}`, cookie);
      expect(response.status, junk).toBe(200);
      expect((await html(response)).split('data-testid="user-row"'), junk).toHaveLength(6);
    }
  });

  it("walks an index for each sort and filter (no full sort of the users table)", async () => {
    const db = testDb();
    const plans = [
      "select id from users order by created_at desc, id desc limit 51",
      "select id from users where (created_at, id) < (1, 'x') order by created_at desc, id desc limit 51",
      "select id from users where role = 'admin' order by created_at desc, id desc limit 51",
      "select id from users where username > 'm' order by username limit 51",
      "select id from users where email > 'm' order by email limit 51",
    ];
    for (const query of plans) {
      const result = await db.$client.execute(`explain query plan ${query}`);
      const detail = result.rows.map((row) => String(row.detail)).join(" | ");
      expect(detail, query).not.toContain("USE TEMP B-TREE");
      expect(detail, query).toMatch(/USING (COVERING )?INDEX/);
    }
  });
});

/** A member of a workspace with a chat room, signed in on the web, in the API and on a socket. */
async function signedInEverywhere(label: string) {
  const user = await createTestUser({ label });
  const cookie = await signIn(user);
  const workspaceId = (await currentWorkspace(testDb(), user.id))!;
  await ensureRooms(testDb(), workspaceId, user.id);
  const rooms = await listRooms(testDb(), workspaceId, user.id);
  const general = rooms.find((room) => room.kind === "general")!.id;
  const tokens = await apiSignIn(user);
  return { user, cookie, general, tokens };
}

function upgrade(roomId: string, cookie: string) {
  return send(
    new Request(`${origin}/chat/${roomId}/socket`, {
      headers: { Upgrade: "websocket", Origin: origin, Cookie: cookie },
    }),
  );
}

async function openSocket(roomId: string, cookie: string) {
  const response = await upgrade(roomId, cookie);
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const frames: ServerFrame[] = [];
  socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  socket.accept();
  return { socket, frames, closed };
}

describe("disabling an account", () => {
  it("ends its pages, API and chat sockets at once; sign-in and the API say it is disabled; enabling restores sign-in", async () => {
    const admin = await createTestUser({ label: "disabler", role: "admin" });
    const adminCookie = await signIn(admin);
    const victim = await signedInEverywhere("disabled");
    // A bystander in the same room keeps their socket.
    const mate = await signedInEverywhere("bystander");
    const workspaceId = (await currentWorkspace(testDb(), victim.user.id))!;
    await testDb()
      .insert(workspaceMembers)
      .values({ workspaceId, userId: mate.user.id, role: "member", createdAt: new Date(), selectedAt: null });

    expect((await getAs("/dashboard", victim.cookie)).status).toBe(200);
    expect((await api("/api/v1/auth/me", { token: victim.tokens.accessToken })).status).toBe(200);
    const victimSocket = await openSocket(victim.general, victim.cookie);
    const mateSocket = await openSocket(victim.general, mate.cookie);

    const response = await postAs(`/admin/users/${victim.user.id}`, adminCookie, { intent: "disable" });
    expect(response.status).toBe(302);
    expect(toastOf(response)?.message).toContain("is disabled and signed out everywhere");

    // Socket: closed now, not at the room's next minute; the bystander stays.
    expect((await victimSocket.closed).code).toBe(4001);
    expect(mateSocket.socket.readyState).toBe(WebSocket.OPEN);
    mateSocket.socket.close();
    // Page: the next request is signed out.
    const page = await getAs("/dashboard", victim.cookie);
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toMatch(/^\/login/);
    // A new upgrade is refused.
    expect((await upgrade(victim.general, victim.cookie)).status).toBe(401);
    // API: bearer and refresh refused, saying why.
    const bearer = await expectProblem(await api("/api/v1/auth/me", { token: victim.tokens.accessToken }), 403);
    expect(bearer.detail).toBe(ACCOUNT_DISABLED_MESSAGE);
    expect(bearer.type).toBe("/api/v1/problems/account-disabled");
    const refresh = await expectProblem(
      await api("/api/v1/auth/refresh", { body: { refreshToken: victim.tokens.refreshToken } }),
      403,
    );
    expect(refresh.detail).toBe(ACCOUNT_DISABLED_MESSAGE);
    // Sign-in: the web form and the API token grant refuse the right password with the message.
    const login = await send(
      formPost(
        "/login",
        { login: victim.user.username, password: victim.user.password },
        { "CF-Connecting-IP": randomIp() },
      ),
    );
    expect(login.status).toBe(403);
    expect(await html(login)).toContain("This account is disabled.");
    expect(
      login.headers.getSetCookie().some((value) => value.startsWith("alva_session=") && !value.includes("Max-Age=0")),
    ).toBe(false);
    const grant = await expectProblem(
      await api("/api/v1/auth/token", {
        body: { login: victim.user.email, password: victim.user.password },
        headers: { "CF-Connecting-IP": freshIp() },
      }),
      403,
    );
    expect(grant.detail).toBe(ACCOUNT_DISABLED_MESSAGE);
    // The wrong password still gets the one generic answer: the status is only told to the owner.
    const wrong = await send(
      formPost(
        "/login",
        { login: victim.user.username, password: "wrong password!" },
        { "CF-Connecting-IP": randomIp() },
      ),
    );
    expect(wrong.status).toBe(400);
    expect(await html(wrong)).not.toContain("This account is disabled");

    const [stored] = await testDb().select().from(users).where(eq(users.id, victim.user.id));
    expect(stored?.disabledAt).toBeInstanceOf(Date);
    expect(await testDb().select().from(sessions).where(eq(sessions.userId, victim.user.id))).toEqual([]);

    // Enabled again: the password works, old tokens stay revoked.
    const enabled = await postAs(`/admin/users/${victim.user.id}`, adminCookie, { intent: "enable" });
    expect(toastOf(enabled)?.message).toContain("can sign in again");
    const again = await send(
      formPost(
        "/login",
        { login: victim.user.username, password: victim.user.password },
        { "CF-Connecting-IP": randomIp() },
      ),
    );
    expect(again.status).toBe(302);
    await expectProblem(await api("/api/v1/auth/me", { token: victim.tokens.accessToken }), 401);

    const entries = await auditFor(victim.user.id);
    expect(entries.map((entry) => entry.action)).toEqual(["user.enable", "user.disable"]);
    expect(entries[0]).toMatchObject({
      actorId: admin.id,
      actorLabel: admin.username,
      targetLabel: victim.user.username,
    });
  });

  it("refuses e-mailed codes (API) for a disabled account, and an admin cannot disable themselves", async () => {
    const admin = await createTestUser({ label: "selfdis", role: "admin" });
    const cookie = await signIn(admin);
    const self = await postAs(`/admin/users/${admin.id}`, cookie, { intent: "disable" });
    expect(self.status).toBe(409);
    expect((await getAs("/dashboard", cookie)).status).toBe(200);

    const victim = await createTestUser({ label: "linkdis" });
    await postAs(`/admin/users/${victim.id}`, cookie, { intent: "disable" });
    const asked = await api("/api/v1/auth/magic-link", { body: { email: victim.email } });
    expect(asked.status).toBe(202);
    const { challenge } = (await asked.json()) as { challenge: string };
    const code = /\b(\d{8})\b/.exec((await lastMailTo(victim.email)).text)![1]!;
    const verify = await expectProblem(await api("/api/v1/auth/magic-link/verify", { body: { challenge, code } }), 403);
    expect(verify.detail).toBe(ACCOUNT_DISABLED_MESSAGE);
  });

  it("refuses provider (OAuth) and e-mailed link or code sign-in on the web with the message, and no session", async () => {
    const profile = fakeUser();
    await flow("github", profile);
    const viaProvider = (await userByEmail(profile.email!))!;
    await testDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, viaProvider.id));
    const { response: oauth } = await flow("github", profile);
    expect(oauth.status).toBe(400);
    expect(await html(oauth)).toContain("This account is disabled.");
    expect(oauth.headers.getSetCookie().some((value) => /^alva_session=[^;]/.test(value))).toBe(false);

    const viaLink = await createTestUser({ label: "linkweb" });
    await testDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, viaLink.id));
    const asked = await send(
      formPost("/login/link", { intent: "request", email: viaLink.email }, { "CF-Connecting-IP": randomIp() }),
    );
    const browser = asked.headers
      .getSetCookie()
      .find((value) => value.startsWith("alva_magic_link="))!
      .split(";")[0]!;
    const mail = await lastMailTo(viaLink.email);
    const token = /token=([a-z2-7]{32})/.exec(mail.text)![1]!;
    const code = /\b(\d{8})\b/.exec(mail.text)![1]!;
    const typed = await send(formPost("/login/link", { intent: "code", code }, { Cookie: browser }));
    expect(typed.status).toBe(403);
    expect(await html(typed)).toContain("This account is disabled.");
    const followed = await send(formPost(`/login/link/verify?token=${token}`, { token }));
    expect([403, 410]).toContain(followed.status);
    expect(await testDb().select().from(sessions).where(eq(sessions.userId, viaLink.id))).toEqual([]);
    const [stillUnverified] = await testDb().select().from(users).where(eq(users.id, viaLink.id));
    expect(stillUnverified?.disabledAt).toBeInstanceOf(Date);
  });

  it("refuses the link itself (not only the code) for a disabled account", async () => {
    const user = await createTestUser({ label: "linkonly" });
    await testDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    await send(formPost("/login/link", { intent: "request", email: user.email }, { "CF-Connecting-IP": randomIp() }));
    const token = /token=([a-z2-7]{32})/.exec((await lastMailTo(user.email)).text)![1]!;
    const followed = await send(formPost(`/login/link/verify?token=${token}`, { token }));
    expect(followed.status).toBe(403);
    expect(await html(followed)).toContain("This account is disabled.");
  });

  it("treats a deleted account (deletedAt) the same way, saying it was deleted", async () => {
    const gone = await signedInEverywhere("deleted");
    await testDb().update(users).set({ deletedAt: new Date() }).where(eq(users.id, gone.user.id));
    // A session the deletion did not end is ended at its next request, which is told why.
    const page = await getAs("/dashboard", gone.cookie);
    expect(page.status).toBe(302);
    expect(toastOf(page)).toEqual({ kind: "error", message: ACCOUNT_DELETED_MESSAGE });
    expect(await testDb().select().from(sessions).where(eq(sessions.userId, gone.user.id))).toEqual([]);
    const bearer = await expectProblem(await api("/api/v1/auth/me", { token: gone.tokens.accessToken }), 403);
    expect(bearer.detail).toBe(ACCOUNT_DELETED_MESSAGE);
    const login = await send(
      formPost("/login", { login: gone.user.email, password: gone.user.password }, { "CF-Connecting-IP": randomIp() }),
    );
    expect(login.status).toBe(403);
    expect(await html(login)).toContain("This account has been deleted.");
    // Listed under "deleted", with no actions on its page.
    const admin = await createTestUser({ label: "seesdel", role: "admin" });
    const detail = await html(await getAs(`/admin/users/${gone.user.id}`, await signIn(admin)));
    expect(detail).toContain("Deleted");
    expect(detail).not.toContain('value="disable"');
  });

  it("asks an admin who signed in more than 15 minutes ago for the password first", async () => {
    const admin = await createTestUser({ label: "staledis", role: "admin" });
    const target = await createTestUser({ label: "staledis_t" });
    const stale = await signIn(admin, { now: Date.now() - 16 * 60 * 1000 });
    const asked = await postAs(`/admin/users/${target.id}`, stale, { intent: "disable" });
    expect(asked.status).toBe(401);
    const body = await html(asked);
    expect(body).toContain("Enter your password to confirm it&#x27;s you.");
    expect(body).toContain('<input type="hidden" name="intent" value="disable"/>');
    const [still] = await testDb().select().from(users).where(eq(users.id, target.id));
    expect(still?.disabledAt).toBeNull();
    const right = await postAs(`/admin/users/${target.id}`, stale, { intent: "disable", password: admin.password });
    expect(right.status).toBe(302);
  });
});

describe("other actions", () => {
  it("signs a user out everywhere, resends verification and changes the role, each in the audit log", async () => {
    const admin = await createTestUser({ label: "actor", role: "admin" });
    const cookie = await signIn(admin);
    const target = await signedInEverywhere("acted");
    await testDb().update(users).set({ emailVerifiedAt: null }).where(eq(users.id, target.user.id));

    const out = await postAs(`/admin/users/${target.user.id}`, cookie, { intent: "sign-out-everywhere" });
    expect(toastOf(out)?.message).toContain("signed out everywhere (2 sign-ins ended)");
    expect((await getAs("/dashboard", target.cookie)).status).toBe(302);
    await expectProblem(await api("/api/v1/auth/me", { token: target.tokens.accessToken }), 401);

    const resent = await postAs(`/admin/users/${target.user.id}`, cookie, { intent: "resend-verification" });
    expect(toastOf(resent)?.message).toContain(target.user.email);
    expect((await lastMailTo(target.user.email)).subject).toMatch(/verif|confirm|code/i);

    const role = await postAs(`/admin/users/${target.user.id}`, cookie, { intent: "change-role", role: "moderator" });
    expect(toastOf(role)?.message).toContain("is now a moderator");

    // The old /admin role form records its change too.
    await postAs("/admin", cookie, { intent: "change-role", userId: target.user.id, role: "user" });

    const entries = await auditFor(target.user.id);
    expect(entries.map((entry) => entry.action)).toEqual([
      "user.role",
      "user.role",
      "user.resend-verification",
      "user.sign-out-everywhere",
    ]);
    expect(JSON.parse(entries[0]!.detail!)).toEqual({ from: "moderator", to: "user" });
    expect(JSON.parse(entries[1]!.detail!)).toEqual({ from: "user", to: "moderator" });
    expect(entries.every((entry) => entry.actorId === admin.id && entry.ip !== undefined)).toBe(true);

    // The user's page shows the admin what happened.
    const page = await html(await getAs(`/admin/users/${target.user.id}`, cookie));
    expect(page).toContain("user.sign-out-everywhere");
    expect(page).toContain("Signed out everywhere by an administrator");
  });
});

describe("deleting and restoring an account", () => {
  it("deletes only after the address is typed, the same way the owner would; restores before the purge; both audited", async () => {
    const admin = await createTestUser({ label: "deleter", role: "admin" });
    const cookie = await signIn(admin);
    const target = await signedInEverywhere("deletee");
    const page = `/admin/users/${target.user.id}`;

    const mistyped = await postAs(page, cookie, { intent: "delete", confirmEmail: "someone@example.com" });
    expect(mistyped.status).toBe(400);
    expect(await mistyped.text()).toContain(`Type ${target.user.email} exactly`);
    expect((await getAs("/dashboard", target.cookie)).status).toBe(200);

    const deleted = await postAs(page, cookie, { intent: "delete", confirmEmail: target.user.email.toUpperCase() });
    expect(toastOf(deleted)?.message).toMatch(/is deleted and signed out everywhere; it will be purged on \d{4}-/);
    const [row] = await testDb().select().from(users).where(eq(users.id, target.user.id));
    expect(row!.deletedAt).not.toBeNull();
    expect((await getAs("/dashboard", target.cookie)).status).toBe(302);
    // The account check answers before the revoked sign-in is even looked at.
    await expectProblem(await api("/api/v1/auth/me", { token: target.tokens.accessToken }), 403);
    expect((await lastMailTo(target.user.email)).subject).toBe("Your Alva account was deleted");
    const login = await send(
      formPost(
        "/login",
        { login: target.user.email, password: target.user.password },
        { "CF-Connecting-IP": randomIp() },
      ),
    );
    expect(await login.text()).toContain(ACCOUNT_DELETED_MESSAGE.slice(0, 30));
    expect(await html(await getAs(page, cookie))).toContain("Restore account");

    const restored = await postAs(page, cookie, { intent: "restore" });
    expect(toastOf(restored)?.message).toContain("is restored");
    const [back] = await testDb().select().from(users).where(eq(users.id, target.user.id));
    expect(back!.deletedAt).toBeNull();
    expect((await auditFor(target.user.id)).map((entry) => entry.action)).toEqual(["user.restore", "user.delete"]);
  });

  it("refuses moderators and plain users, an admin's own account, and the last administrator", async () => {
    const moderator = await createTestUser({ label: "moddel", role: "moderator" });
    const target = await createTestUser({ label: "safe" });
    const asModerator = await postAs(`/admin/users/${target.id}`, await signIn(moderator), {
      intent: "delete",
      confirmEmail: target.email,
    });
    expect(asModerator.status).toBe(403);
    const admin = await createTestUser({ label: "selfdel", role: "admin" });
    const own = await postAs(`/admin/users/${admin.id}`, await signIn(admin), {
      intent: "delete",
      confirmEmail: admin.email,
    });
    expect(own.status).toBe(409);
    for (const id of [target.id, admin.id]) {
      const [row] = await testDb().select().from(users).where(eq(users.id, id));
      expect(row!.deletedAt).toBeNull();
    }
  });
});

describe("the audit log", () => {
  it("lists, filters by actor, action and dates, pages, and exports spreadsheet-safe CSV", async () => {
    const admin = await createTestUser({ label: "auditor", role: "admin" });
    const cookie = await signIn(admin);
    const tag = `=HYPERLINK("http://evil.example","x"),\n${crypto.randomUUID().slice(0, 4)}`;
    const request = new Request(origin, { headers: { "CF-Connecting-IP": "203.0.113.9" } });
    for (let i = 0; i < 3; i++) {
      await recordAudit(testDb(), {
        actor: { id: admin.id, username: admin.username },
        action: "test.csv",
        target: { userId: null, label: `${tag} #${i}` },
        detail: { note: '+1 "quoted", -2' },
        request,
      });
    }

    const page = await getAs(`/admin/audit?actor=@${admin.username}&action=test.csv`, cookie);
    expect(page.status).toBe(200);
    const body = await html(page);
    expect(body.split('data-testid="audit-row"')).toHaveLength(4);
    expect(body).toContain("203.0.113.9");
    expect(body).toContain(`href="/admin/audit.csv?actor=${admin.username}&amp;action=test.csv"`);
    // No form on this page changes anything.
    expect(body).not.toMatch(/<form[^>]*action="\/admin\/audit[^"]*"[^>]*method="post"/);

    const today = new Date().toISOString().slice(0, 10);
    const none = await html(await getAs(`/admin/audit?actor=${admin.username}&to=2000-01-01`, cookie));
    expect(none).toContain("No entries.");
    const dated = await html(await getAs(`/admin/audit?actor=${admin.username}&from=${today}&to=${today}`, cookie));
    expect(dated.split('data-testid="audit-row"')).toHaveLength(4);
    for (const junk of ["from=2024-13-45", "after=-1", "action=DROP%20TABLE", "to=%27"]) {
      expect((await getAs(`/admin/audit?${junk}`, cookie)).status, junk).toBe(200);
    }

    const csv = await getAs(`/admin/audit.csv?actor=${admin.username}&action=test.csv`, cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("Content-Disposition")).toMatch(/^attachment; filename="alva-audit-\d{4}-\d\d-\d\d\.csv"$/);
    expect(csv.headers.get("Cache-Control")).toContain("no-store");
    const text = await csv.text();
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("time (UTC),actor,actor id,action,target,target id,detail,ip");
    // The target cell: formula defused with a leading quote, quotes doubled, the comma and the line
    // break kept inside one quoted cell.
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x""),\n`);
    expect(text).toContain('"{""note"":""+1 \\""quoted\\"", -2""}"');
    expect(text.match(/test\.csv/g)).toHaveLength(3);

    // Paging: 50 a page, the cursor is the last id.
    const rows = await testDb()
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, admin.id), eq(auditLog.action, "test.csv")))
      .orderBy(desc(auditLog.id));
    const older = await html(
      await getAs(`/admin/audit?actor=${admin.username}&action=test.csv&after=${rows[0]!.id}`, cookie),
    );
    expect(older.split('data-testid="audit-row"')).toHaveLength(3);
  });

  it("escapes every dangerous cell start and quotes only when needed", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
      expect(csvCell(`${start}SUM(A1)`).replace(/^"/, "")).toMatch(/^'/);
    }
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(
      auditCsv([
        {
          id: 1,
          actorId: "a",
          actorLabel: "-x",
          action: "user.role",
          targetUserId: null,
          targetLabel: null,
          detail: null,
          ip: "::1",
          createdAt: 0,
        },
      ]),
    ).toBe(
      "time (UTC),actor,actor id,action,target,target id,detail,ip\r\n1970-01-01T00:00:00.000Z,'-x,a,user.role,,,,::1\r\n",
    );
  });

  it("has no way to change or remove an entry: every method but GET on it is refused", async () => {
    const admin = await createTestUser({ label: "immutable", role: "admin" });
    const cookie = await signIn(admin);
    for (const path of ["/admin/audit", "/admin/audit.csv"]) {
      const response = await postAs(path, cookie, { intent: "delete" });
      expect(response.status, path).toBe(405);
    }
  });
});
