import { eq } from "drizzle-orm";
import type { RouterContextProvider } from "react-router";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { magicLinks, users } from "../../db/schema.ts";
import { lastMailTo, randomIp, toastOf, tokenIn } from "../../tests/support/email-flows.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  postAs,
  send,
  setCookies,
  signIn,
  testContext,
  testDb,
} from "../../tests/worker-helpers.ts";
import { authContext } from "../accounts/auth.server.ts";
import { finishedProfileMiddleware, requireFinishedProfile } from "../accounts/finished-profile.server.ts";
import { hashSecret, newId, randomSecret } from "../accounts/secrets.server.ts";
import type { User } from "../accounts/session.server.ts";
import { deleteExpiredMagicLinks } from "./cleanup.server.ts";

beforeAll(ensureInstance);

/** Signs in a brand-new address through the link, as a browser would; returns its session cookie. */
async function newAccountByLink(): Promise<{ cookie: string; email: string }> {
  const email = `welcome-${crypto.randomUUID().slice(0, 13)}@example.com`;
  await send(formPost("/login/link", { intent: "request", email }, { "CF-Connecting-IP": randomIp() }));
  const token = tokenIn(await lastMailTo(email), "/login/link/verify");
  const response = await send(formPost(`/login/link/verify?token=${token}`, { token }));
  expect(response.headers.get("Location")).toBe("/welcome");
  const value = setCookies(response).get("alva_session")!;
  return { cookie: value.slice(0, value.indexOf(";")), email };
}

async function userByEmail(email: string) {
  const [row] = await testDb().select().from(users).where(eq(users.email, email));
  return row!;
}

