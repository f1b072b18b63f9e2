// /admin/settings and what it changes. These tests run against their own database (settingsDatabaseUrl,
// tests/worker-database.setup.ts): a closed sign-up must never leak into other test files running alongside.
import { env } from "cloudflare:workers";
import { desc, eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createDatabase } from "../../db/client.ts";
import {
  adminInvitations,
  auditLog,
  devOutbox,
  instance,
  organizations,
  type Role,
  type SignupPolicy,
  users,
  waitlist,
  workspaceInvitations,
  workspaces,
} from "../../db/schema.ts";
import { codeIn } from "../../tests/support/email-flows.ts";
import { formPost, send, TEST_PASSWORD } from "../../tests/worker-helpers.ts";
import { createAccount } from "../accounts/accounts.server.ts";
import { hashPassword } from "../accounts/password.server.ts";
import { createSession, sessionCookieName } from "../accounts/session.server.ts";
import { linkOwner, type MagicLinkRow } from "../magic-links/magic-links.server.ts";
import { resolveSignIn } from "../oauth/oauth-accounts.server.ts";
import {
  defaultSettings,
  domainAllowed,
  invitedEmail,
  loadInstanceSettings,
  planGenerationLimit,
  SignupRefusedError,
  settingsUpsert,
  signupRefusal,
} from "./instance-settings.server.ts";

declare module "vitest" {
  // biome-ignore lint/suspicious/noExportsInTest: a type augmentation, not an export.
  export interface ProvidedContext {
    settingsDatabaseUrl: string;
    databaseToken: string;
  }
}

const own = {
  TURSO_DATABASE_URL: inject("settingsDatabaseUrl"),
  TURSO_AUTH_TOKEN: inject("databaseToken"),
} satisfies Partial<Env>;
const db = () => createDatabase(own);
const origin = "http://localhost:5173";
const randomIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

let passwordHash: Promise<string> | undefined;

