import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { instance, magicLinks, sessions, users } from "../../db/schema.ts";
import {
  codeIn,
  comparable,
  eventTypes,
  lastMailTo,
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
  send,
  setCookies,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";
import { MAX_CODE_ATTEMPTS } from "../accounts/emailed-secrets.server.ts";
import { hashSecret, newId, randomSecret } from "../accounts/secrets.server.ts";
import { MAGIC_LINK_TTL_MS } from "./magic-links.server.ts";

beforeAll(ensureInstance);
afterEach(() => vi.restoreAllMocks());

const VERIFY = "/login/link/verify";
const newAddress = (label = "ml") => `${label}-${crypto.randomUUID().slice(0, 13)}@example.com`;

/** Asks for a link as a browser; returns the response and that browser's binding cookie (Cookie header form). */
async function requestLink(
  email: string,
  options: { ip?: string; cookie?: string; headers?: Record<string, string> } = {},
) {
  const response = await send(
    formPost(
      "/login/link",
      { intent: "request", email },
      {
        "CF-Connecting-IP": options.ip ?? randomIp(),
        ...(options.cookie ? { Cookie: options.cookie } : {}),
        ...options.headers,
      },
    ),
  );
  const set = setCookies(response).get("alva_magic_link");
  const browser = set ? set.slice(0, set.indexOf(";")) : options.cookie;
  return { response, browser };
}

async function linkFor(email: string) {
  const { response, browser } = await requestLink(email);
  expect(response.status).toBe(302);
  const mail = await lastMailTo(email);
  return { token: tokenIn(mail, VERIFY), code: codeIn(mail), browser: browser! };
}

const redeemToken = (token: string, headers: Record<string, string> = {}) =>
  send(formPost(`${VERIFY}?token=${token}`, { token }, headers));
const typeCode = (code: string, cookie?: string) =>
  send(formPost("/login/link", { intent: "code", code }, cookie ? { Cookie: cookie } : {}));

function sessionCookieOf(response: Response): string {
  const value = setCookies(response).get("alva_session");
  expect(value).toMatch(/^alva_session=[a-z2-7]{16}\.[a-z2-7]{32};/);
  return value!.slice(0, value!.indexOf(";"));
}

async function userByEmail(email: string) {
  const [row] = await testDb().select().from(users).where(eq(users.email, email));
  return row;
}

async function sessionCount(userId: string) {
  return (await testDb().select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId))).length;
}

async function insertLink(email: string, fields: { expiresAt: Date; consumedAt?: Date | null }) {
  const token = randomSecret(20);
  await testDb()
    .insert(magicLinks)
    .values({
      id: newId(),
      email,
      tokenHash: hashSecret(token),
      codeHash: hashSecret("12345678"),
      browserHash: hashSecret(randomSecret(20)),
      expiresAt: fields.expiresAt,
      consumedAt: fields.consumedAt ?? null,
      createdAt: new Date(),
    });
  return token;
}

