import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { passwordResets, users } from "../../db/schema.ts";
import {
  comparable,
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
  origin,
  send,
  setCookies,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";
import { verifyPassword } from "../accounts/password.server.ts";
import { hashSecret, newId, randomSecret } from "../accounts/secrets.server.ts";
import { RESET_TTL_MS } from "./password-reset.server.ts";

beforeAll(ensureInstance);

const NEW_PASSWORD = "a brand new passphrase";

const requestReset = (email: string, ip = randomIp(), headers: Record<string, string> = {}) =>
  send(formPost("/forgot-password", { email }, { "CF-Connecting-IP": ip, ...headers }));

const resetWith = (token: string, password = NEW_PASSWORD, confirmPassword = password) =>
  send(formPost(`/reset-password?token=${token}`, { token, password, confirmPassword }));

async function resetTokenFor(user: { email: string }) {
  const response = await requestReset(user.email);
  expect(response.status).toBe(302);
  return tokenIn(await lastMailTo(user.email), "/reset-password");
}

async function passwordHashOf(userId: string) {
  const [row] = await testDb().select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return row!.hash!;
}

/** A reset row written straight to the database, for times the HTTP flow cannot produce. */
async function insertReset(userId: string, fields: { expiresAt: Date; consumedAt?: Date | null }) {
  const token = randomSecret(20);
  await testDb()
    .insert(passwordResets)
    .values({
      id: newId(),
      userId,
      tokenHash: hashSecret(token),
      expiresAt: fields.expiresAt,
      consumedAt: fields.consumedAt ?? null,
      createdAt: new Date(),
    });
  return token;
}

describe("POST /forgot-password", () => {
  it("answers exactly the same for an existing and an unknown address, and mails only the existing one", async () => {
    const user = await createTestUser({ label: "forgot" });
    const unknown = `nobody-${crypto.randomUUID()}@example.com`;
    const before = await lastOutboxId();
    const [known, missing] = [await requestReset(user.email), await requestReset(unknown)];
    for (const response of [known, missing]) {
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/forgot-password?sent=1");
      expect(await response.text()).toBe("");
    }
    expect([...setCookies(known).keys()]).toEqual([...setCookies(missing).keys()]);
    const [pageA, pageB] = [await send("/forgot-password?sent=1"), await send("/forgot-password?sent=1")];
    expect(pageA.status).toBe(200);
    expect(comparable(await pageA.text())).toBe(comparable(await pageB.text()));

    const sent = await mailSince(before);
    expect(sent.map((mail) => mail.to)).toEqual([user.email]);
    expect(sent[0]!.subject).toBe("Reset your Alva password");
    expect(await mailTo(unknown)).toHaveLength(0);
  });

  it("limits requests per address with the same answer whether or not it has an account", async () => {
    const user = await createTestUser({ label: "forgotlimit" });
    const unknown = `nobody-${crypto.randomUUID()}@example.com`;
    const answers: Record<string, string> = {};
    for (const email of [user.email, unknown]) {
      for (let i = 0; i < 3; i++) expect((await requestReset(email)).status).toBe(302);
      const limited = await requestReset(email); // a fresh IP each time: the address limit answers
      expect(limited.status).toBe(429);
      expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
      answers[email] = comparable((await limited.text()).replaceAll(email, "<address>"));
    }
    expect(answers[user.email]).toContain("Too many reset requests; try again in");
    expect(answers[user.email]).toBe(answers[unknown]);
    expect(await mailTo(user.email)).toHaveLength(3);
  });

  it("limits requests per client IP across addresses", async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++)
      expect((await requestReset(`ip-${i}-${crypto.randomUUID()}@example.com`, ip)).status).toBe(302);
    const limited = await requestReset(`ip-last-${crypto.randomUUID()}@example.com`, ip);
    expect(limited.status).toBe(429);
  });

  it("builds the link from APP_URL, never from a forged Host header", async () => {
    const user = await createTestUser({ label: "forgedhost" });
    const response = await send(
      new Request("http://evil.example/forgot-password", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "same-origin",
          Host: "evil.example",
          "X-Forwarded-Host": "evil.example",
          "CF-Connecting-IP": randomIp(),
        },
        body: new URLSearchParams({ email: user.email }),
        redirect: "manual",
      }),
    );
    expect(response.status).toBe(302);
    const mail = await lastMailTo(user.email);
    expect(mail.text).not.toContain("evil.example");
    expect(mail.html).not.toContain("evil.example");
    expect(mail.text).toMatch(/http:\/\/localhost:5173\/reset-password\?token=[a-z2-7]{32}/);
  });

  it("shows a field error for a malformed address", async () => {
    const response = await requestReset("not an address");
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That doesn&#x27;t look like an e-mail address.");
    expect(html).toContain('value="not an address"');
  });

  it("works for a signed-in user too", async () => {
    const user = await createTestUser({ label: "forgotsignedin" });
    const response = await send(
      formPost(
        "/forgot-password",
        { email: user.email },
        { Cookie: await signIn(user), "CF-Connecting-IP": randomIp() },
      ),
    );
    expect(response.headers.get("Location")).toBe("/forgot-password?sent=1");
    expect(await mailTo(user.email)).toHaveLength(1);
  });

  it("renders the form without JavaScript", async () => {
    const html = await (await send("/forgot-password")).text();
    expect(html).toMatch(/<form[^>]*action="\/forgot-password"[^>]*method="post"/);
    expect(html).toContain('name="email"');
  });
});

