// A database that accepts connections and never answers (a frozen process) must not hang pages: every
// round trip has a deadline (DATABASE_TIMEOUT_MS) that turns into the 503 page.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { RouterContextProvider } from "react-router";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createTestUser, ensureInstance, formPost, getAs, send, signIn } from "../../tests/worker-helpers.ts";
import { getDatabase } from "./database.server.ts";
import { requestInfo } from "./request-info.ts";

declare module "vitest" {
  // Provided by tests/worker-database.setup.ts (a Node program, so this side declares it again).
  // biome-ignore lint/suspicious/noExportsInTest: a type augmentation, not an export.
  export interface ProvidedContext {
    stuckDatabaseUrl: string;
  }
}

beforeAll(async () => {
  await ensureInstance();
  await send("/healthz"); // loads the app once, so timings below measure the database wait only
}, 30_000);

const stuckDatabase: Partial<Env> = { TURSO_DATABASE_URL: inject("stuckDatabaseUrl"), DATABASE_TIMEOUT_MS: "300" };

async function timed(work: () => Promise<Response>): Promise<{ response: Response; ms: number }> {
  const started = performance.now();
  const response = await work();
  return { response, ms: performance.now() - started };
}

describe("a database that never answers", () => {
  it("turns a signed-in page into the 503 page within the deadline, not a hang", async () => {
    const cookie = await signIn(await createTestUser({ label: "stuckdb" }));
    const { response, ms } = await timed(() =>
      send(new Request("http://localhost:5173/dashboard", { headers: { Cookie: cookie } }), stuckDatabase),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(await response.text()).toContain("can&#x27;t reach its database");
    // Setup guard and session both ask the database: after the first deadline the rest fail at once.
    expect(ms).toBeLessThan(3_000);
  }, 15_000);

  it("turns a public form post that needs the database into the 503 page", async () => {
    const { response, ms } = await timed(() =>
      send(formPost("/?index", { email: `stuck-${crypto.randomUUID()}@example.com` }), stuckDatabase),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(ms).toBeLessThan(3_000);
  }, 15_000);

  it("still serves pages once the database answers again", async () => {
    const cookie = await signIn(await createTestUser({ label: "stuckok" }));
    expect((await getAs("/dashboard", cookie)).status).toBe(200);
  }, 15_000);
});

describe("getDatabase", () => {
  it("gives every caller of one request the same client, and another request its own", () => {
    const contextOf = () => {
      const context = new RouterContextProvider();
      context.set(requestInfo, { env, ctx: createExecutionContext(), requestId: "req", nonce: "n", log: {} });
      return context;
    };
    const request = contextOf();
    expect(getDatabase(request)).toBe(getDatabase(request));
    expect(getDatabase(contextOf())).not.toBe(getDatabase(request));
  });
});
