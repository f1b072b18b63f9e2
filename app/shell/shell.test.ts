import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "../../db/schema.ts";
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
import { ensureRooms, listRooms } from "../chat/rooms.server.ts";
import { createPlanWorkspace, insertPlan } from "../plans/test-support.ts";

beforeAll(ensureInstance);

describe("the signed-in shell", () => {
  it("greets the user and lists the sections, Admin only for admins", async () => {
    const user = await createTestUser({ label: "shell" });
    const html = await (await getAs("/dashboard", await signIn(user))).text();
    expect(html).toMatch(new RegExp(`Welcome, (<!-- -->)?${user.username}`));
    for (const section of ["Dashboard", "Onboarding", "Settings"]) expect(html).toContain(section);
    expect(html).not.toContain('href="/admin"');
    const admin = await createTestUser({ role: "admin", label: "shelladmin" });
    expect(await (await getAs("/dashboard", await signIn(admin))).text()).toContain('href="/admin"');
  });

  it("guides a new user with a getting-started checklist that follows what they did", async () => {
    const fresh = await createTestUser({ label: "steps" });
    const first = await (await getAs("/dashboard", await signIn(fresh))).text();
    expect(first).toContain('data-testid="getting-started"');
    expect(first.match(/data-done="false"/g)).toHaveLength(4);
    expect(first).toMatch(/0 of \d+ required questions answered/);

    const { user, workspaceId } = await createPlanWorkspace(undefined, "steps");
    await insertPlan({ userId: user.id, workspaceId });
    const cookie = await signIn(user);
    const planned = await (await getAs("/dashboard", cookie)).text();
    expect(planned.match(/data-done="true"/g)).toHaveLength(2);
    expect(planned).toMatch(/href="\/workspaces\/[^"]+\/members"[^>]*>Invite a teammate/);

    await ensureRooms(testDb(), workspaceId, user.id);
    const general = (await listRooms(testDb(), workspaceId, user.id)).find((room) => room.kind === "general")!;
    await postAs(`/chat/${general.id}`, cookie, { intent: "send", text: "hello", clientId: crypto.randomUUID() });
    const chatted = await (await getAs("/dashboard", cookie)).text();
    expect(chatted.match(/data-done="true"/g)).toHaveLength(3);
  });

  it("shows the business at a glance once the profile says who it is, as chips and swatches", async () => {
    const user = await createTestUser({ label: "glance" });
    const cookie = await signIn(user);
    expect(await (await getAs("/dashboard", cookie)).text()).not.toContain('data-testid="business-glance"');
    const answers: Record<string, Record<string, string>> = {
      "business-name": { text: "Rosa's <b>Bakery</b>" },
      voice: { adjectives: "friendly" },
      channels: { channels: "social-organic" },
      budget: { currency: "EUR", amount: "300" },
      "brand-images": { "colours[0].hex": "#AA3300" },
    };
    for (const [card, fields] of Object.entries(answers)) {
      expect((await postAs(`/onboarding/${card}`, cookie, { intent: "save", ...fields })).status, card).toBe(302);
    }
    const html = await (await getAs("/dashboard", cookie)).text();
    const glance = html.slice(html.indexOf('data-testid="business-glance"'));
    expect(glance).toContain("Rosa&#x27;s &lt;b&gt;Bakery&lt;/b&gt;"); // text, never markup
    expect(glance).toMatch(/<li[^>]*>Friendly<\/li>/);
    expect(glance).toMatch(/<li[^>]*>Social media posts<\/li>/);
    expect(glance).toContain('fill="#aa3300"');
    expect(glance).toContain("€300 per month");
    expect(glance).toContain('href="/onboarding/summary"');
  });

  it("shows the avatar picture in the header when the user has one, else the initials", async () => {
    const user = await createTestUser({ label: "face" });
    const cookie = await signIn(user);
    expect(await (await getAs("/dashboard", cookie)).text()).not.toContain('data-testid="header-avatar"');
    await testDb().update(users).set({ avatarImageId: "avatar-image-id" }).where(eq(users.id, user.id));
    const html = await (await getAs("/dashboard", cookie)).text();
    expect(html).toMatch(/<img src="\/images\/avatar-image-id[^"]*"[^>]*data-testid="header-avatar"/);
    expect(html).toContain("Account menu for "); // the accessible name stays the person's name
  });

  it("shows the verification banner only to unverified users", async () => {
    const unverified = await createTestUser({ verified: false });
    expect(await (await getAs("/dashboard", await signIn(unverified))).text()).toContain('data-testid="verify-banner"');
    const verified = await createTestUser();
    expect(await (await getAs("/dashboard", await signIn(verified))).text()).not.toContain(
      'data-testid="verify-banner"',
    );
  });

  it("sends a user with a generated username to /welcome, for pages and for posts", async () => {
    const user = await createTestUser({ label: "generated" });
    await testDb().update(users).set({ mustChooseUsername: true }).where(eq(users.id, user.id));
    const cookie = await signIn(user);
    for (const response of [
      await getAs("/dashboard", cookie),
      await getAs("/settings", cookie),
      await postAs("/settings/sessions", cookie, { intent: "revoke-others" }),
    ]) {
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/welcome");
    }
  });
});

describe("every page of the shell", () => {
  const pages = ["/dashboard", "/admin", "/settings", "/settings/sessions", "/settings/profile", "/onboarding/summary"];

  it("is private and never stored by a cache", async () => {
    const cookie = await signIn(await createTestUser({ role: "admin", label: "nostore" }));
    for (const path of pages) {
      const response = await getAs(path, cookie);
      expect(response.status, path).toBe(200);
      // "private, no-store" from the shell, or a route's own plain "no-store" (nothing is stricter).
      expect(response.headers.get("Cache-Control"), path).toMatch(/^(private, )?no-store$/);
    }
    expect((await getAs("/dashboard", cookie)).headers.get("Cache-Control")).toBe("private, no-store");
    // Single-fetch data requests carry the same data.
    expect((await getAs("/dashboard.data", cookie)).headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("sends anonymous visitors to sign in, for pages and for posts", async () => {
    for (const path of pages) {
      const response = await send(new Request(new URL(path, origin), { redirect: "manual" }));
      expect(response.status, path).toBe(302);
      expect(response.headers.get("Location"), path).toMatch(/^\/login\?redirectTo=/);
    }
    const post = await send(formPost("/settings/sessions", { intent: "revoke-others" }));
    expect(post.status).toBe(302);
    expect(post.headers.get("Location")).toMatch(/^\/login/);
  });

  it("comes back to the page after signing in, never to React Router's data URL (/dashboard.data)", async () => {
    // With JavaScript on, the browser asks for /dashboard.data; the redirect it gets must name /dashboard.
    const response = await send(new Request(new URL("/dashboard.data?_routes=routes%2Fdashboard", origin)));
    const body = await response.text();
    expect(body).toContain("/login?redirectTo=%2Fdashboard");
    expect(body).not.toContain("dashboard.data");
  });
});