describe("GET /reset-password", () => {
  it("shows the new-password form and uses nothing up", async () => {
    const user = await createTestUser({ label: "resetget" });
    const token = await resetTokenFor(user);
    for (let i = 0; i < 2; i++) {
      const page = await send(`/reset-password?token=${token}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Choose a new password");
      expect(html).toMatch(/<form[^>]*action="\/reset-password\?token=[a-z2-7]{32}"[^>]*method="post"/);
      expect(page.headers.get("Cache-Control")).toBe("no-store");
    }
    const [row] = await testDb().select().from(passwordResets).where(eq(passwordResets.userId, user.id));
    expect(row!.consumedAt).toBeNull();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(RESET_TTL_MS);
  });

  it.each([
    ["unknown", () => Promise.resolve(randomSecret(20))],
    ["malformed", () => Promise.resolve("../../etc")],
    ["missing", () => Promise.resolve("")],
  ])("answers a %s token with a clear 410 page linking to a new request", async (_, makeToken) => {
    const token = await makeToken();
    const response = await send(`/reset-password?token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(410);
    const html = await response.text();
    expect(html).toContain("This link has expired or was used");
    expect(html).toContain('href="/forgot-password"');
  });
});

describe("POST /reset-password", () => {
  it("sets the new password, ends every session, signs no one in, logs it and sends a notice", async () => {
    const user = await createTestUser({ label: "resetok" });
    const [cookieA, cookieB] = [await signIn(user), await signIn(user)];
    const token = await resetTokenFor(user);
    const response = await send(
      formPost(
        `/reset-password?token=${token}`,
        { token, password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
        { Cookie: cookieA },
      ),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login");
    expect(toastOf(response)?.message).toContain("Your password was changed");
    expect(setCookies(response).get("alva_session") ?? "").not.toMatch(/^alva_session=[a-z2-7]/);

    expect((await verifyPassword(await passwordHashOf(user.id), NEW_PASSWORD)).valid).toBe(true);
    for (const cookie of [cookieA, cookieB]) {
      const dashboard = await getAs("/dashboard", cookie);
      expect(dashboard.status).toBe(302);
      expect(dashboard.headers.get("Location")).toMatch(/^\/login/);
    }
    expect(await eventTypes(user.id)).toContain("password-reset");
    const notice = await lastMailTo(user.email);
    expect(notice.subject).toBe("Your Alva password was changed");
  });

  it("refuses a used token", async () => {
    const user = await createTestUser({ label: "resetreuse" });
    const token = await resetTokenFor(user);
    expect((await resetWith(token)).status).toBe(302);
    const hash = await passwordHashOf(user.id);
    const again = await resetWith(token, "yet another passphrase");
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("This link has expired or was used");
    expect(await passwordHashOf(user.id)).toBe(hash);
    expect((await send(`/reset-password?token=${token}`)).status).toBe(410);
  });

  it("lets exactly one of two concurrent uses of the same token win", async () => {
    const user = await createTestUser({ label: "resetrace" });
    const token = await resetTokenFor(user);
    const responses = await Promise.all([
      resetWith(token, "first racing passphrase"),
      resetWith(token, "second racing passphrase"),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([302, 410]);
    const winner = responses[0]!.status === 302 ? "first racing passphrase" : "second racing passphrase";
    expect((await verifyPassword(await passwordHashOf(user.id), winner)).valid).toBe(true);
  });

  it("refuses an expired token, on GET and POST", async () => {
    const user = await createTestUser({ label: "resetexpired" });
    const token = await insertReset(user.id, { expiresAt: new Date(Date.now() - 1000) });
    expect((await send(`/reset-password?token=${token}`)).status).toBe(410);
    expect((await resetWith(token)).status).toBe(410);
    const live = await insertReset(user.id, { expiresAt: new Date(Date.now() + 60_000) });
    expect((await send(`/reset-password?token=${live}`)).status).toBe(200);
  });

  it("makes an earlier link stop working when a newer one is requested", async () => {
    const user = await createTestUser({ label: "resetnewer" });
    const first = await resetTokenFor(user);
    const second = await resetTokenFor(user);
    expect((await resetWith(first)).status).toBe(410);
    expect((await resetWith(second)).status).toBe(302);
  });

  it("keeps the link usable when the new password is refused", async () => {
    const user = await createTestUser({ label: "resetweak" });
    const token = await resetTokenFor(user);
    for (const [password, confirm, message] of [
      ["short", "short", "Use at least 8 characters."],
      ["password1", "password1", "too common"],
      [NEW_PASSWORD, "something else", "The two passwords differ."],
    ] as const) {
      const response = await resetWith(token, password, confirm);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).not.toContain(`value="${password}"`);
    }
    expect((await resetWith(token)).status).toBe(302);
  });

  it("does not sign in the browser that used it", async () => {
    const user = await createTestUser({ label: "resetnosignin" });
    const token = await resetTokenFor(user);
    const response = await resetWith(token);
    expect([...setCookies(response).keys()]).not.toContain("alva_session");
    const login = await send(new Request(`${origin}/login`, { redirect: "manual" }));
    expect(login.status).toBe(200);
  });
});