async function account(role: Role = "user") {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const name = `${role}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const user = await createAccount(db(), {
    username: name,
    email: `${name}@example.com`,
    displayName: null,
    passwordHash: await passwordHash,
    role,
    emailVerifiedAt: new Date(),
  });
  const { token } = await createSession(db(), {
    userId: user.id,
    persistent: true,
    request: new Request(origin),
  });
  return { user, cookie: `${sessionCookieName(false)}=${token}` };
}

const get = (path: string, cookie = "") =>
  send(new Request(new URL(path, origin), { headers: { Cookie: cookie }, redirect: "manual" }), own);
const post = (path: string, fields: Record<string, string | string[]>, cookie = "", headers = {}) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const each of [value].flat()) body.append(name, each);
  const request = formPost(path, {}, { Cookie: cookie, "CF-Connecting-IP": randomIp(), ...headers });
  return send(new Request(request, { body }), own);
};

async function setPolicy(policy: SignupPolicy, domains: string[] = []) {
  await settingsUpsert(db(), { ...defaultSettings, signupPolicy: policy, signupDomains: domains });
}

beforeAll(async () => {
  const [row] = await db().select().from(instance).limit(1);
  if (row) return;
  const organizationId = crypto.randomUUID();
  await db().batch([
    db().insert(organizations).values({ id: organizationId, name: "Settings organization", createdAt: new Date() }),
    db().insert(instance).values({ id: 1, organizationId, setupCompletedAt: new Date() }),
  ]);
});

beforeEach(() => settingsUpsert(db(), defaultSettings));

describe("who may change the settings", () => {
  it.each(["user", "moderator"] as const)(
    "answers 403 to a %s for the page, each form and the export",
    async (role) => {
      const { cookie } = await account(role);
      expect((await get("/admin/settings", cookie)).status).toBe(403);
      expect((await get("/admin/settings/waitlist/download", cookie)).status).toBe(403);
      const forms: Record<string, string | string[]>[] = [
        { intent: "organization", name: "Taken over" },
        { intent: "access", policy: "open", methods: ["password"] },
        { intent: "plans", planLimit: "1000" },
        { intent: "invite", waitlistId: "1" },
      ];
      for (const fields of forms) {
        expect((await post("/admin/settings", fields, cookie)).status, String(fields.intent)).toBe(403);
      }
      expect((await get("/admin/system", cookie)).status).toBe(403);
      expect((await loadInstanceSettings(db())).planLimitPerDay).toBeNull();
      const [org] = await db().select().from(organizations);
      expect(org?.name).not.toBe("Taken over");
    },
  );

  it("sends anonymous visitors to sign in", async () => {
    const response = await get("/admin/settings");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Fadmin%2Fsettings");
  });
});

describe("changes are audited", () => {
  it("records each change with who, what, old and new values and the IP", async () => {
    const { user, cookie } = await account("admin");
    const auditOf = async (action: string) =>
      (await db().select().from(auditLog).where(eq(auditLog.actorId, user.id))).filter((row) => row.action === action);

    const page = await get("/admin/settings", cookie);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Who may create an account");

    const ip = randomIp();
    let response = await post("/admin/settings", { intent: "organization", name: "Acme Bakery" }, cookie, {
      "CF-Connecting-IP": ip,
    });
    expect(response.status).toBe(302);
    // The header of signed-in pages shows it.
    expect(await (await get("/admin/settings", cookie)).text()).toMatch(/<span[^>]*>Acme Bakery<\/span><\/a>/);
    const [renamed] = await auditOf("settings.organization");
    expect(renamed).toMatchObject({ actorLabel: user.username, ip });
    expect(JSON.parse(renamed!.detail!)).toMatchObject({ to: "Acme Bakery" });

    response = await post(
      "/admin/settings",
      { intent: "access", policy: "domains", domains: "Example.org\n@acme.test", methods: ["password", "github"] },
      cookie,
    );
    expect(response.status).toBe(302);
    expect(await loadInstanceSettings(db())).toMatchObject({
      signupPolicy: "domains",
      signupDomains: ["example.org", "acme.test"],
      signInMethods: ["password", "github"],
    });
    const [access] = await auditOf("settings.access");
    expect(JSON.parse(access!.detail!)).toMatchObject({
      from: { policy: "open" },
      to: { policy: "domains", domains: ["example.org", "acme.test"], methods: ["password", "github"] },
    });

    response = await post("/admin/settings", { intent: "plans", planLimit: "3" }, cookie);
    expect(response.status).toBe(302);
    expect((await loadInstanceSettings(db())).planLimitPerDay).toBe(3);
    expect(planGenerationLimit(await loadInstanceSettings(db()))).toEqual({ capacity: 3, refillPerSecond: 3 / 86_400 });
    const [limit] = await auditOf("settings.plan-limit");
    expect(JSON.parse(limit!.detail!)).toEqual({ from: null, to: 3 });
  });

  it("keeps what was typed and says what is wrong", async () => {
    const { cookie } = await account("admin");
    const response = await post(
      "/admin/settings",
      { intent: "access", policy: "domains", domains: "not a domain", methods: ["github"] },
      cookie,
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Write a domain such as example.com.");
    expect(html).toContain("Keep the password or the e-mailed link on");
    expect(html).toContain("not a domain");
    for (const planLimit of ["0", "abc", "100000"]) {
      expect((await post("/admin/settings", { intent: "plans", planLimit }, cookie)).status, planLimit).toBe(400);
    }
    expect((await post("/admin/settings", { intent: "nonsense" }, cookie)).status).toBe(400);
    expect((await loadInstanceSettings(db())).signupPolicy).toBe("open");
  });
});

describe("the sign-up policy", () => {
  const signUp = (email: string) => {
    const username = `s_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    return post("/signup", {
      username,
      email,
      password: "a long enough passphrase 42",
      confirmPassword: "a long enough passphrase 42",
    });
  };
  const address = (domain = "example.com") => `p${crypto.randomUUID().slice(0, 8)}@${domain}`;
  const created = async (email: string) => (await db().select().from(users).where(eq(users.email, email))).length === 1;

  it("open: anyone signs up", async () => {
    const email = address();
    expect((await signUp(email)).status).toBe(302);
    expect(await created(email)).toBe(true);
  });

  it("closed: nobody signs up, with a clear message", async () => {
    await setPolicy("closed");
    const email = address();
    const response = await signUp(email);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("isn&#x27;t accepting new accounts");
    expect(await created(email)).toBe(false);
  });

  it("domains: exact matches only — look-alike domains are refused", async () => {
    await setPolicy("domains", ["example.com"]);
    for (const domain of [
      "example.com.evil.io",
      "evil-example.com",
      "sub.example.com",
      "example.co",
      "xexample.com",
      "example.com@evil.io",
    ]) {
      const email = `p${crypto.randomUUID().slice(0, 8)}@${domain}`;
      expect(domainAllowed(email, ["example.com"]), domain).toBe(false);
      const response = await signUp(email);
      expect(response.status, domain).toBeGreaterThanOrEqual(400);
      expect(await created(email.toLowerCase()), domain).toBe(false);
    }
    const email = address("Example.COM");
    expect((await signUp(email)).status).toBe(302);
    expect(await created(email.toLowerCase())).toBe(true);
  });

  it("invite-only: a workspace invitation or an admin invitation lets that address in, nobody else", async () => {
    await setPolicy("invite-only");
    const stranger = address();
    expect((await signUp(stranger)).status).toBe(403);
    expect(await created(stranger)).toBe(false);

    const { user } = await account();
    const [workspace] = await db().select().from(workspaces).where(eq(workspaces.ownerId, user.id));
    const invited = address();
    const expired = address();
    await db()
      .insert(workspaceInvitations)
      .values(
        [invited, expired].map((email, i) => ({
          id: crypto.randomUUID(),
          workspaceId: workspace!.id,
          email,
          tokenHash: crypto.randomUUID(),
          invitedBy: user.id,
          expiresAt: new Date(Date.now() + (i === 0 ? 1 : -1) * 86_400_000),
          sentAt: new Date(),
          createdAt: new Date(),
        })),
      );
    expect((await signUp(invited)).status).toBe(302);
    expect(await created(invited)).toBe(true);
    expect((await signUp(expired)).status).toBe(403);

    // From the waitlist: the admin's invitation e-mails a link with a token; the address may sign up.
    const { cookie } = await account("admin");
    const waiting = address();
    const [entry] = await db().insert(waitlist).values({ email: waiting }).returning();
    const response = await post("/admin/settings", { intent: "invite", waitlistId: String(entry!.id) }, cookie);
    expect(response.status).toBe(302);
    const [invitation] = await db().select().from(adminInvitations).where(eq(adminInvitations.email, waiting));
    expect(invitation?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const [audited] = await db().select().from(auditLog).where(eq(auditLog.targetLabel, waiting));
    expect(audited?.action).toBe("waitlist.invite");
    const [marked] = await db().select().from(waitlist).where(eq(waitlist.id, entry!.id));
    expect(marked?.invitedAt).not.toBeNull();
    expect(await invitedEmail(db(), "a".repeat(32))).toBeNull();
    // The e-mail's link opens the sign-up form with the address filled in.
    const [mail] = await db().select().from(devOutbox).where(eq(devOutbox.to, waiting)).orderBy(desc(devOutbox.id));
    const link = /https?:\/\/\S+\/signup\?invitation=([a-z2-7]{32})/.exec(mail!.text);
    expect(link).not.toBeNull();
    // Signed with the organization's name, like every e-mail.
    expect(mail!.text).toMatch(/— Alva at \S.*$/);
    expect(await invitedEmail(db(), link![1]!)).toBe(waiting);
    const form = await (await get(`/signup?invitation=${link![1]}`)).text();
    expect(form).toContain(`value="${waiting}"`);
    expect((await signUp(waiting)).status).toBe(302);
    expect(await created(waiting)).toBe(true);
  });

  it("holds on the magic-link and OAuth paths (and so the API, which uses the same functions)", async () => {
    const now = new Date();
    const link = (email: string): MagicLinkRow => ({
      id: crypto.randomUUID(),
      email,
      tokenHash: "x",
      codeHash: "x",
      browserHash: "x",
      attempts: 0,
      redirectTo: null,
      expiresAt: new Date(now.getTime() + 600_000),
      consumedAt: now,
      createdAt: now,
    });
    const profile = (email: string) => ({
      providerUserId: crypto.randomUUID(),
      email,
      emailVerified: true,
      login: null,
      displayName: null,
      avatarUrl: null,
    });
    const request = new Request(origin);

    for (const [policy, domains] of [
      ["closed", []],
      ["domains", ["example.com"]],
      ["invite-only", []],
    ] as const) {
      await setPolicy(policy, [...domains]);
      const email = address(policy === "domains" ? "example.com.evil.io" : "example.com");
      await expect(linkOwner(db(), { ...env, ...own }, { link: link(email), request }), policy).rejects.toBeInstanceOf(
        SignupRefusedError,
      );
      const oauth = await resolveSignIn(db(), "github", profile(email));
      expect(oauth.outcome, policy).toBe("refused");
      expect(await created(email)).toBe(false);
      expect(await signupRefusal(db(), email)).toBeTruthy();
    }

    // An existing account still signs in whatever the policy.
    await setPolicy("closed");
    const { user } = await account();
    const owner = await linkOwner(db(), { ...env, ...own }, { link: link(user.email), request });
    expect(owner.user.id).toBe(user.id);

    await setPolicy("domains", ["example.com"]);
    const allowed = address("example.com");
    expect((await resolveSignIn(db(), "github", profile(allowed))).outcome).toBe("created");
  });

  it("the magic-link API answers 403 with the policy's message, and the waitlist invitation mail links to sign-up", async () => {
    const api = (path: string, body: unknown) =>
      send(
        new Request(new URL(path, origin), {
          method: "POST",
          headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
          body: JSON.stringify(body),
        }),
        own,
      );
    await setPolicy("closed");
    const email = address();
    const asked = await api("/api/v1/auth/magic-link", { email });
    expect(asked.status).toBe(202);
    const { challenge } = (await asked.json()) as { challenge: string };
    const [mail] = await db().select().from(devOutbox).where(eq(devOutbox.to, email)).orderBy(desc(devOutbox.id));
    const code = codeIn(mail!);
    const verified = await api("/api/v1/auth/magic-link/verify", { challenge, code });
    expect(verified.status).toBe(403);
    expect(((await verified.json()) as { detail: string }).detail).toContain("isn't accepting new accounts");
    expect(await created(email)).toBe(false);
  });
});

