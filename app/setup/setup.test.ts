// The first-run setup wizard, against a second database that no other test file sets up (the lead's
// global setup provides it migrated and empty). The tests run in order: the wizard can finish only
// once per database, so the "before" tests come first and the finishing one near the end.
import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { createDatabase } from "../../db/client.ts";
import {
  devOutbox,
  emailVerifications,
  images,
  instance,
  organizations,
  securityEvents,
  sessions,
  users,
  workspaceMembers,
  workspaces,
} from "../../db/schema.ts";
import { pngBytes } from "../../tests/support/images.ts";
import { deadDatabase, formPost, origin, send, setCookies } from "../../tests/worker-helpers.ts";
import { createAccount } from "../accounts/accounts.server.ts";
import { hashPassword, verifyPassword } from "../accounts/password.server.ts";
import { WRONG_TYPE_MESSAGE } from "../images/images.server.ts";
import {
  openPasswordHash,
  sealPasswordHash,
  sessionSecretProblem,
  WIZARD_COOKIE_MAX_AGE_SECONDS,
  wizardCookie,
} from "./wizard-cookie.server.ts";

declare module "vitest" {
  // biome-ignore lint/suspicious/noExportsInTest: a type augmentation, not an export.
  export interface ProvidedContext {
    freshDatabaseUrl: string;
    freshDatabaseToken: string;
  }
}

const fresh = {
  TURSO_DATABASE_URL: inject("freshDatabaseUrl"),
  TURSO_AUTH_TOKEN: inject("freshDatabaseToken"),
} satisfies Partial<Env>;
const freshDb = () => createDatabase(fresh);

const PASSWORD = "violet kettle harbour 42";
const typedAccount = { email: "  Owner@Example.COM ", username: "Owner_1", displayName: "Ada Owner" };
const storedAccount = { email: "owner@example.com", username: "owner_1", displayName: "Ada Owner" };
const ORGANIZATION = "Acme Bakery";

function get(path: string, cookie?: string): Promise<Response> {
  return send(
    new Request(new URL(path, origin), { redirect: "manual", headers: cookie ? { Cookie: cookie } : {} }),
    fresh,
  );
}

function post(fields: Record<string, string>, cookie?: string, overrides: Partial<Env> = {}): Promise<Response> {
  return send(formPost("/setup", fields, cookie ? { Cookie: cookie } : {}), { ...fresh, ...overrides });
}

/** The last step as a browser posts it: multipart, with the optional logo. */
function postWithLogo(fields: Record<string, string>, logo: File, cookie: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("logo", logo);
  return send(
    new Request(new URL("/setup", origin), {
      method: "POST",
      headers: { "Sec-Fetch-Site": "same-origin", Cookie: cookie },
      body: form,
      redirect: "manual",
    }),
    fresh,
  );
}

/** The wizard cookie a response sets, as the Cookie header value a browser would send back. */
function wizardCookieFrom(response: Response): string | null {
  const header = setCookies(response).get("alva_setup");
  return header ? header.slice(0, header.indexOf(";")) : null;
}

