import { beforeAll, describe, expect, it } from "vitest";
import { ensureInstance, formPost, send } from "../../tests/worker-helpers.ts";

// Pages redirect to /setup until the instance is set up.
beforeAll(ensureInstance);

describe("POST /theme", () => {
  it("stores the theme in a cookie and returns to the page it came from", async () => {
    const response = await send(formPost("/theme", { theme: "dark", redirectTo: "/?waitlist=joined" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/?waitlist=joined");
    const cookie = response.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/^theme=dark;/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/");
  });

  it("marks the cookie Secure over https", async () => {
    const request = new Request("https://alva.example/theme", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" },
      body: "theme=light",
    });
    expect((await send(request)).headers.get("Set-Cookie")).toContain("Secure");
  });

  it("never redirects off-site", async () => {
    const response = await send(formPost("/theme", { theme: "light", redirectTo: "//evil.com/x" }));
    expect(response.headers.get("Location")).toBe("/");
  });

  it("refuses an unknown theme with 400 and sets nothing", async () => {
    const response = await send(formPost("/theme", { theme: "neon" }));
    expect(response.status).toBe(400);
    expect(response.headers.get("Set-Cookie")).toBeNull();
  });
});