describe("sign-in methods", () => {
  it("hides and refuses the methods an admin turned off", async () => {
    await settingsUpsert(db(), { ...defaultSettings, signInMethods: ["magic-link"] });
    const page = await (await get("/login")).text();
    expect(page).not.toContain('autoComplete="current-password"');
    expect(page).not.toContain('name="password"');
    expect(page).toContain("/login/link");

    const { user } = await account();
    const login = await post("/login", { login: user.username, password: TEST_PASSWORD });
    expect(login.status).toBe(403);
    expect(login.headers.getSetCookie().some((cookie) => cookie.startsWith(sessionCookieName(false)))).toBe(false);

    const token = await send(
      new Request(new URL("/api/v1/auth/token", origin), {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
        body: JSON.stringify({ login: user.username, password: TEST_PASSWORD }),
      }),
      own,
    );
    expect(token.status).toBe(403);

    await settingsUpsert(db(), { ...defaultSettings, signInMethods: ["password"] });
    expect((await get("/login/link")).status).toBe(403);
    expect((await post("/login/link", { email: "someone@example.com" })).status).toBe(403);
    expect(await (await get("/login")).text()).not.toContain('action="/login/link"');
    expect((await post("/auth/github", {})).status).toBeGreaterThanOrEqual(403);
  });
});
