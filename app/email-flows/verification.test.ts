import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { emailVerifications, users } from "../../db/schema.ts";
import {
  codeIn,
  eventTypes,
  lastMailTo,
  lastOutboxId,
  mailSince,
  toastOf,
  tokenIn,
} from "../../tests/support/email-flows.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  origin,
  postAs,
  send,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";
import { sendVerificationEmail, VERIFICATION_TTL_MS } from "./verification.server.ts";

beforeAll(ensureInstance);

const request = new Request(origin);

async function unverifiedUser(label = "verify") {
  const user = await createTestUser({ verified: false, label });
  return { ...user, cookie: await signIn(user) };
}

async function sendCode(user: { id: string; username: string; email: string }, now?: number) {
  await sendVerificationEmail(testDb(), env, { user, email: user.email, purpose: "verify-email", request, now });
  const mail = await lastMailTo(user.email);
  return { mail, code: codeIn(mail), token: tokenIn(mail, "/verify-email") };
}

async function verifiedAt(userId: string) {
  const [row] = await testDb().select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, userId));
  return row!.at;
}

const confirmLink = (token: string, cookie?: string) =>
  send(formPost(`/verify-email?token=${token}`, { token }, cookie ? { Cookie: cookie } : {}));

describe("the verification mail", () => {
  it("carries an 8-digit code and a link built from APP_URL, and stores both only hashed", async () => {
    const user = await unverifiedUser();
    const { mail, code, token } = await sendCode(user);
    expect(mail.subject).toBe("Confirm your e-mail address for Alva");
    expect(mail.text).toContain(`http://localhost:5173/verify-email?token=${token}`);
    expect(mail.html).toContain(`http://localhost:5173/verify-email?token=${token}`);
    const rows = await testDb().select().from(emailVerifications).where(eq(emailVerifications.userId, user.id));
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(token);
    expect(rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()).toBe(VERIFICATION_TTL_MS);
  });

  it("makes earlier unused codes and links of the same purpose stop working", async () => {
    const user = await unverifiedUser();
    const first = await sendCode(user);
    const second = await sendCode(user);
    expect((await postAs("/verify-email", user.cookie, { code: first.code })).status).toBe(400);
    expect((await confirmLink(first.token)).status).toBe(410);
    expect(await verifiedAt(user.id)).toBeNull();
    expect((await postAs("/verify-email", user.cookie, { code: second.code })).status).toBe(302);
  });
});