const unescapeHtml = (html: string) =>
  html
    .replaceAll("<!-- -->", "")
    .replaceAll("&#x27;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

/** Every <input name="…"> in the page: its type and value (as the browser would read them). */
function inputs(html: string): Map<string, { type: string; value: string | null }> {
  const found = new Map<string, { type: string; value: string | null }>();
  for (const [tag] of html.matchAll(/<input\b[^>]*>/g)) {
    const attribute = (name: string) => {
      const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
      return match ? unescapeHtml(match[1]!) : null;
    };
    const name = attribute("name");
    if (name) found.set(name, { type: attribute("type") ?? "text", value: attribute("value") });
  }
  return found;
}

/** The page never carries the password: not as text, not in any field, not as a hash. */
function expectNoPasswordIn(html: string) {
  expect(html).not.toContain(PASSWORD);
  expect(html).not.toContain("argon2");
  const fields = inputs(html);
  for (const name of ["password", "confirmPassword"]) {
    const field = fields.get(name);
    if (field) {
      expect(field.type).toBe("password");
      expect(field.value).toBeNull();
    }
  }
  for (const [name, field] of fields) if (field.type === "hidden") expect(name).not.toMatch(/password|hash/i);
}

async function expectStep(response: Response, step: number, label: string, status = 200): Promise<string> {
  expect(response.status).toBe(status);
  const html = unescapeHtml(await response.text());
  expect(html).toContain(`Step ${step} of 4`);
  const current = [...html.matchAll(/<li[^>]*aria-current="step"[^>]*>(.*?)<\/li>/g)];
  expect(current).toHaveLength(1);
  expect(current[0]![1]!.replace(/<[^>]+>/g, "")).toContain(label);
  return html;
}

async function rowCounts() {
  const db = freshDb();
  const total = async (table: typeof users | typeof organizations | typeof instance | typeof workspaces) =>
    (await db.select({ n: count() }).from(table))[0]!.n;
  return {
    users: await total(users),
    organizations: await total(organizations),
    instance: await total(instance),
    workspaces: await total(workspaces),
  };
}

const nothingCreated = { users: 0, organizations: 0, instance: 0, workspaces: 0 };

describe("the sealed wizard cookie", () => {
  const secret = "a-test-secret-that-is-long-enough-0123456789";

  it("opens what it sealed, and nothing after 30 minutes", async () => {
    const hash = await hashPassword(PASSWORD);
    const now = Date.now();
    const sealed = await sealPasswordHash(secret, hash, now);
    expect(sealed).not.toContain("argon2");
    expect(await openPasswordHash(secret, sealed, now + 1000)).toBe(hash);
    expect(await openPasswordHash(secret, sealed, now + WIZARD_COOKIE_MAX_AGE_SECONDS * 1000 - 1)).toBe(hash);
    expect(await openPasswordHash(secret, sealed, now + WIZARD_COOKIE_MAX_AGE_SECONDS * 1000)).toBeNull();
  });

  it("refuses a value sealed with another secret, any altered byte, and garbage", async () => {
    const hash = await hashPassword(PASSWORD);
    const sealed = await sealPasswordHash(secret, hash);
    expect(await openPasswordHash(`${secret}-other`, sealed)).toBeNull();
    for (const position of [0, 5, 20, sealed.length - 1]) {
      const flipped = sealed.slice(0, position) + (sealed[position] === "A" ? "B" : "A") + sealed.slice(position + 1);
      expect(await openPasswordHash(secret, flipped)).toBeNull();
    }
    for (const garbage of [null, "", "A", "%%%", "a".repeat(5000), btoa("not sealed at all, just base64 text here")]) {
      expect(await openPasswordHash(secret, garbage)).toBeNull();
    }
  });

  it("refuses to seal with a missing or short secret", async () => {
    expect(sessionSecretProblem(undefined)).toMatch(/SESSION_SECRET/);
    expect(sessionSecretProblem("short")).toMatch(/too short/);
    expect(sessionSecretProblem(secret)).toBeNull();
    await expect(sealPasswordHash("short", "x")).rejects.toThrow(/too short/);
  });

  it("is HttpOnly, SameSite=Strict, 30 minutes, and __Host-/Secure over https", () => {
    const local = wizardCookie(new Request("http://localhost/setup"), "v");
    expect(local).toBe("alva_setup=v; Path=/; Max-Age=1800; HttpOnly; SameSite=Strict");
    const secure = wizardCookie(new Request("https://alva.example/setup"), "v");
    expect(secure).toBe("__Host-alva_setup=v; Path=/; Max-Age=1800; HttpOnly; SameSite=Strict; Secure");
  });
});

describe("first-run setup", () => {
  // Filled in as the wizard goes on: the cookie holding the sealed password.
  let sealedCookie = "";

  it("sends every page to /setup while no admin exists, but not the health checks", async () => {
    for (const path of ["/", "/login", "/signup", "/dashboard", "/no/such/page"]) {
      const response = await get(path);
      expect(response.status, path).toBe(302);
      expect(response.headers.get("Location"), path).toBe("/setup");
    }
    for (const path of ["/healthz", "/readyz", "/health", "/live", "/ready"]) {
      expect((await get(path)).status, path).toBe(200);
    }
    expect(await rowCounts()).toEqual(nothingCreated);
  });

  it("opens on the welcome step with the progress list", async () => {
    const html = await expectStep(await get("/setup"), 1, "Welcome");
    expect(html).toContain("Welcome to Alva");
    expect(html).toMatch(/<ol[^>]*>.*Admin account.*Organization.*Finish.*<\/ol>/s);
    expect(html).toMatch(/<form[^>]*method="post"/);
    expect(html).toMatch(/<button(?=[^>]*name="intent")(?=[^>]*value="next")[^>]*>Next</);
  });

  it("tells the operator to set SESSION_SECRET instead of failing without it", async () => {
    for (const secret of ["", "too-short"]) {
      const noSecret = { ...fresh, SESSION_SECRET: secret } as Partial<Env>;
      const page = await send("/setup", noSecret);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("SESSION_SECRET");
      const response = await post(
        { step: "account", intent: "next", ...typedAccount, password: PASSWORD, confirmPassword: PASSWORD },
        undefined,
        noSecret,
      );
      expect(response.status).toBe(503);
      const html = await response.text();
      expect(html).toContain("SESSION_SECRET");
      expectNoPasswordIn(html);
      expect(wizardCookieFrom(response)).toBeNull();
    }
  });

  it("answers 503, not a crash, when the database is down", async () => {
    const response = await send("/setup", { ...fresh, ...deadDatabase });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("can&#x27;t reach its database");
  });

  it("goes from welcome to the account step, and back", async () => {
    await expectStep(await post({ step: "welcome", intent: "next" }), 2, "Admin account");
    await expectStep(
      await post({ step: "account", intent: "back", ...typedAccount, password: PASSWORD, confirmPassword: PASSWORD }),
      1,
      "Welcome",
    );
  });

  it("lets the wizard's own data requests through (how it posts once JavaScript runs)", async () => {
    const response = await send(formPost("/setup.data", { step: "welcome", intent: "next" }), fresh);
    expect(response.status).toBe(200);
    expect(response.headers.get("Location")).toBeNull();
    const body = await response.text();
    expect(body).not.toContain("SingleFetchRedirect");
    expect(body).toContain('"account"');
    // Other pages' data requests still wait for setup.
    const other = await send(new Request(new URL("/dashboard.data", origin), { redirect: "manual" }), fresh);
    expect(await other.text()).toMatch(/"SingleFetchRedirect".*"redirect","\/setup"/);
  });

  describe("the account step refuses bad input, keeps what was typed and never echoes the password", () => {
    const cases: [string, Record<string, string>, string, string][] = [
      ["a bad e-mail", { email: "not-an-address" }, "email", "That doesn't look like an e-mail address."],
      ["an empty e-mail", { email: "  " }, "email", "Enter your e-mail address."],
      ["a bad username", { username: "no spaces!" }, "username", "Use only letters, digits and _."],
      ["a short username", { username: "ab" }, "username", "Use at least 3 characters."],
      ["a short password", { password: "short", confirmPassword: "short" }, "password", "Use at least 8 characters."],
      [
        "a common password",
        { password: "baseball", confirmPassword: "baseball" },
        "password",
        "That password is too common",
      ],
      ["different passwords", { confirmPassword: `${PASSWORD}!` }, "confirmPassword", "The two passwords differ."],
      ["no confirmation", { confirmPassword: "" }, "confirmPassword", "Type the password again."],
      ["a display name too long", { displayName: "x".repeat(81) }, "displayName", "Use at most 80 characters."],
    ];
    it.each(cases)("%s", async (_, change, field, message) => {
      const fields = {
        step: "account",
        intent: "next",
        ...typedAccount,
        password: PASSWORD,
        confirmPassword: PASSWORD,
        ...change,
      };
      const response = await post(fields);
      const html = await expectStep(response, 2, "Admin account", 400);
      expect(html).toContain(message);
      expect(inputs(html).get(field)?.type ?? "password").not.toBe("hidden");
      expect(html).toMatch(new RegExp(`id="field-${field}"[^>]*aria-invalid="true"`));
      for (const name of ["email", "username", "displayName"] as const)
        expect(inputs(html).get(name)?.value).toBe(fields[name]);
      expectNoPasswordIn(html);
      expect(wizardCookieFrom(response)).toBeNull();
    });
  });

  it("accepts the account, keeping the password only as a sealed cookie", async () => {
    const response = await post({
      step: "account",
      intent: "next",
      ...typedAccount,
      password: PASSWORD,
      confirmPassword: PASSWORD,
      role: "user",
    });
    const html = await expectStep(response, 3, "Organization");
    expectNoPasswordIn(html);
    // The answers move on normalized, in hidden inputs.
    const fields = inputs(html);
    for (const [name, value] of Object.entries(storedAccount))
      expect(fields.get(name)).toEqual({ type: "hidden", value });
    expect(fields.has("role")).toBe(false);

    const header = setCookies(response).get("alva_setup")!;
    expect(header).toMatch(/; Path=\/; Max-Age=1800; HttpOnly; SameSite=Strict$/);
    expect(header).not.toContain(PASSWORD);
    expect(header).not.toContain("argon2");
    sealedCookie = wizardCookieFrom(response)!;
    const hash = await openPasswordHash(env.SESSION_SECRET, sealedCookie.slice("alva_setup=".length));
    expect((await verifyPassword(hash!, PASSWORD)).valid).toBe(true);
  });

  it("limits how often one client can make the account step hash a password", async () => {
    const fields = { step: "account", intent: "next", ...typedAccount, password: PASSWORD, confirmPassword: PASSWORD };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await send(formPost("/setup", fields, { "CF-Connecting-IP": "192.0.2.77" }), fresh)).status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  }, 30_000);

  it("keeps every answer through Back and Next, and the password without retyping it", async () => {
    const typedOrganization = "Half-typed Org";
    // Back from the organization step: the account fields come back, the organization rides along hidden.
    const back = await expectStep(
      await post(
        { step: "organization", intent: "back", ...storedAccount, organization: typedOrganization },
        sealedCookie,
      ),
      2,
      "Admin account",
    );
    expectNoPasswordIn(back);
    for (const [name, value] of Object.entries(storedAccount)) {
      expect(inputs(back).get(name)?.value).toBe(value);
      expect(inputs(back).get(name)?.type).not.toBe("hidden");
    }
    expect(inputs(back).get("organization")).toEqual({ type: "hidden", value: typedOrganization });
    expect(back).toContain("leave both password fields empty to keep it");

    // Next with both password fields empty keeps the sealed password: no new cookie, no error.
    const next = await post(
      {
        step: "account",
        intent: "next",
        ...storedAccount,
        organization: typedOrganization,
        password: "",
        confirmPassword: "",
      },
      sealedCookie,
    );
    const html = await expectStep(next, 3, "Organization");
    expect(wizardCookieFrom(next)).toBeNull();
    expect(inputs(html).get("organization")).toEqual({ type: "text", value: typedOrganization });

    // Without the cookie, empty password fields are an error like any other.
    const withoutCookie = await post({
      step: "account",
      intent: "next",
      ...storedAccount,
      password: "",
      confirmPassword: "",
    });
    expect(await expectStep(withoutCookie, 2, "Admin account", 400)).toContain("Choose a password.");
  });

  it("refuses an empty or too long organization name, keeping what was typed", async () => {
    for (const [organization, message] of [
      ["   ", "Name your organization."],
      ["y".repeat(101), "Use at most 100 characters."],
    ]) {
      const html = await expectStep(
        await post(
          { step: "organization", intent: "next", ...storedAccount, organization: organization! },
          sealedCookie,
        ),
        3,
        "Organization",
        400,
      );
      expect(html).toContain(message);
      expect(inputs(html).get("organization")?.value).toBe(organization);
      expect(inputs(html).get("email")).toEqual({ type: "hidden", value: storedAccount.email });
    }
  });

  it("shows what will be created on the last step, and Back keeps the organization", async () => {
    const html = await expectStep(
      await post(
        { step: "organization", intent: "next", ...storedAccount, organization: `  ${ORGANIZATION} ` },
        sealedCookie,
      ),
      4,
      "Finish",
    );
    expect(html).toContain("Finish setup");
    for (const value of [...Object.values(storedAccount), ORGANIZATION]) expect(html).toContain(value);
    expect(inputs(html).get("organization")).toEqual({ type: "hidden", value: ORGANIZATION });
    expectNoPasswordIn(html);

    const back = await expectStep(
      await post({ step: "finish", intent: "back", ...storedAccount, organization: ORGANIZATION }, sealedCookie),
      3,
      "Organization",
    );
    expect(inputs(back).get("organization")).toEqual({ type: "text", value: ORGANIZATION });
  });

  it("refuses to finish with a missing, altered, forged or expired wizard cookie", async () => {
    const value = sealedCookie.slice("alva_setup=".length);
    const middle = Math.floor(value.length / 2);
    const altered = value.slice(0, middle) + (value[middle] === "A" ? "B" : "A") + value.slice(middle + 1);
    const attackerHash = await hashPassword("the attacker's own password");
    const forged = await sealPasswordHash("some-other-secret-that-is-long-enough-000000", attackerHash);
    const expired = await sealPasswordHash(
      env.SESSION_SECRET,
      attackerHash,
      Date.now() - WIZARD_COOKIE_MAX_AGE_SECONDS * 1000 - 1,
    );
    for (const cookie of [
      undefined,
      `alva_setup=${altered}`,
      `alva_setup=${forged}`,
      `alva_setup=${expired}`,
      "alva_setup=%%%",
      `alva_setup=${attackerHash}`,
    ]) {
      const response = await post(
        { step: "finish", intent: "next", ...storedAccount, organization: ORGANIZATION },
        cookie,
      );
      const html = await expectStep(response, 2, "Admin account", 400);
      expect(html).toContain("Choose the password again");
      expectNoPasswordIn(html);
    }
    expect(await rowCounts()).toEqual(nothingCreated);
  });

  it("checks the carried answers again on the last step", async () => {
    const cases: [Record<string, string>, number, string, string][] = [
      [{ email: "tampered" }, 2, "Admin account", "That doesn't look like an e-mail address."],
      [{ username: "Robert'); DROP TABLE users;--" }, 2, "Admin account", "Use only letters, digits and _."],
      [{ organization: "" }, 3, "Organization", "Name your organization."],
    ];
    for (const [change, step, label, message] of cases) {
      const response = await post(
        { step: "finish", intent: "next", ...storedAccount, organization: ORGANIZATION, ...change },
        sealedCookie,
      );
      expect(await expectStep(response, step, label, 400)).toContain(message);
    }
    expect(await rowCounts()).toEqual(nothingCreated);
  });

  it("answers an address or username that already has an account with a field error, not a crash", async () => {
    // Cannot happen through the app (every page waits for setup), only with accounts made outside it.
    const db = freshDb();
    const existing = await createAccount(db, {
      email: storedAccount.email,
      username: "someone_else",
      displayName: null,
      passwordHash: null,
    });
    try {
      const response = await post(
        { step: "finish", intent: "next", ...storedAccount, organization: ORGANIZATION },
        sealedCookie,
      );
      const html = await expectStep(response, 2, "Admin account", 400);
      expect(html).toContain("already exists");
      expect(inputs(html).get("email")?.value).toBe(storedAccount.email);
      expect((await rowCounts()).instance).toBe(0);
      expect((await rowCounts()).organizations).toBe(0);
    } finally {
      await db.delete(workspaceMembers).where(eq(workspaceMembers.userId, existing.id));
      await db.delete(workspaces).where(eq(workspaces.ownerId, existing.id));
      await db.delete(users).where(eq(users.id, existing.id));
    }
    expect(await rowCounts()).toEqual(nothingCreated);
  });

  it("refuses a logo that is not a picture on the last step: a field error, the answers kept, nothing created", async () => {
    const svg = new File(['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'], "logo.svg", {
      type: "image/svg+xml",
    });
    const response = await postWithLogo(
      { step: "finish", intent: "next", ...storedAccount, organization: ORGANIZATION },
      svg,
      sealedCookie,
    );
    const html = await expectStep(response, 4, "Finish", 415);
    expect(html).toContain(WRONG_TYPE_MESSAGE);
    expect(inputs(html).get("email")?.value).toBe(storedAccount.email);
    expect(inputs(html).get("organization")?.value).toBe(ORGANIZATION);
    expect(await rowCounts()).toEqual(nothingCreated);
    expect(await freshDb().select().from(images)).toEqual([]);
  });

  let sessionCookieHeader = "";
  let toastCookieHeader = "";

  it("finishes exactly once when the last step is posted several times at once, ignoring extra fields", async () => {
    const chosenId = "00000000-0000-4000-8000-000000000000";
    const final = {
      step: "finish",
      intent: "next",
      ...storedAccount,
      organization: ORGANIZATION,
      // None of these is read: the admin is an admin with an unverified address and ids of our making.
      role: "user",
      id: chosenId,
      emailVerifiedAt: String(Date.now()),
      organizationId: chosenId,
      passwordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
    };
    // Two tabs with the same answers, and a rival with another account: whoever commits first wins,
    // the others' batches roll back (unique e-mail, or the instance row's primary key).
    const rival = { ...final, email: "rival@example.com", username: "rival" };
    const posted = [final, rival, final];
    // Each with the organization's logo, as the last step's multipart form sends it.
    const logo = () => new File([pngBytes(160, 64)], "logo.png", { type: "image/png" });
    const responses = await Promise.all(posted.map((fields) => postWithLogo(fields, logo(), sealedCookie)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([302, 404, 404]);
    const winner = responses.find((response) => response.status === 302)!;
    const winnerFields = posted[responses.indexOf(winner)]!;
    expect(winner.headers.get("Location")).toBe("/dashboard");

    const cookies = setCookies(winner);
    const session = cookies.get("alva_session")!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/Expires=/); // persistent
    expect(cookies.get("alva_setup")).toMatch(/^alva_setup=; .*Max-Age=0/);
    expect(cookies.get("toast")).toBeDefined();
    sessionCookieHeader = session.slice(0, session.indexOf(";"));
    toastCookieHeader = cookies.get("toast")!.slice(0, cookies.get("toast")!.indexOf(";"));
    for (const loser of responses.filter((response) => response !== winner)) {
      expect(await loser.text()).toContain("We couldn&#x27;t find that page");
      expect(setCookies(loser).has("alva_session")).toBe(false);
    }

    const db = freshDb();
    expect(await rowCounts()).toEqual({ users: 1, organizations: 1, instance: 1, workspaces: 1 });
    const [admin] = await db.select().from(users);
    expect(admin).toMatchObject({
      email: winnerFields.email,
      username: winnerFields.username,
      displayName: storedAccount.displayName,
      role: "admin",
      emailVerifiedAt: null,
    });
    expect(admin!.id).not.toBe(chosenId);
    expect((await verifyPassword(admin!.passwordHash!, PASSWORD)).valid).toBe(true);
    const [organization] = await db.select().from(organizations);
    expect(organization).toMatchObject({ name: ORGANIZATION });
    expect(organization!.id).not.toBe(chosenId);
    // Only the winner's logo was stored (the others were checked, then refused with the 404).
    const stored = await db.select().from(images);
    expect(stored).toEqual([
      expect.objectContaining({ kind: "logo", workspaceId: null, ownerId: admin!.id, width: 160, height: 64 }),
    ]);
    expect(organization!.logoImageId).toBe(stored[0]!.id);
    const [row] = await db.select().from(instance);
    expect(row).toMatchObject({ id: 1, organizationId: organization!.id });
    const [workspace] = await db.select().from(workspaces);
    expect(workspace).toMatchObject({ ownerId: admin!.id, name: "Ada Owner's business" });
    expect(await db.select().from(workspaceMembers)).toEqual([
      expect.objectContaining({ workspaceId: workspace!.id, userId: admin!.id, role: "owner" }),
    ]);
    const events = await db
      .select({ type: securityEvents.type })
      .from(securityEvents)
      .where(eq(securityEvents.userId, admin!.id));
    expect(events.map((event) => event.type).sort()).toEqual(["account-created", "sign-in"]);
    const adminSessions = await db.select().from(sessions).where(eq(sessions.userId, admin!.id));
    expect(adminSessions).toHaveLength(1);
    expect(adminSessions[0]!.persistent).toBe(true);

    // The admin's address is unverified, so a verification mail went out (to the outbox in tests).
    const mails = await db.select().from(devOutbox).where(eq(devOutbox.to, winnerFields.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(/\b\d{8}\b/);
    expect(mails[0]!.text).toContain("http://localhost:5173/verify-email?token=");
    expect(mails[0]!.text).not.toContain(PASSWORD);
    expect(await db.select().from(emailVerifications).where(eq(emailVerifications.userId, admin!.id))).toHaveLength(1);
  });

  it("signs the admin in: the dashboard opens and says so", async () => {
    const response = await get("/dashboard", `${sessionCookieHeader}; ${toastCookieHeader}`);
    expect(response.status).toBe(200);
    const html = unescapeHtml(await response.text());
    expect(html).toContain("Welcome, Ada Owner.");
    expect(html).toContain("Alva is set up");
    expect(html).toContain("We sent a code to");
  });

  it("is gone afterwards: GET and every POST to /setup are 404, and pages no longer redirect", async () => {
    const response = await get("/setup");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("We couldn&#x27;t find that page");
    for (const step of ["welcome", "account", "organization", "finish"]) {
      const again = await post(
        {
          step,
          intent: "next",
          email: "second@example.com",
          username: "second",
          password: PASSWORD,
          confirmPassword: PASSWORD,
          organization: "Second",
        },
        sealedCookie,
      );
      expect(again.status, step).toBe(404);
      expect(wizardCookieFrom(again)).toBeNull();
    }
    expect((await get("/")).status).toBe(200);
    expect((await get("/login")).status).toBe(200);
    expect(await rowCounts()).toEqual({ users: 1, organizations: 1, instance: 1, workspaces: 1 });
  });
});
