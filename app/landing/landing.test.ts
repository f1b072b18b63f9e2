import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { waitlist } from "../../db/schema.ts";
import {
  createTestUser,
  deadDatabase,
  ensureInstance,
  formPost,
  getAs,
  send,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";

// Pages redirect to /setup until the instance is set up.
beforeAll(ensureInstance);

const uniqueEmail = (label: string) => `${label}-${crypto.randomUUID()}@example.com`;

describe("landing page", () => {
  it("renders on the server with the waitlist form", async () => {
    const response = await send("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("Marketing help that knows your business.");
    expect(html).toMatch(/<form[^>]*method="post"/);
    expect(html).toContain('name="email"');
  });

  it("gives every inline script this response's CSP nonce", async () => {
    const response = await send("/");
    const nonce = /'nonce-([^']+)'/.exec(response.headers.get("Content-Security-Policy") ?? "")?.[1];
    expect(nonce).toBeTruthy();
    const html = await response.text();
    const inlineScripts = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
    expect(inlineScripts.length).toBeGreaterThan(0);
    for (const [, attributes] of inlineScripts) expect(attributes).toContain(`nonce="${nonce}"`);
  });

  it("renders the theme from the cookie, and system without one", async () => {
    expect(await (await send("/")).text()).toContain('data-theme="system"');
    const dark = await send(new Request("http://localhost:5173/", { headers: { Cookie: "theme=dark" } }));
    expect(await dark.text()).toContain('data-theme="dark"');
    const bogus = await send(new Request("http://localhost:5173/", { headers: { Cookie: "theme=<script>" } }));
    expect(await bogus.text()).toContain('data-theme="system"');
  });

  it("offers sign-up and sign-in to visitors, and 'Open Alva' instead of the waitlist to someone signed in", async () => {
    const anonymous = await (await send("/")).text();
    expect(anonymous).toContain('href="/signup"');
    expect(anonymous).toContain('href="/login"');
    expect(anonymous).toContain("Join the waitlist");
    const signedIn = await (await getAs("/", await signIn(await createTestUser({ label: "landing" })))).text();
    expect(signedIn).toContain("Open Alva");
    expect(signedIn).not.toContain("Join the waitlist");
    expect(signedIn).not.toContain('href="/signup"');
  });

  it("still renders when the database is down", async () => {
    const response = await send("/", deadDatabase);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Join the waitlist");
  });
});

describe("waitlist", () => {
  it("stores a valid e-mail and redirects to a confirmation", async () => {
    const response = await send(formPost("/?index", { email: uniqueEmail("Ada") }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/?waitlist=joined#waitlist");
    const confirmation = await send("/?waitlist=joined");
    expect(await confirmation.text()).toContain("You&#x27;re on the list.");
  });

  it("answers a repeated e-mail kindly, whatever its case and spacing, exactly as a new one (no list lookup)", async () => {
    const email = uniqueEmail("grace");
    expect((await send(formPost("/?index", { email }))).headers.get("Location")).toBe("/?waitlist=joined#waitlist");
    const again = await send(formPost("/?index", { email: `  ${email.toUpperCase()} ` }));
    expect(again.status).toBe(302);
    expect(again.headers.get("Location")).toBe("/?waitlist=joined#waitlist");
    expect(await (await send("/?waitlist=joined")).text()).toContain("already on the list");
    const rows = await testDb().select().from(waitlist).where(eq(waitlist.email, email.toLowerCase()));
    expect(rows).toHaveLength(1);
  });

  it("limits posts per client, counting an IPv6 client by its /64", async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const address = `${prefix}:${i.toString(16)}::${(i * 7 + 1).toString(16)}`; // a new address each time
      const response = await send(
        formPost("/?index", { email: uniqueEmail("flood") }, { "CF-Connecting-IP": address }),
      );
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 302)).toBe(true);
    expect(statuses[10]).toBe(429);
    const elsewhere = await send(
      formPost("/?index", { email: uniqueEmail("neighbour") }, { "CF-Connecting-IP": `${prefix.slice(0, -1)}8::1` }),
    );
    expect(elsewhere.status).toBe(302);
  });

  it("shows a field error and keeps what was typed for an invalid address", async () => {
    const response = await send(formPost("/?index", { email: "not-an-address" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That doesn&#x27;t look like an e-mail address.");
    expect(html).toContain('value="not-an-address"');
    expect(html).toContain('aria-invalid="true"');
  });

  it("asks for an address when the field is empty or missing", async () => {
    for (const fields of [{ email: "   " }, {}] as Record<string, string>[]) {
      const response = await send(formPost("/?index", fields));
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("Enter your e-mail address.");
    }
  });

  it("answers 503 with a clear page and the request id when the database is down", async () => {
    const response = await send(formPost("/?index", { email: uniqueEmail("down") }), deadDatabase);
    expect(response.status).toBe(503);
    const html = await response.text();
    expect(html).toContain("can&#x27;t reach its database");
    expect(html).toContain(response.headers.get("X-Request-Id")!);
  });
});