describe("verifying by code", () => {
  it("verifies the signed-in user's address, logs it and goes to the dashboard with a message", async () => {
    const user = await unverifiedUser();
    const { code } = await sendCode(user);
    const response = await postAs("/verify-email", user.cookie, { code: `${code.slice(0, 4)} ${code.slice(4)}` });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(toastOf(response)?.message).toContain("is verified");
    expect(await verifiedAt(user.id)).toBeInstanceOf(Date);
    expect(await eventTypes(user.id)).toContain("email-verified");
  });

  it("works once", async () => {
    const user = await unverifiedUser();
    const { code } = await sendCode(user);
    expect((await postAs("/verify-email", user.cookie, { code })).status).toBe(302);
    const again = await postAs("/verify-email", user.cookie, { code });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("That code is wrong, has expired or was already used.");
  });

  it("does not let another user use someone's code", async () => {
    const owner = await unverifiedUser("owner");
    const other = await unverifiedUser("other");
    const { code } = await sendCode(owner);
    const response = await postAs("/verify-email", other.cookie, { code });
    expect(response.status).toBe(400);
    expect(await verifiedAt(owner.id)).toBeNull();
    expect(await verifiedAt(other.id)).toBeNull();
    // The owner's code still works for the owner.
    expect((await postAs("/verify-email", owner.cookie, { code })).status).toBe(302);
  });

  it("refuses an expired code", async () => {
    const user = await unverifiedUser();
    const { code } = await sendCode(user, Date.now() - VERIFICATION_TTL_MS - 1000);
    expect((await postAs("/verify-email", user.cookie, { code })).status).toBe(400);
    expect(await verifiedAt(user.id)).toBeNull();
  });

  it("refuses a code sent to an address the account no longer has", async () => {
    const user = await unverifiedUser();
    const { code } = await sendCode(user);
    await testDb()
      .update(users)
      .set({ email: `moved-${user.email}` })
      .where(eq(users.id, user.id));
    expect((await postAs("/verify-email", user.cookie, { code })).status).toBe(400);
    expect(await verifiedAt(user.id)).toBeNull();
  });

  it("asks for 8 digits when the code is malformed, without counting it", async () => {
    const user = await unverifiedUser();
    for (const code of ["", "1234", "abcdefgh", "123456789"]) {
      const response = await postAs("/verify-email", user.cookie, { code });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("Enter the 8-digit code from the e-mail.");
    }
  });

  it("limits wrong codes per user: after 5 tries even the right code waits, with a clear message", async () => {
    const user = await unverifiedUser();
    const { code } = await sendCode(user);
    const wrong = code === "00000000" ? "11111111" : "00000000";
    for (let i = 0; i < 5; i++) expect((await postAs("/verify-email", user.cookie, { code: wrong })).status).toBe(400);
    const limited = await postAs("/verify-email", user.cookie, { code });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Too many attempts; try again in \d+ minutes?/);
    expect(await verifiedAt(user.id)).toBeNull();
  });

  it("needs a signed-in user", async () => {
    const user = await unverifiedUser();
    const { code } = await sendCode(user);
    const response = await send(formPost("/verify-email", { code }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
    expect(await verifiedAt(user.id)).toBeNull();
    const page = await send(new Request(`${origin}/verify-email`, { redirect: "manual" }));
    expect(page.headers.get("Location")).toBe("/login?redirectTo=%2Fverify-email");
  });

  it("shows the code form without JavaScript", async () => {
    const user = await unverifiedUser();
    const response = await getAs("/verify-email", user.cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/<form[^>]*action="\/verify-email"[^>]*method="post"/);
    expect(html).toContain('name="code"');
    expect(html).toContain('action="/verify-email/resend"');
  });
});

describe("verifying by link", () => {
  it("GET shows a confirm button and uses nothing up; the POST verifies, even signed out", async () => {
    const user = await unverifiedUser();
    const { token } = await sendCode(user);
    for (let i = 0; i < 2; i++) {
      // Twice, as a mail scanner and then the person would.
      const page = await send(`/verify-email?token=${token}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Confirm my address");
      expect(html).toContain(`value="${token}"`);
    }
    const [row] = await testDb().select().from(emailVerifications).where(eq(emailVerifications.userId, user.id));
    expect(row!.consumedAt).toBeNull();
    expect(await verifiedAt(user.id)).toBeNull();

    const response = await confirmLink(token);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(await verifiedAt(user.id)).toBeInstanceOf(Date);
  });

  it("works once, and a used or unknown link says so clearly (410, not 500)", async () => {
    const user = await unverifiedUser();
    const { token } = await sendCode(user);
    expect((await confirmLink(token, user.cookie)).status).toBe(302);
    for (const response of [
      await confirmLink(token),
      await send(`/verify-email?token=${token}`),
      await send("/verify-email?token=not-a-token"),
    ]) {
      expect(response.status).toBe(410);
      expect(await response.text()).toContain("This link has expired or was used");
    }
  });

  it("refuses an expired link", async () => {
    const user = await unverifiedUser();
    const { token } = await sendCode(user, Date.now() - VERIFICATION_TTL_MS - 1000);
    expect((await send(`/verify-email?token=${token}`)).status).toBe(410);
    expect((await confirmLink(token)).status).toBe(410);
    expect(await verifiedAt(user.id)).toBeNull();
  });

  it("uses a link exactly once when two confirmations race", async () => {
    const user = await unverifiedUser();
    const { token } = await sendCode(user);
    const statuses = (await Promise.all([confirmLink(token), confirmLink(token)]))
      .map((response) => response.status)
      .sort();
    expect(statuses).toEqual([302, 410]);
  });
});

describe("POST /verify-email/resend", () => {
  it("sends a new code (and says so) up to the limit, then answers 429 with when to try again", async () => {
    const user = await unverifiedUser();
    for (let i = 0; i < 3; i++) {
      const before = await lastOutboxId();
      const response = await postAs("/verify-email/resend", user.cookie, {});
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/verify-email");
      expect(toastOf(response)?.message).toContain("We sent a new code");
      expect(await mailSince(before, user.email)).toHaveLength(1);
    }
    const before = await lastOutboxId();
    const limited = await postAs("/verify-email/resend", user.cookie, {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await limited.text()).toMatch(/try again in \d+ minutes?/);
    expect(await mailSince(before, user.email)).toHaveLength(0);
  });

  it("sends nothing on GET, nothing when signed out, nothing for a verified address", async () => {
    const user = await unverifiedUser();
    const verified = await createTestUser({ label: "verified" });
    const before = await lastOutboxId();
    expect((await getAs("/verify-email/resend", user.cookie)).status).toBe(200);
    const anonymous = await send(formPost("/verify-email/resend", {}));
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
    const already = await postAs("/verify-email/resend", await signIn(verified), {});
    expect(already.headers.get("Location")).toBe("/dashboard");
    expect(await mailSince(before)).toHaveLength(0);
  });
});
