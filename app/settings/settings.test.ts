import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { securityEvents, sessions, users } from "../../db/schema.ts";
import {
  createTestUser,
  deadDatabase,
  ensureInstance,
  formPost,
  getAs,
  postAs,
  send,
  setCookies,
  signIn,
  TEST_PASSWORD,
  testDb,
} from "../../tests/worker-helpers.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";

beforeAll(ensureInstance);

const MINUTE = 60 * 1000;
const token = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);
const sessionId = (cookie: string) => token(cookie).split(".")[0]!;
const secretOf = (cookie: string) => token(cookie).split(".")[1]!;

/** Whether `cookie` still signs someone in (a signed-in page answers 200, not a redirect to /login). */
async function stillSignedIn(cookie: string): Promise<boolean> {
  const response = await getAs("/settings", cookie);
  if (response.status === 200) return true;
  expect(response.status).toBe(302);
  expect(response.headers.get("Location")).toMatch(/^\/login/);
  return false;
}

async function sessionRow(cookie: string) {
  const [row] = await testDb()
    .select()
    .from(sessions)
    .where(eq(sessions.id, sessionId(cookie)));
  return row;
}

async function eventsOf(userId: string) {
  return testDb().select().from(securityEvents).where(eq(securityEvents.userId, userId));
}

