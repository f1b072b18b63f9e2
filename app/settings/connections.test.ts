import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { oauthAccounts, securityEvents, users } from "../../db/schema.ts";
import { cookiePair, fakeUser, flow, linksOf, SESSION_COOKIE, userByEmail } from "../../tests/support/oauth.ts";
import { createTestUser, ensureInstance, getAs, postAs, send, signIn, testDb } from "../../tests/worker-helpers.ts";

beforeAll(async () => {
  await ensureInstance();
  await send("/healthz");
});

/** A passwordless account created by signing in with `provider`, and its session cookie. */
async function providerOnlyUser(provider: "github" | "google" = "github") {
  const profile = fakeUser();
  const { response } = await flow(provider, profile);
  const user = (await userByEmail(profile.email!))!;
  // As if they had chosen a username at /welcome (the shell sends them there until they do).
  await testDb().update(users).set({ mustChooseUsername: false }).where(eq(users.id, user.id));
  return { user, session: cookiePair(response, SESSION_COOKIE), profile };
}

// React separates adjacent text with <!-- --> in server-rendered HTML.
const withoutComments = (html: string) => html.replaceAll("<!-- -->", "");

const unlinkEvents = async (userId: string) =>
  (await testDb().select().from(securityEvents).where(eq(securityEvents.userId, userId))).filter(
    (event) => event.type === "provider-unlinked",
  );

describe("/settings/connections", () => {
  it("needs a signed-in user", async () => {
    const response = await send(new Request("http://localhost:5173/settings/connections", { redirect: "manual" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Fsettings%2Fconnections");
  });

  it("explains itself when the instance has no sign-in provider set up", async () => {
    const cookie = await signIn(await createTestUser({ label: "noproviders" }));
    const none = { GITHUB_CLIENT_ID: "", GOOGLE_CLIENT_ID: "", APPLE_CLIENT_ID: "" } as Partial<Env>;
    const response = await send(
      new Request("http://localhost:5173/settings/connections", { headers: { Cookie: cookie }, redirect: "manual" }),
      none,
    );
    const html = await response.text();
    expect(html).toContain('data-testid="no-providers"');
    expect(html).not.toContain("Connect GitHub");
    // With providers set up, the ordinary empty state.
    expect(await (await getAs("/settings/connections", cookie)).text()).toContain("No accounts are connected.");
  });

  it("lists linked providers and offers the enabled ones (as POST forms in link mode)", async () => {
    const { session } = await providerOnlyUser("github");
    const html = withoutComments(await (await getAs("/settings/connections", session)).text());
    expect(html).toContain("Disconnect GitHub");
    expect(html).toContain("Connect Google");
    expect(html).toContain("Connect Apple");
    expect(html).not.toContain("Connect GitHub");
    const form = /<form[^>]*action="\/auth\/google"[^>]*>/.exec(html)?.[0];
    expect(form).toContain('method="post"');
    expect(html).toContain('name="mode" value="link"');
  });

  it("does not offer a disabled provider", async () => {
    const user = await createTestUser({ label: "conn_disabled" });
    const response = await send(
      new Request("http://localhost:5173/settings/connections", { headers: { Cookie: await signIn(user) } }),
      { APPLE_CLIENT_ID: "" } as Partial<Env>,
    );
    const html = withoutComments(await response.text());
    expect(html).toContain("Connect Google");
    expect(html).not.toContain("Connect Apple");
  });

  it("refuses to disconnect the last way to sign in (no password, no other provider)", async () => {
    const { user, session } = await providerOnlyUser();
    const response = await postAs("/settings/connections", session, { intent: "disconnect", provider: "github" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("only way you sign in");
    expect(await linksOf(user.id)).toHaveLength(1);
    expect(await unlinkEvents(user.id)).toHaveLength(0);
  });

  it("disconnects one provider when another remains, and records it", async () => {
    const { user, session } = await providerOnlyUser("github");
    await flow("google", fakeUser(), { session, mode: "link" });
    expect(await linksOf(user.id)).toHaveLength(2);
    const response = await postAs("/settings/connections", session, { intent: "disconnect", provider: "github" });
    expect(response.status).toBe(302);
    expect((await linksOf(user.id)).map((link) => link.provider)).toEqual(["google"]);
    expect(await unlinkEvents(user.id)).toMatchObject([{ detail: "GitHub" }]);
    // Google is now the last one.
    const last = await postAs("/settings/connections", session, { intent: "disconnect", provider: "google" });
    expect(last.status).toBe(400);
  });

  it("keeps one way to sign in when both providers are disconnected at the same moment", async () => {
    const { user, session } = await providerOnlyUser("github");
    await flow("google", fakeUser(), { session, mode: "link" });
    const responses = await Promise.all(
      (["github", "google"] as const).map((provider) =>
        postAs("/settings/connections", session, { intent: "disconnect", provider }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([302, 400]);
    expect(await linksOf(user.id)).toHaveLength(1);
  });

  it("sends someone already signed in to the dashboard instead of starting a sign-in", async () => {
    const user = await createTestUser({ label: "conn_signedin" });
    const response = await postAs("/auth/github", await signIn(user), {});
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
  });

  it("disconnects the only provider of an account that has a password", async () => {
    const user = await createTestUser({ label: "conn_pw" });
    const session = await signIn(user);
    await flow("github", fakeUser(), { session, mode: "link" });
    const response = await postAs("/settings/connections", session, { intent: "disconnect", provider: "github" });
    expect(response.status).toBe(302);
    expect(await linksOf(user.id)).toHaveLength(0);
  });

  it("only ever touches the signed-in user's own links", async () => {
    const victim = await providerOnlyUser("github");
    const attacker = await createTestUser({ label: "conn_attacker" });
    const response = await postAs("/settings/connections", await signIn(attacker), {
      intent: "disconnect",
      provider: "github",
    });
    expect(response.status).toBe(404);
    expect(await linksOf(victim.user.id)).toHaveLength(1);
  });

  it("answers 400, not 500, to a malformed request", async () => {
    const user = await createTestUser({ label: "conn_bad" });
    const response = await postAs("/settings/connections", await signIn(user), {
      intent: "disconnect",
      provider: "myspace",
    });
    expect(response.status).toBe(400);
    expect(await testDb().select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id))).toHaveLength(0);
  });
});
