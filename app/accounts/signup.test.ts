import { env } from "cloudflare:workers";
import { desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { devOutbox, users, workspaceMembers, workspaces } from "../../db/schema.ts";
import { createTestUser, ensureInstance, formPost, send, setCookies, testDb } from "../../tests/worker-helpers.ts";
import { signUp as signUpAccount, signUpForm } from "./signup.server.ts";

beforeAll(ensureInstance);

const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 10);
const signUp = (fields: Record<string, string>) =>
  send(formPost("/signup", fields, { "CF-Connecting-IP": `192.0.2.${Math.floor(Math.random() * 250) + 1}` }));
const validFields = () => {
  const name = `new_${unique()}`;
  return {
    username: name,
    email: `${name}@Example.com`,
    displayName: "New Person",
    password: "a fine long passphrase",
    confirmPassword: "a fine long passphrase",
  };
};
const mailTo = async (to: string) =>
  testDb().select().from(devOutbox).where(eq(devOutbox.to, to)).orderBy(desc(devOutbox.id));

describe("sign-up", () => {
  it("creates the account (e-mail lowercased) with a personal workspace, mails a verification, and sends the user to sign in", async () => {
    const fields = validFields();
    const response = await signUp(fields);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login");
    expect(setCookies(response).has("alva_session")).toBe(false); // signs in only after "check your e-mail"

    const [user] = await testDb().select().from(users).where(eq(users.username, fields.username));
    expect(user).toMatchObject({
      email: fields.email.toLowerCase(),
      displayName: "New Person",
      role: "user",
      emailVerifiedAt: null,
    });
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    const memberships = await testDb()
      .select({ role: workspaceMembers.role, owner: workspaces.ownerId })
      .from(workspaceMembers)
      .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
      .where(eq(workspaceMembers.userId, user!.id));
    expect(memberships).toEqual([{ role: "owner", owner: user!.id }]);
    const [mail] = await mailTo(user!.email);
    expect(mail?.text).toMatch(/\b\d{8}\b/);
  });

  it("answers an already-registered e-mail exactly like a new one, and tells the owner instead", async () => {
    const existing = await createTestUser();
    const fresh = validFields();
    const known = { ...validFields(), email: existing.email.toUpperCase() };
    const [a, b] = [await signUp(fresh), await signUp(known)];
    expect(a.status).toBe(b.status);
    expect(a.headers.get("Location")).toBe(b.headers.get("Location"));
    const toast = (r: Response, email: string) =>
      decodeURIComponent(setCookies(r).get("toast")!).replace(email.toLowerCase(), "X");
    expect(toast(a, fresh.email)).toBe(toast(b, known.email));
    const [notice] = await mailTo(existing.email);
    expect(notice?.subject).toBe("Someone tried to sign up to Alva with your address");
    const owners = await testDb().select().from(users).where(eq(users.email, existing.email));
    expect(owners).toHaveLength(1);
  });

  it("does the same database work for a registered address as for a new one, and mails nobody before answering", async () => {
    // Timing is too noisy to test; the work is not: record every call signUp makes on the database.
    const recorded = (db: Database) => {
      const calls: string[] = [];
      const proxy = new Proxy(db, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            calls.push(String(property));
            return value.apply(target, args);
          };
        },
      });
      return { db: proxy, calls };
    };
    const existing = await createTestUser();
    const fresh = signUpForm.parse(validFields());
    const known = signUpForm.parse({ ...validFields(), email: existing.email.toUpperCase() });
    const request = new Request("http://localhost:5173/signup", { method: "POST" });
    const forFresh = recorded(testDb());
    const forKnown = recorded(testDb());
    const a = await signUpAccount(forFresh.db, env, fresh, request);
    const b = await signUpAccount(forKnown.db, env, known, request);
    expect(a.outcome).toBe("check-email");
    expect(b.outcome).toBe("check-email");
    expect(forKnown.calls).toEqual(forFresh.calls);
    expect(forFresh.calls.filter((call) => call === "batch")).toHaveLength(1);
    expect(await mailTo(fresh.email)).toHaveLength(0);
    expect(await mailTo(existing.email)).toHaveLength(0);
  });

  it("refuses a taken username whatever its case, keeping what was typed", async () => {
    const existing = await createTestUser();
    const fields = { ...validFields(), username: existing.username.toUpperCase() };
    const response = await signUp(fields);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That username is taken");
    expect(html).toContain(`value="${fields.email}"`);
    expect(html).not.toContain(fields.password);
  });

  it.each([
    [{ username: "ab" }, "Use at least 3 characters."],
    [{ username: "has space" }, "Use only letters, digits and _."],
    [{ email: "not-an-email" }, "doesn&#x27;t look like an e-mail address"],
    [{ password: "short", confirmPassword: "short" }, "Use at least 8 characters."],
    [{ password: "password1", confirmPassword: "password1" }, "too common"],
    [{ confirmPassword: "something else entirely" }, "The two passwords differ."],
  ])("shows the field error for %j and keeps the other fields", async (override, message) => {
    const fields = { ...validFields(), ...override };
    const response = await signUp(fields);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain(`value="${fields.displayName}"`);
    expect(html).not.toContain(`value="${fields.password}"`);
  });

  it("ignores a role posted with the form", async () => {
    const fields = { ...validFields(), role: "admin" };
    expect((await signUp(fields)).status).toBe(302);
    const [user] = await testDb().select({ role: users.role }).from(users).where(eq(users.username, fields.username));
    expect(user?.role).toBe("user");
  });

  it("limits sign-ups per client IP", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`.replace("192.0.2", "100.64.9");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await send(formPost("/signup", validFields(), { "CF-Connecting-IP": ip }))).status);
    expect(statuses.slice(0, 5)).toEqual([302, 302, 302, 302, 302]);
    expect(statuses[5]).toBe(429);
  });
});