describe("signed-in pages", () => {
  it.each(["/settings", "/settings/sessions", "/settings/security"])(
    "%s sends anonymous visitors to sign in and back",
    async (path) => {
      const response = await send(new Request(`http://localhost:5173${path}`, { redirect: "manual" }));
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
    },
  );

  it("refuses actions from anonymous visitors without touching anything", async () => {
    const owner = await createTestUser({ label: "anonpost" });
    const cookie = await signIn(owner);
    const response = await send(formPost("/settings/sessions", { intent: "revoke", sessionId: sessionId(cookie) }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
    expect(await stillSignedIn(cookie)).toBe(true);
  });
});

describe("/settings", () => {
  it("shows the account: username, display name, e-mail with its state, role, and the way to each section", async () => {
    const user = await createTestUser({ label: "summary", verified: false });
    await testDb().update(users).set({ displayName: "Ada <b>Lovelace</b>" }).where(eq(users.id, user.id));
    const response = await getAs("/settings", await signIn(user));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`@${user.username}`);
    expect(html).toContain(user.email);
    expect(html).toContain("Not verified");
    expect(html).toContain('data-testid="account-role">User<');
    // Text, never markup.
    expect(html).toContain("Ada &lt;b&gt;Lovelace&lt;/b&gt;");
    expect(html).not.toContain("<b>Lovelace</b>");
    for (const path of ["/settings/sessions", "/settings/security", "/settings/password", "/settings/email"]) {
      expect(html).toContain(`href="${path}"`);
    }
  });

  it("says when the e-mail is verified, and shows other roles", async () => {
    const user = await createTestUser({ label: "summaryv", role: "moderator" });
    const html = await (await getAs("/settings", await signIn(user))).text();
    expect(html).toContain("Verified");
    expect(html).not.toContain("Not verified");
    expect(html).toContain('data-testid="account-role">Moderator<');
    expect(html).toContain("Not set"); // no display name
  });
});

describe("/settings/sessions", () => {
  it("lists only the user's own sessions, newest activity first, with this device marked", async () => {
    const me = await createTestUser({ label: "list" });
    const someoneElse = await createTestUser({ label: "listother" });
    const older = await signIn(me, { now: Date.now() - 30 * MINUTE });
    const current = await signIn(me);
    const theirs = await signIn(someoneElse);

    const response = await getAs("/settings/sessions", current);
    expect(response.status).toBe(200);
    const html = await response.text();
    const items = html.split('data-testid="session"').slice(1);
    expect(items).toHaveLength(2);
    expect(items[0]).toContain(sessionId(current));
    expect(items[0]).toContain('data-testid="current-session"');
    expect(items[0]).toContain("This device");
    expect(items[1]).toContain(sessionId(older));
    expect(items[1]).not.toContain("This device");
    expect(html).toContain("Firefox on Linux");
    expect(html).not.toContain(sessionId(theirs));
    // The secret half of a token never leaves the cookie.
    expect(html).not.toContain(secretOf(current));
    expect(html).not.toContain(secretOf(older));
  });

  it("does not list sessions that have expired but are not yet cleaned up", async () => {
    const me = await createTestUser({ label: "listexp" });
    const current = await signIn(me);
    const stale = await signIn(me);
    await testDb()
      .update(sessions)
      .set({ idleExpiresAt: new Date(Date.now() - MINUTE) })
      .where(eq(sessions.id, sessionId(stale)));
    const html = await (await getAs("/settings/sessions", current)).text();
    expect(html).not.toContain(sessionId(stale));
  });

  it("ends one of the user's other sessions, and says so", async () => {
    const me = await createTestUser({ label: "revoke" });
    const current = await signIn(me);
    const other = await signIn(me);
    const response = await postAs("/settings/sessions", current, { intent: "revoke", sessionId: sessionId(other) });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings/sessions");
    expect(decodeURIComponent(setCookies(response).get("toast") ?? "")).toContain(
      "Ended the session on Firefox on Linux.",
    );
    expect(await sessionRow(other)).toBeUndefined();
    expect(await stillSignedIn(other)).toBe(false);
    expect(await stillSignedIn(current)).toBe(true);

    const events = await eventsOf(me.id);
    const revoked = events.filter((event) => event.type === "session-revoked");
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.detail).toBe("Ended the session on Firefox on Linux");
    expect(JSON.stringify(events)).not.toContain(secretOf(other));
  });

  it("refuses to end another user's session (IDOR): not found, and that session keeps working", async () => {
    const attacker = await createTestUser({ label: "idor" });
    const victim = await createTestUser({ label: "idorvictim" });
    const attackerCookie = await signIn(attacker);
    const victimCookie = await signIn(victim);

    const response = await postAs("/settings/sessions", attackerCookie, {
      intent: "revoke",
      sessionId: sessionId(victimCookie),
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("That session was not found.");
    expect(setCookies(response).has("alva_session")).toBe(false);
    expect(await sessionRow(victimCookie)).toBeDefined();
    expect(await stillSignedIn(victimCookie)).toBe(true);
    expect(await stillSignedIn(attackerCookie)).toBe(true);
    expect((await eventsOf(victim.id)).filter((event) => event.type === "session-revoked")).toHaveLength(0);
    expect((await eventsOf(attacker.id)).filter((event) => event.type === "session-revoked")).toHaveLength(0);
  });

  it("answers an unknown session id the same way", async () => {
    const me = await createTestUser({ label: "unknownsid" });
    const cookie = await signIn(me);
    const response = await postAs("/settings/sessions", cookie, { intent: "revoke", sessionId: "aaaaaaaaaaaaaaaa" });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("That session was not found.");
  });

  it("signs out when the current session is ended: cookie cleared, off to /login", async () => {
    const me = await createTestUser({ label: "revokeself" });
    const current = await signIn(me);
    const response = await postAs("/settings/sessions", current, { intent: "revoke", sessionId: sessionId(current) });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login");
    const cleared = setCookies(response).get("alva_session")!;
    expect(cleared).toMatch(/^alva_session=;/);
    expect(cleared).toContain("Max-Age=0");
    expect(await sessionRow(current)).toBeUndefined();
    expect(await stillSignedIn(current)).toBe(false);
    const [event] = (await eventsOf(me.id)).filter((row) => row.type === "session-revoked");
    expect(event?.detail).toBe("Signed out of this device (Firefox on Linux)");
  });

  it("signs out everywhere else: every other session of the user ends, this one and other users' stay", async () => {
    const me = await createTestUser({ label: "others" });
    const neighbour = await createTestUser({ label: "othersn" });
    const current = await signIn(me);
    const laptop = await signIn(me);
    const phone = await signIn(me);
    const neighbours = await signIn(neighbour);

    const response = await postAs("/settings/sessions", current, { intent: "revoke-others" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings/sessions");
    expect(decodeURIComponent(setCookies(response).get("toast") ?? "")).toContain("ended 2 sessions");
    expect(setCookies(response).has("alva_session")).toBe(false);
    expect(await stillSignedIn(laptop)).toBe(false);
    expect(await stillSignedIn(phone)).toBe(false);
    expect(await stillSignedIn(current)).toBe(true);
    expect(await stillSignedIn(neighbours)).toBe(true);
    const remaining = await testDb().select().from(sessions).where(eq(sessions.userId, me.id));
    expect(remaining.map((row) => row.id)).toEqual([sessionId(current)]);
    const [event] = (await eventsOf(me.id)).filter((row) => row.type === "session-revoked");
    expect(event?.detail).toBe("Signed out everywhere else (2 sessions)");
  });

  it("offers 'sign out everywhere else' only when there is somewhere else", async () => {
    const me = await createTestUser({ label: "alone" });
    const current = await signIn(me);
    expect(await (await getAs("/settings/sessions", current)).text()).toContain("signed in only on this device");
    await signIn(me);
    expect(await (await getAs("/settings/sessions", current)).text()).toContain("Sign out everywhere else");
    const alone = await createTestUser({ label: "alone2" });
    const response = await postAs("/settings/sessions", await signIn(alone), { intent: "revoke-others" });
    expect(response.status).toBe(302);
    expect(decodeURIComponent(setCookies(response).get("toast") ?? "")).toContain("weren't signed in anywhere else");
  });

  it("works as plain HTML forms (no JavaScript needed)", async () => {
    const me = await createTestUser({ label: "nojs" });
    const current = await signIn(me);
    await signIn(me);
    const html = await (await getAs("/settings/sessions", current)).text();
    // One per session plus "everywhere else", all posting to this page.
    expect(html.match(/<form[^>]*action="\/settings\/sessions" method="post"/g)?.length).toBe(3);
    expect(html).toContain('<input type="hidden" name="intent" value="revoke"/>');
    expect(html).toContain('<input type="hidden" name="intent" value="revoke-others"/>');
    expect(html).toContain(`<input type="hidden" name="sessionId" value="${sessionId(current)}"/>`);
  });

  it.each([
    ["no intent", {}],
    ["an unknown intent", { intent: "delete-account" }],
    ["no session id", { intent: "revoke" }],
    ["an over-long session id", { intent: "revoke", sessionId: "a".repeat(500) }],
  ])("rejects %s with 400 and changes nothing", async (_, fields: Record<string, string>) => {
    const me = await createTestUser({ label: "badinput" });
    const current = await signIn(me);
    const other = await signIn(me);
    const response = await postAs("/settings/sessions", current, fields);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("wasn&#x27;t understood");
    expect(await sessionRow(other)).toBeDefined();
    expect(await sessionRow(current)).toBeDefined();
  });

  it("refuses the post when it comes from another site (CSRF)", async () => {
    const me = await createTestUser({ label: "csrf" });
    const current = await signIn(me);
    const other = await signIn(me);
    const response = await postAs(
      "/settings/sessions",
      current,
      { intent: "revoke-others" },
      { "Sec-Fetch-Site": "cross-site" },
    );
    expect(response.status).toBe(403);
    expect(await sessionRow(other)).toBeDefined();
  });

  describe("authenticating again (ASVS V7.5.2) once the sign-in is older than 15 minutes", () => {
    it("asks for the password before ending another session, and ends nothing meanwhile", async () => {
      const me = await createTestUser({ label: "reauth" });
      const current = await signIn(me, { now: Date.now() - 20 * MINUTE });
      const other = await signIn(me);
      const attempts: Record<string, string>[] = [
        { intent: "revoke", sessionId: sessionId(other) },
        { intent: "revoke-others" },
      ];
      for (const fields of attempts) {
        const response = await postAs("/settings/sessions", current, fields);
        expect(response.status).toBe(401);
        const html = await response.text();
        expect(html).toContain("Enter your password to confirm it&#x27;s you.");
        expect(html).toMatch(
          /<input id="confirm-password" type="password" autoComplete="current-password"[^>]* name="password"\/>/,
        );
        expect(await sessionRow(other)).toBeDefined();
      }
    });

    it("refuses a wrong password, logs the failed attempt, and accepts the right one", async () => {
      const me = await createTestUser({ label: "reauthpw" });
      const current = await signIn(me, { now: Date.now() - 20 * MINUTE });
      const other = await signIn(me);
      const wrong = await postAs("/settings/sessions", current, {
        intent: "revoke",
        sessionId: sessionId(other),
        password: "not my password",
      });
      expect(wrong.status).toBe(401);
      const wrongHtml = await wrong.text();
      expect(wrongHtml).toContain("That password isn&#x27;t right.");
      expect(wrongHtml).not.toContain("not my password");
      expect(await sessionRow(other)).toBeDefined();
      const failed = (await eventsOf(me.id)).filter((event) => event.type === "sign-in-failed");
      expect(failed).toHaveLength(1);
      expect(failed[0]!.detail).toBe("Wrong password when ending a session");

      const right = await postAs("/settings/sessions", current, {
        intent: "revoke",
        sessionId: sessionId(other),
        password: TEST_PASSWORD,
      });
      expect(right.status).toBe(302);
      expect(await sessionRow(other)).toBeUndefined();
      expect(JSON.stringify(await eventsOf(me.id))).not.toContain(TEST_PASSWORD);
    });

    it("stops password guessing with the account's sign-in limit", async () => {
      const me = await createTestUser({ label: "reauthlimit" });
      const current = await signIn(me, { now: Date.now() - 20 * MINUTE });
      const other = await signIn(me);
      let last: Response | undefined;
      for (let attempt = 0; attempt < 6; attempt++) {
        last = await postAs("/settings/sessions", current, { intent: "revoke-others", password: `guess ${attempt}` });
      }
      expect(last!.status).toBe(429);
      expect(await last!.text()).toContain("Too many password attempts");
      // Even the right password waits now.
      const right = await postAs("/settings/sessions", current, { intent: "revoke-others", password: TEST_PASSWORD });
      expect(right.status).toBe(429);
      expect(await sessionRow(other)).toBeDefined();
    });

    it("still lets the user sign out of this device without a password", async () => {
      const me = await createTestUser({ label: "reauthself" });
      const current = await signIn(me, { now: Date.now() - 20 * MINUTE });
      const response = await postAs("/settings/sessions", current, { intent: "revoke", sessionId: sessionId(current) });
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/login");
    });
  });
});

describe("/settings/security", () => {
  it("shows the user's own events in words, with IP and device, and nobody else's", async () => {
    const me = await createTestUser({ label: "log" });
    const other = await createTestUser({ label: "logother" });
    const request = (ip: string) =>
      new Request("http://localhost:5173/login", {
        headers: {
          "CF-Connecting-IP": ip,
          "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        },
      });
    await recordSecurityEvent(testDb(), { userId: me.id, type: "sign-in", request: request("203.0.113.7") });
    await recordSecurityEvent(testDb(), { userId: me.id, type: "sign-in-failed", request: request("203.0.113.8") });
    await recordSecurityEvent(testDb(), {
      userId: other.id,
      type: "password-changed",
      request: request("198.51.100.99"),
      detail: "other-user-marker",
    });

    const response = await getAs("/settings/security", await signIn(me));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html.split('data-testid="security-event"')).toHaveLength(3);
    expect(html).toContain("Signed in");
    expect(html).toContain("Failed sign-in attempt");
    expect(html).toContain("203.0.113.7");
    expect(html).toContain("203.0.113.8");
    expect(html).toContain("Firefox on Linux");
    expect(html).toMatch(/<time dateTime="\d{4}-\d\d-\d\dT[^"]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
    expect(html).not.toContain("other-user-marker");
    expect(html).not.toContain("198.51.100.99");
    expect(html).not.toContain("Password changed");
  });

  it("never shows secrets: no token, password, password hash or cookie", async () => {
    const me = await createTestUser({ label: "logsecret" });
    const current = await signIn(me);
    const other = await signIn(me);
    await postAs("/settings/sessions", current, { intent: "revoke", sessionId: sessionId(other) });
    const response = await getAs("/settings/security", current);
    const html = await response.text();
    expect(html).toContain("Session ended");
    expect(html).toContain("Ended the session on Firefox on Linux");
    const [row] = await testDb().select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, me.id));
    for (const secret of [secretOf(current), secretOf(other), TEST_PASSWORD, row!.passwordHash!, "$argon2id$"]) {
      expect(html).not.toContain(secret);
    }
  });

  it("shows what an event says as text, never as markup", async () => {
    const me = await createTestUser({ label: "logxss" });
    await testDb().insert(securityEvents).values({
      userId: me.id,
      type: "session-revoked",
      ip: "<img src=x onerror=alert(1)>",
      device: "<script>alert(1)</script>",
      detail: "<b>bold</b>",
      createdAt: new Date(),
    });
    const html = await (await getAs("/settings/security", await signIn(me))).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>bold</b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("says so when there is nothing yet", async () => {
    const me = await createTestUser({ label: "logempty" });
    const html = await (await getAs("/settings/security", await signIn(me))).text();
    expect(html).toContain("Nothing recorded yet.");
  });
});

describe("database outage", () => {
  it("answers 503 on the sessions page rather than failing silently", async () => {
    const me = await createTestUser({ label: "dbdown" });
    const cookie = await signIn(me);
    const response = await send(
      new Request("http://localhost:5173/settings/sessions", { headers: { Cookie: cookie }, redirect: "manual" }),
      deadDatabase,
    );
    expect(response.status).toBe(503);
  });
});