describe("POST /login/link (asking for a link)", () => {
  it("answers exactly the same for an address with and without an account", async () => {
    const user = await createTestUser({ label: "mlknown" });
    const unknown = newAddress();
    const [known, missing] = [await requestLink(user.email), await requestLink(unknown)];
    for (const { response } of [known, missing]) {
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/login/link?sent=1");
      expect(await response.text()).toBe("");
    }
    expect([...setCookies(known.response).keys()]).toEqual([...setCookies(missing.response).keys()]);
    const strip = (cookie: string) => cookie.replace(/=[a-z2-7]{32};/, "=<secret>;");
    expect(strip(setCookies(known.response).get("alva_magic_link")!)).toBe(
      strip(setCookies(missing.response).get("alva_magic_link")!),
    );
    expect(setCookies(known.response).get("alva_magic_link")).toMatch(/HttpOnly; SameSite=Lax; Max-Age=600/);

    const [pageA, pageB] = [
      await getAs("/login/link?sent=1", known.browser!),
      await getAs("/login/link?sent=1", missing.browser!),
    ];
    expect(pageA.status).toBe(200);
    const html = await pageA.text();
    expect(html).toContain("Check your inbox");
    expect(html).toContain('name="code"');
    expect(comparable(html)).toBe(comparable(await pageB.text()));

    // Both addresses get the same mail: the unknown one creates its account only when used.
    const [mailKnown, mailUnknown] = [await lastMailTo(user.email), await lastMailTo(unknown)];
    expect(mailKnown.subject).toBe(mailUnknown.subject);
    expect(
      mailKnown.text
        .replaceAll(user.email, "<a>")
        .replace(/token=[a-z2-7]+/, "")
        .replace(/\d{8}/, ""),
    ).toBe(
      mailUnknown.text
        .replaceAll(unknown, "<a>")
        .replace(/token=[a-z2-7]+/, "")
        .replace(/\d{8}/, ""),
    );
  });

  it("stores the token and the code only hashed, for 10 minutes, bound to the browser", async () => {
    const email = newAddress("mlstore");
    const { token, code, browser } = await linkFor(email);
    const [row] = await testDb().select().from(magicLinks).where(eq(magicLinks.email, email));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(`"${code}"`);
    expect(row!.tokenHash).toBe(hashSecret(token));
    expect(row!.codeHash).toBe(hashSecret(code));
    expect(row!.browserHash).toBe(hashSecret(browser.split("=")[1]!));
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(MAGIC_LINK_TTL_MS);
    expect(token).toMatch(/^[a-z2-7]{32}$/); // 160 bits
  });

  it("limits links per address, whatever the IP, with the same answer for known and unknown addresses", async () => {
    const user = await createTestUser({ label: "mllimit" });
    const unknown = newAddress("mllimit");
    const answers: Record<string, string> = {};
    for (const email of [user.email, unknown]) {
      for (let i = 0; i < 3; i++) expect((await requestLink(email)).response.status).toBe(302);
      const { response: limited } = await requestLink(email); // a fresh IP each time: the address limit answers
      expect(limited.status).toBe(429);
      expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
      answers[email] = comparable((await limited.text()).replaceAll(email, "<address>"));
    }
    expect(answers[user.email]).toContain("Too many sign-in links asked for; try again in");
    expect(answers[user.email]).toBe(answers[unknown]);
    expect(await mailTo(user.email)).toHaveLength(3);
    expect(await mailTo(unknown)).toHaveLength(3);
  });

  it("limits links per client IP across addresses", async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++) expect((await requestLink(newAddress(`mlip${i}`), { ip })).response.status).toBe(302);
    const last = newAddress("mliplast");
    const { response } = await requestLink(last, { ip });
    expect(response.status).toBe(429);
    expect(await mailTo(last)).toHaveLength(0);
  });

  it("builds the link from APP_URL, never from a forged Host header", async () => {
    const email = newAddress("mlhost");
    const response = await send(
      new Request("http://evil.example/login/link", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "same-origin",
          Host: "evil.example",
          "X-Forwarded-Host": "evil.example",
          "CF-Connecting-IP": randomIp(),
        },
        body: new URLSearchParams({ intent: "request", email }),
        redirect: "manual",
      }),
    );
    expect(response.status).toBe(302);
    const mail = await lastMailTo(email);
    expect(mail.text).not.toContain("evil.example");
    expect(mail.html).not.toContain("evil.example");
    expect(mail.text).toMatch(/http:\/\/localhost:5173\/login\/link\/verify\?token=[a-z2-7]{32}/);
  });

  it("shows a field error for a malformed address, keeping what was typed, and sends nothing", async () => {
    const { response } = await requestLink("not an address");
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That doesn&#x27;t look like an e-mail address.");
    expect(html).toContain('value="not an address"');
    expect(setCookies(response).has("alva_magic_link")).toBe(false);
  });

  it("renders the form without JavaScript, and sends signed-in users to the dashboard", async () => {
    const html = await (await send("/login/link")).text();
    expect(html).toMatch(/<form[^>]*action="\/login\/link"[^>]*method="post"/);
    expect(html).toContain("E-mail me a sign-in link");
    const user = await createTestUser({ label: "mlsignedin" });
    const page = await getAs("/login/link", await signIn(user));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toBe("/dashboard");
  });
});

