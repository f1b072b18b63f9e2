import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "../../db/schema.ts";
import { createTestUser, ensureInstance, getAs, postAs, signIn, testDb } from "../../tests/worker-helpers.ts";

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
