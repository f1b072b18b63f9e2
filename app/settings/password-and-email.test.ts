import { and, eq, isNull } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { emailVerifications, passwordResets, users } from "../../db/schema.ts";
import {
  codeIn,
  eventTypes,
  lastMailTo,
  lastOutboxId,
  mailSince,
  mailTo,
  randomIp,
  toastOf,
  tokenIn,
} from "../../tests/support/email-flows.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  postAs,
  send,
  signIn,
  TEST_PASSWORD,
  testDb,
} from "../../tests/worker-helpers.ts";
import { createAccount } from "../accounts/accounts.server.ts";
import { verifyPassword } from "../accounts/password.server.ts";

beforeAll(ensureInstance);

const NEW_PASSWORD = "an entirely different passphrase";

async function userRow(userId: string) {
  const [row] = await testDb().select().from(users).where(eq(users.id, userId));
  return row!;
}

async function stillSignedIn(cookie: string): Promise<boolean> {
  const response = await getAs("/dashboard", cookie);
  return response.status === 200;
}

async function signedInUser(label: string) {
  const user = await createTestUser({ label });
  return { ...user, cookie: await signIn(user) };
}

describe("/settings/password", () => {
  const change = (cookie: string, fields: Record<string, string>) => postAs("/settings/password", cookie, fields);

  it("renders inside the shell, with a form that works without JavaScript", async () => {
    const user = await signedInUser("pwpage");
    const response = await getAs("/settings/password", user.cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('aria-label="Main"'); // the shell's sidebar
    expect(html).toMatch(/<form[^>]*action="\/settings\/password"[^>]*method="post"/);
    expect(html).toContain('name="currentPassword"');
    const anonymous = await send(new Request("http://localhost:5173/settings/password", { redirect: "manual" }));
    expect(anonymous.headers.get("Location")).toBe("/login?redirectTo=%2Fsettings%2Fpassword");
  });

  it("needs the right current password", async () => {
    const user = await signedInUser("pwwrong");
    const before = (await userRow(user.id)).passwordHash;
    const wrong = await change(user.cookie, {
      currentPassword: "not my password",
      password: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That isn&#x27;t your current password.");
    const missing = await change(user.cookie, { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("Enter your current password.");
    expect((await userRow(user.id)).passwordHash).toBe(before);
    expect(await eventTypes(user.id)).toContain("sign-in-failed");
  });

  it("cannot be used to guess the password: wrong tries share the sign-in limit, then even the right one waits", async () => {
    const user = await signedInUser("pwguess");
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await change(user.cookie, {
            currentPassword: `guess ${i}`,
            password: NEW_PASSWORD,
            confirmPassword: NEW_PASSWORD,
          })
        ).status,
      ).toBe(400);
    }
    const limited = await change(user.cookie, {
      currentPassword: TEST_PASSWORD,
      password: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await limited.text()).toMatch(/Too many password attempts for this account; try again in \d+ minutes?/);
    expect((await verifyPassword((await userRow(user.id)).passwordHash!, TEST_PASSWORD)).valid).toBe(true);
  });

  it("refuses the current password as the new one, and applies the password rules", async () => {
    const user = await signedInUser("pwsame");
    const same = await change(user.cookie, {
      currentPassword: TEST_PASSWORD,
      password: TEST_PASSWORD,
      confirmPassword: TEST_PASSWORD,
    });
    expect(same.status).toBe(400);
    expect(await same.text()).toContain("That is your current password");
    for (const [password, confirmPassword, message] of [
      ["short", "short", "Use at least 8 characters."],
      ["password1", "password1", "too common"],
      [NEW_PASSWORD, "not the same", "The two passwords differ."],
    ]) {
      const response = await change(user.cookie, {
        currentPassword: TEST_PASSWORD,
        password: password!,
        confirmPassword: confirmPassword!,
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message!);
    }
  });

  it("changes it, ends every other session but keeps this one, logs it, mails a notice and kills pending reset links", async () => {
    const user = await signedInUser("pwok");
    const other = await signIn(user);
    await send(formPost("/forgot-password", { email: user.email }, { "CF-Connecting-IP": randomIp() }));
    const resetToken = tokenIn(await lastMailTo(user.email), "/reset-password");

    const response = await change(user.cookie, {
      currentPassword: TEST_PASSWORD,
      password: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings/password");
    expect(toastOf(response)?.message).toContain("Your password was changed.");
    expect((await verifyPassword((await userRow(user.id)).passwordHash!, NEW_PASSWORD)).valid).toBe(true);
    expect(await stillSignedIn(user.cookie)).toBe(true);
    expect(await stillSignedIn(other)).toBe(false);
    expect(await eventTypes(user.id)).toContain("password-changed");
    expect((await lastMailTo(user.email)).subject).toBe("Your Alva password was changed");
    expect((await send(`/reset-password?token=${resetToken}`)).status).toBe(410);
  });

  it("lets a passwordless account that just signed in set a first password without a current one", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const created = await createAccount(testDb(), {
      username: `nopw_${suffix}`,
      email: `nopw_${suffix}@example.com`,
      displayName: null,
      passwordHash: null,
      emailVerifiedAt: new Date(),
    });
    const fresh = await signIn(created);
    const page = await (await getAs("/settings/password", fresh)).text();
    expect(page).toContain("Set a password");
    expect(page).not.toContain('name="currentPassword"');
    const response = await postAs("/settings/password", fresh, {
      password: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(response.status).toBe(302);
    expect((await verifyPassword((await userRow(created.id)).passwordHash!, NEW_PASSWORD)).valid).toBe(true);

    // A session from long ago (perhaps a stolen one) cannot: it has no password to prove itself with.
    const other = await createAccount(testDb(), {
      username: `nopw2_${suffix}`,
      email: `nopw2_${suffix}@example.com`,
      displayName: null,
      passwordHash: null,
    });
    const stale = await signIn(other, { now: Date.now() - 60 * 60 * 1000 });
    const refused = await postAs("/settings/password", stale, {
      password: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(refused.status).toBe(403);
    expect((await userRow(other.id)).passwordHash).toBeNull();
  });
});

describe("/settings/email", () => {
  const requestChange = (cookie: string, email: string, currentPassword = TEST_PASSWORD) =>
    postAs("/settings/email", cookie, { email, currentPassword });
  const freshAddress = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@Example.org`;

  it("renders inside the shell with a form that works without JavaScript", async () => {
    const user = await signedInUser("empage");
    const html = await (await getAs("/settings/email", user.cookie)).text();
    expect(html).toContain('aria-label="Main"');
    expect(html).toMatch(/<form[^>]*action="\/settings\/email"[^>]*method="post"/);
    expect(html).toContain(user.email);
  });

  it("needs the current password, and sends nothing without it", async () => {
    const user = await signedInUser("emwrong");
    const before = await lastOutboxId();
    const wrong = await requestChange(user.cookie, freshAddress("new"), "not my password");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That isn&#x27;t your current password.");
    const malformed = await requestChange(user.cookie, "nonsense");
    expect(malformed.status).toBe(400);
    expect(await mailSince(before)).toHaveLength(0);
  });

  it("changes the address only once the new one is confirmed, then tells the old one", async () => {
    const user = await signedInUser("emok");
    const newEmail = freshAddress("moved");
    const response = await requestChange(user.cookie, newEmail);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/settings/email");
    expect(toastOf(response)?.message).toContain(`We sent a link to ${newEmail.toLowerCase()}`);
    expect((await userRow(user.id)).email).toBe(user.email); // not yet

    const mail = await lastMailTo(newEmail);
    expect(mail.subject).toBe("Confirm your new e-mail address for Alva");
    const confirmed = await postAs("/verify-email", user.cookie, { code: codeIn(mail) });
    expect(confirmed.status).toBe(302);
    expect(toastOf(confirmed)?.message).toContain(newEmail.toLowerCase());

    const row = await userRow(user.id);
    expect(row.email).toBe(newEmail.toLowerCase());
    expect(row.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await eventTypes(user.id)).toContain("email-changed");
    const notice = await lastMailTo(user.email);
    expect(notice.subject).toBe("Your Alva e-mail address was changed");
    expect(notice.text).toContain(newEmail.toLowerCase());
  });

  it("can be confirmed with the link, signed out", async () => {
    const user = await signedInUser("emlink");
    const newEmail = freshAddress("linked");
    await requestChange(user.cookie, newEmail);
    const token = tokenIn(await lastMailTo(newEmail), "/verify-email");
    const page = await send(`/verify-email?token=${token}`);
    expect(await page.text()).toContain(newEmail.toLowerCase());
    expect((await userRow(user.id)).email).toBe(user.email); // the GET changed nothing
    const response = await send(formPost(`/verify-email?token=${token}`, { token }));
    expect(response.status).toBe(302);
    expect((await userRow(user.id)).email).toBe(newEmail.toLowerCase());
  });

  it("answers the same when the new address belongs to another account, sends it no code, and tells its owner", async () => {
    const user = await signedInUser("emtaken");
    const owner = await createTestUser({ label: "emowner" });
    const free = freshAddress("free");
    const [a, b] = [
      await requestChange(user.cookie, free),
      await requestChange(user.cookie, owner.email.toUpperCase()),
    ];
    expect(a.status).toBe(b.status);
    expect(a.headers.get("Location")).toBe(b.headers.get("Location"));
    expect(toastOf(a)!.message.replace(free.toLowerCase(), "X")).toBe(toastOf(b)!.message.replace(owner.email, "X"));

    const toOwner = await mailTo(owner.email);
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]!.subject).toBe("Someone tried to use your address on Alva");
    expect(toOwner[0]!.text).not.toMatch(/\bcode\b|\/verify-email/i);
    const pending = await testDb()
      .select()
      .from(emailVerifications)
      .where(and(eq(emailVerifications.userId, user.id), isNull(emailVerifications.consumedAt)));
    expect(pending.map((row) => row.email)).not.toContain(owner.email);
    expect((await userRow(user.id)).email).toBe(user.email);
  });

  it("says clearly when someone took the address between the request and the confirmation", async () => {
    const user = await signedInUser("emrace");
    const newEmail = freshAddress("contested");
    await requestChange(user.cookie, newEmail);
    const code = codeIn(await lastMailTo(newEmail));
    const squatter = await createTestUser({ label: "squat" });
    await testDb().update(users).set({ email: newEmail.toLowerCase() }).where(eq(users.id, squatter.id));

    const response = await postAs("/verify-email", user.cookie, { code });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("That address is taken now");
    expect((await userRow(user.id)).email).toBe(user.email);
  });

  it("refuses the address the account already has", async () => {
    const user = await signedInUser("emsame");
    const response = await requestChange(user.cookie, user.email.toUpperCase());
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("That is already your address.");
  });

  it("makes reset links and codes sent to the old address stop working once it changed", async () => {
    const user = await signedInUser("emold");
    await send(formPost("/forgot-password", { email: user.email }, { "CF-Connecting-IP": randomIp() }));
    const resetToken = tokenIn(await lastMailTo(user.email), "/reset-password");
    const newEmail = freshAddress("fresh");
    await requestChange(user.cookie, newEmail);
    await postAs("/verify-email", user.cookie, { code: codeIn(await lastMailTo(newEmail)) });
    expect((await userRow(user.id)).email).toBe(newEmail.toLowerCase());
    expect((await send(`/reset-password?token=${resetToken}`)).status).toBe(410);
    const live = await testDb()
      .select()
      .from(passwordResets)
      .where(and(eq(passwordResets.userId, user.id), isNull(passwordResets.consumedAt)));
    expect(live).toHaveLength(0);
  });

  it("limits how many confirmation mails a user can trigger", async () => {
    const user = await signedInUser("emlimit");
    for (let i = 0; i < 3; i++) expect((await requestChange(user.cookie, freshAddress(`n${i}`))).status).toBe(302);
    const limited = await requestChange(user.cookie, freshAddress("n4"));
    expect(limited.status).toBe(429);
    expect(await limited.text()).toMatch(/try again in \d+ minutes?/);
  });
});