describe("the link: GET and POST /login/link/verify", () => {
  it("GET shows 'Continue as' and uses nothing up; the POST signs in once", async () => {
    const user = await createTestUser({ label: "mlverify" });
    const { token } = await linkFor(user.email);
    for (let i = 0; i < 2; i++) {
      const page = await send(`${VERIFY}?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("Cache-Control")).toBe("no-store");
      const html = await page.text();
      expect(html).toContain(`Continue as ${user.email}`);
      expect(html).toMatch(/<form[^>]*action="\/login\/link\/verify\?token=[a-z2-7]{32}"[^>]*method="post"/);
      expect(setCookies(page).has("alva_session")).toBe(false);
    }
    const [row] = await testDb()
      .select()
      .from(magicLinks)
      .where(eq(magicLinks.tokenHash, hashSecret(token)));
    expect(row!.consumedAt).toBeNull();
    expect(await sessionCount(user.id)).toBe(0);

    const response = await redeemToken(token);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(toastOf(response)?.message).toBe(`Signed in as @${user.username}.`);
    expect(setCookies(response).get("alva_session")).toMatch(/Expires=/); // persistent
    const dashboard = await getAs("/dashboard", sessionCookieOf(response));
    expect(dashboard.status).toBe(200);
    expect(await eventTypes(user.id)).toContain("magic-link-sign-in");

    const again = await redeemToken(token);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("This link has expired or was used");
    expect((await send(`${VERIFY}?token=${token}`)).status).toBe(410);
    expect(await sessionCount(user.id)).toBe(1);
  });

  it("lets exactly one of two concurrent uses of the same link win", async () => {
    const user = await createTestUser({ label: "mlrace" });
    const { token } = await linkFor(user.email);
    const responses = await Promise.all([redeemToken(token), redeemToken(token)]);
    expect(responses.map((response) => response.status).sort()).toEqual([302, 410]);
    expect(await sessionCount(user.id)).toBe(1);
  });

  it("refuses an expired link, on GET and POST", async () => {
    const user = await createTestUser({ label: "mlexpired" });
    const token = await insertLink(user.email, { expiresAt: new Date(Date.now() - 1000) });
    expect((await send(`${VERIFY}?token=${token}`)).status).toBe(410);
    expect((await redeemToken(token)).status).toBe(410);
    expect(await sessionCount(user.id)).toBe(0);
    const live = await insertLink(user.email, { expiresAt: new Date(Date.now() + 60_000) });
    expect((await send(`${VERIFY}?token=${live}`)).status).toBe(200);
  });

  it.each([
    ["unknown", randomSecret(20)],
    ["malformed", "../../etc"],
    ["missing", ""],
  ])("answers a %s token with 410", async (_, token) => {
    expect((await send(`${VERIFY}?token=${encodeURIComponent(token)}`)).status).toBe(410);
    expect((await redeemToken(token)).status).toBe(410);
  });

  it("ends the session the browser already had (no session fixation)", async () => {
    const [victim, planter] = [await createTestUser({ label: "mlfixv" }), await createTestUser({ label: "mlfixp" })];
    const planted = await signIn(planter);
    const { token } = await linkFor(victim.email);
    const response = await redeemToken(token, { Cookie: planted });
    expect(response.status).toBe(302);
    expect((await getAs("/dashboard", planted)).status).toBe(302);
    expect(sessionCookieOf(response)).not.toBe(planted);
  });

  it("uses a safe redirectTo, and ignores one that leaves the site", async () => {
    const user = await createTestUser({ label: "mlredirect" });
    for (const [redirectTo, expected] of [
      ["/settings/sessions", "/settings/sessions"],
      ["//evil.example/x", "/dashboard"],
    ] as const) {
      await send(
        formPost(
          "/login/link",
          { intent: "request", email: user.email, redirectTo },
          { "CF-Connecting-IP": randomIp() },
        ),
      );
      const response = await redeemToken(tokenIn(await lastMailTo(user.email), VERIFY));
      expect(response.headers.get("Location")).toBe(expected);
    }
  });

  it("makes the other links of the address stop working once one is used", async () => {
    const user = await createTestUser({ label: "mlothers" });
    const first = await linkFor(user.email);
    const second = await linkFor(user.email);
    expect((await redeemToken(second.token)).status).toBe(302);
    expect((await redeemToken(first.token)).status).toBe(410);
  });
});

describe("the code: POST /login/link intent=code", () => {
  it("works in the browser that asked, and only there", async () => {
    const user = await createTestUser({ label: "mlcode" });
    const { code, browser } = await linkFor(user.email);
    const other = (await linkFor(newAddress("mlother"))).browser;

    for (const cookie of [undefined, other, `alva_magic_link=${randomSecret(20)}`]) {
      const refused = await typeCode(code, cookie);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("That code doesn&#x27;t work");
      expect(setCookies(refused).has("alva_session")).toBe(false);
    }
    const response = await typeCode(code, browser);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(setCookies(response).get("alva_magic_link")).toContain("Max-Age=0");
    expect((await getAs("/dashboard", sessionCookieOf(response))).status).toBe(200);
    expect(await eventTypes(user.id)).toContain("magic-link-sign-in");
    expect((await typeCode(code, browser)).status).toBe(400); // used
  });

  it("stops comparing after 5 wrong codes, even the right one", async () => {
    const user = await createTestUser({ label: "mlattempts" });
    const { code, browser, token } = await linkFor(user.email);
    const wrong = code === "00000000" ? "11111111" : "00000000";
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) expect((await typeCode(wrong, browser)).status).toBe(400);
    expect((await typeCode(code, browser)).status).toBe(400);
    const [row] = await testDb()
      .select()
      .from(magicLinks)
      .where(eq(magicLinks.tokenHash, hashSecret(token)));
    expect(row!.attempts).toBe(MAX_CODE_ATTEMPTS);
    expect(await sessionCount(user.id)).toBe(0);
  });

  it("counts concurrent wrong guesses without going past the cap", async () => {
    const user = await createTestUser({ label: "mlattemptsrace" });
    const { code, browser, token } = await linkFor(user.email);
    const guesses = Array.from({ length: 12 }, (_, i) => String(10_000_000 + i)).filter((guess) => guess !== code);
    await Promise.all(guesses.map((guess) => typeCode(guess, browser)));
    const [row] = await testDb()
      .select()
      .from(magicLinks)
      .where(eq(magicLinks.tokenHash, hashSecret(token)));
    expect(row!.attempts).toBe(MAX_CODE_ATTEMPTS);
    expect((await typeCode(code, browser)).status).toBe(400);
  });

  it("refuses an expired code", async () => {
    const user = await createTestUser({ label: "mlcodeexpired" });
    const { code, browser, token } = await linkFor(user.email);
    await testDb()
      .update(magicLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(magicLinks.tokenHash, hashSecret(token)));
    expect((await typeCode(code, browser)).status).toBe(400);
  });

  it("asks for the 8 digits when the input is not a code, keeping what was typed", async () => {
    const response = await typeCode("12ab");
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Enter the 8-digit code from the e-mail.");
    expect(html).toContain('value="12ab"');
  });
});

describe("accounts made and verified by a link", () => {
  it("creates a verified, passwordless account for an unknown address, which must choose a username first", async () => {
    const email = newAddress("mlnew");
    const { token } = await linkFor(email);
    expect(await userByEmail(email)).toBeUndefined(); // asking creates nothing
    const response = await redeemToken(token);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/welcome");
    const user = (await userByEmail(email))!;
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(user.passwordHash).toBeNull();
    expect(user.mustChooseUsername).toBe(true);
    expect(user.username).toMatch(/^user_[a-z2-7]{10}$/);
    expect(await eventTypes(user.id)).toEqual(expect.arrayContaining(["account-created", "magic-link-sign-in"]));
  });

  it("creates one account when two links for the same new address are used at once", async () => {
    const email = newAddress("mlnewrace");
    const first = await linkFor(email);
    const second = await linkFor(email);
    const responses = await Promise.all([redeemToken(first.token), redeemToken(second.token)]);
    expect(responses.filter((response) => response.status === 302).length).toBeGreaterThanOrEqual(1);
    const rows = await testDb().select().from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(1);
  });

  it("verifies an unverified account, signing out whoever was in it and retiring its unproven password", async () => {
    // Someone registered the address without owning it, with a password they know (pre-hijacking).
    const user = await createTestUser({ label: "mlunverified", verified: false });
    const squatter = await signIn(user);
    const { token } = await linkFor(user.email);
    const response = await redeemToken(token);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(toastOf(response)?.message).toContain("choose a new one in Settings → Password");
    const after = (await userByEmail(user.email))!;
    expect(after.emailVerifiedAt).not.toBeNull();
    expect(after.passwordHash).toBeNull();
    expect(await eventTypes(user.id)).toContain("email-verified");
    expect((await getAs("/dashboard", squatter)).status).toBe(302);
    expect(await sessionCount(user.id)).toBe(1);
    const login = await send(
      formPost("/login", { login: user.email, password: user.password }, { "CF-Connecting-IP": randomIp() }),
    );
    expect(login.status).toBe(400);
    const notice = await lastMailTo(user.email);
    expect(notice.subject).toBe("The password on your Alva account was removed");
    expect(notice.text).toContain("Settings → Password");
  });

  it("keeps the password of the admin the setup wizard created (nobody else could have made that account)", async () => {
    const admin = await createTestUser({ label: "mlsetupadmin", role: "admin", verified: false });
    const [setup] = await testDb().select().from(instance).limit(1);
    await testDb().update(users).set({ createdAt: setup!.setupCompletedAt }).where(eq(users.id, admin.id));
    const earlier = await signIn(admin);
    const response = await redeemToken((await linkFor(admin.email)).token);
    expect(response.status).toBe(302);
    expect(toastOf(response)?.message ?? "").not.toContain("choose a new one");
    const after = (await userByEmail(admin.email))!;
    expect(after.emailVerifiedAt).not.toBeNull();
    expect(after.passwordHash).not.toBeNull();
    expect((await getAs("/dashboard", earlier)).status).toBe(200);
  });

  it("keeps the password and sessions of an already verified account", async () => {
    const user = await createTestUser({ label: "mlverified" });
    const earlier = await signIn(user);
    const response = await redeemToken((await linkFor(user.email)).token);
    expect(response.status).toBe(302);
    expect((await userByEmail(user.email))!.passwordHash).not.toBeNull();
    expect((await getAs("/dashboard", earlier)).status).toBe(200);
  });
});

describe("secrets in logs", () => {
  it("no token or code of the magic-link flow reaches the console", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) =>
      void lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    for (const method of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, method).mockImplementation(capture);
    const email = newAddress("mllogs");
    const { token, code, browser } = await linkFor(email);
    await typeCode(code === "00000000" ? "11111111" : "00000000", browser);
    await send(`${VERIFY}?token=${token}`);
    const response = await redeemToken(token);
    await redeemToken(token);
    await typeCode(code, browser);
    await getAs("/welcome", sessionCookieOf(response));
    vi.restoreAllMocks();
    const output = lines.join("\n");
    expect(output).toContain('"msg":"request"'); // the capture did see the request log lines
    for (const secret of [token, code, browser.split("=")[1]!]) expect(output).not.toContain(secret);
  });
});