const uniqueName = (label: string) => `${label}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

describe("GET/POST /welcome", () => {
  it("prefills the generated username; choosing one finishes the profile and lands on the dashboard", async () => {
    const { cookie, email } = await newAccountByLink();
    const before = await userByEmail(email);
    const page = await getAs("/welcome", cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Finish your profile");
    expect(html).toContain(`value="${before.username}"`);
    expect(html).toMatch(/<form[^>]*action="\/welcome"[^>]*method="post"/);

    const username = uniqueName("Chosen");
    const response = await postAs("/welcome", cookie, {
      username: username.toUpperCase(),
      displayName: "  Ada Lovelace ",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect(toastOf(response)?.message).toBe(`Welcome to Alva, @${username.toLowerCase()}!`);
    const after = await userByEmail(email);
    expect(after.username).toBe(username.toLowerCase());
    expect(after.displayName).toBe("Ada Lovelace");
    expect(after.mustChooseUsername).toBe(false);

    const done = await getAs("/welcome", cookie);
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("/dashboard");
    expect((await postAs("/welcome", cookie, { username: uniqueName("again") })).headers.get("Location")).toBe(
      "/dashboard",
    );
    expect((await userByEmail(email)).username).toBe(username.toLowerCase());
  });

  it("may keep the generated username", async () => {
    const { cookie, email } = await newAccountByLink();
    const { username } = await userByEmail(email);
    const response = await postAs("/welcome", cookie, { username, displayName: "" });
    expect(response.headers.get("Location")).toBe("/dashboard");
    expect((await userByEmail(email)).mustChooseUsername).toBe(false);
  });

  it("refuses a username taken in another case, keeping what was typed", async () => {
    const other = await createTestUser({ label: "taken" });
    const { cookie, email } = await newAccountByLink();
    const response = await postAs("/welcome", cookie, {
      username: other.username.toUpperCase(),
      displayName: "Typed Name",
    });
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain("That username is taken. Choose another.");
    expect(html).toContain(`value="${other.username.toUpperCase()}"`);
    expect(html).toContain('value="Typed Name"');
    expect((await userByEmail(email)).mustChooseUsername).toBe(true);
  });

  it("gives exactly one of two accounts racing for the same name", async () => {
    const [a, b] = [await newAccountByLink(), await newAccountByLink()];
    const username = uniqueName("race");
    const responses = await Promise.all([
      postAs("/welcome", a.cookie, { username }),
      postAs("/welcome", b.cookie, { username }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([302, 409]);
    const owners = await testDb().select().from(users).where(eq(users.username, username));
    expect(owners).toHaveLength(1);
  });

  it.each([
    ["ab", "Use at least 3 characters."],
    ["bad name!", "Use only letters, digits and _."],
  ])("shows a field error for the username %j", async (username, message) => {
    const { cookie } = await newAccountByLink();
    const response = await postAs("/welcome", cookie, { username, displayName: "Kept" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain('value="Kept"');
  });

  it("is for signed-in users only, and not for finished profiles", async () => {
    const anonymous = await send(new Request("http://localhost:5173/welcome", { redirect: "manual" }));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login\?redirectTo=%2Fwelcome/);
    const user = await createTestUser({ label: "finished" });
    const response = await getAs("/welcome", await signIn(user));
    expect(response.headers.get("Location")).toBe("/dashboard");
  });
});

describe("requireFinishedProfile and finishedProfileMiddleware (for the shell layout)", () => {
  function contextFor(user: Partial<User> | null) {
    const context = testContext();
    context.set(
      authContext,
      user
        ? {
            status: "signed-in",
            user: { id: "u", username: "user_x", mustChooseUsername: false, ...user } as User,
            session: {} as never,
          }
        : { status: "anonymous" },
    );
    return context;
  }
  const request = new Request("http://localhost:5173/dashboard");

  async function thrown(work: () => unknown): Promise<Response> {
    try {
      await work();
    } catch (error) {
      return error as Response;
    }
    throw new Error("expected a redirect");
  }

  it("sends a user who has to choose a username to /welcome, and lets others through", async () => {
    const redirect = await thrown(() =>
      requireFinishedProfile({ request, context: contextFor({ mustChooseUsername: true }) }),
    );
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("Location")).toBe("/welcome");
    expect(requireFinishedProfile({ request, context: contextFor({ mustChooseUsername: false }) }).user.id).toBe("u");
    const anonymous = await thrown(() => requireFinishedProfile({ request, context: contextFor(null) }));
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
  });

  it("the middleware redirects before the route runs", async () => {
    const next = vi.fn(async () => new Response("page"));
    const args = (context: RouterContextProvider) =>
      ({ request, context, params: {}, unstable_pattern: "", pattern: "", url: new URL(request.url) }) as never;
    const redirect = await thrown(() =>
      finishedProfileMiddleware(args(contextFor({ mustChooseUsername: true })), next),
    );
    expect(redirect.headers.get("Location")).toBe("/welcome");
    expect(next).not.toHaveBeenCalled();
    const response = await finishedProfileMiddleware(args(contextFor({ mustChooseUsername: false })), next);
    expect(await (response as Response).text()).toBe("page");
  });
});

describe("deleteExpiredMagicLinks", () => {
  it("deletes expired and used links and keeps live ones", async () => {
    const email = `cleanup-${crypto.randomUUID().slice(0, 13)}@example.com`;
    const now = Date.now();
    const insert = (expiresAt: number, consumedAt: number | null) =>
      testDb()
        .insert(magicLinks)
        .values({
          id: newId(),
          email,
          tokenHash: hashSecret(randomSecret(20)),
          codeHash: hashSecret("12345678"),
          browserHash: hashSecret(randomSecret(20)),
          expiresAt: new Date(expiresAt),
          consumedAt: consumedAt === null ? null : new Date(consumedAt),
          createdAt: new Date(now - 60_000),
        })
        .returning({ id: magicLinks.id });
    const [[live], [expired], [used]] = [
      await insert(now + 60_000, null),
      await insert(now - 1, null),
      await insert(now + 60_000, now - 1000),
    ];
    expect(await deleteExpiredMagicLinks(testDb(), now)).toBeGreaterThanOrEqual(2);
    const left = (await testDb().select({ id: magicLinks.id }).from(magicLinks).where(eq(magicLinks.email, email))).map(
      (row) => row.id,
    );
    expect(left).toEqual([live!.id]);
    expect(left).not.toContain(expired!.id);
    expect(left).not.toContain(used!.id);
  });
});
