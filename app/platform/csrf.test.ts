import { beforeAll, describe, expect, it } from "vitest";
import { ensureInstance, formPost, origin, send } from "../../tests/worker-helpers.ts";

// Pages redirect to /setup until the instance is set up.
beforeAll(ensureInstance);

const post = (headers: Record<string, string>) =>
  new Request(`${origin}/theme`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: "theme=dark",
  });

describe("CSRF guard", () => {
  it("lets a same-origin form post through", async () => {
    expect((await send(post({ "Sec-Fetch-Site": "same-origin" }))).status).toBe(302);
  });

  it.each(["cross-site", "same-site", "none"])("refuses Sec-Fetch-Site: %s with 403", async (site) => {
    const response = await send(post({ "Sec-Fetch-Site": site, Origin: origin }));
    expect(response.status).toBe(403);
    expect(response.headers.get("Set-Cookie")).toBeNull();
    expect(await response.text()).toContain(response.headers.get("X-Request-Id")!);
  });

  it("falls back to Origin when Sec-Fetch-Site is absent", async () => {
    expect((await send(post({ Origin: origin }))).status).toBe(302);
    expect((await send(post({ Origin: "https://evil.example" }))).status).toBe(403);
    expect((await send(post({ Origin: "null" }))).status).toBe(403);
  });

  it("refuses a mutation that carries neither header", async () => {
    expect((await send(post({}))).status).toBe(403);
  });

  it("leaves safe methods alone", async () => {
    const response = await send(new Request(`${origin}/`, { headers: { "Sec-Fetch-Site": "cross-site" } }));
    expect(response.status).toBe(200);
  });

  it("guards page actions as well as resource routes", async () => {
    const response = await send(formPost("/?index", { email: "a@example.com" }, { "Sec-Fetch-Site": "cross-site" }));
    expect(response.status).toBe(403);
  });
});
