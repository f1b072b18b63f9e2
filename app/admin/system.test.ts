import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestUser, ensureInstance, getAs, signIn } from "../../tests/worker-helpers.ts";

beforeAll(ensureInstance);

describe("/admin/system", () => {
  it.each(["user", "moderator"] as const)("answers 403 to a %s", async (role) => {
    const cookie = await signIn(await createTestUser({ label: `sys${role}`, role }));
    const response = await getAs("/admin/system", cookie);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain("Migrations applied");
  });

  it("shows an admin the build, migrations, latency, queue and providers — and no secret", async () => {
    const cookie = await signIn(await createTestUser({ label: "sysadmin", role: "admin" }));
    const response = await getAs("/admin/system", cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Migrations applied");
    expect(html).toMatch(/Migrations pending<\/dt><dd[^>]*>None</);
    expect(html).toMatch(/Latency<\/dt><dd[^>]*>[\d.]+ ms/);
    expect(html).toContain("Social sign-in");
    for (const secret of [env.TURSO_AUTH_TOKEN, env.SESSION_SECRET, env.API_SIGNING_KEY, env.OPENAI_API_KEY]) {
      if (secret && secret.length > 8) expect(html).not.toContain(secret);
    }
  });
});
