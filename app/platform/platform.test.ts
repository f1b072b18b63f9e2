import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureInstance, formPost, origin, send } from "../../tests/worker-helpers.ts";
import { staticAssetHeadersFile } from "./security-headers.ts";

// Pages redirect to /setup until the instance is set up.
beforeAll(ensureInstance);

afterEach(() => vi.restoreAllMocks());

describe("every response", () => {
  it.each(["/", "/healthz", "/readyz", "/no-such-page"])("%s carries the security headers", async (path) => {
    const response = await send(path);
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    // Plain http (local development): no HSTS, which would pin localhost to https.
    expect(response.headers.get("Strict-Transport-Security")).toBeNull();
  });

  it("adds HSTS when served over https", async () => {
    const response = await send("https://alva.example/healthz");
    expect(response.headers.get("Strict-Transport-Security")).toContain("max-age=31536000");
  });

  it("uses a fresh nonce per response", async () => {
    const nonce = async () =>
      (await send("/healthz")).headers.get("Content-Security-Policy")!.match(/nonce-([^']+)/)![1];
    expect(await nonce()).not.toBe(await nonce());
  });

  it("takes the request id from cf-ray, or generates one", async () => {
    const fromRay = await send(new Request(`${origin}/healthz`, { headers: { "cf-ray": "8f1e2d3c4b5a6978-AMS" } }));
    expect(fromRay.headers.get("X-Request-Id")).toBe("8f1e2d3c4b5a6978-AMS");
    const generated = await send("/healthz");
    expect(generated.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("static files", () => {
  it("get the security headers from the _headers file written at build time, and hashed assets are immutable", () => {
    const file = staticAssetHeadersFile();
    const [all, assets] = file.split("/assets/*");
    expect(all).toMatch(/^\/\*\n/);
    expect(all).toContain("  Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\n");
    expect(all).toContain("  X-Content-Type-Options: nosniff\n");
    expect(all).toContain("  X-Frame-Options: DENY\n");
    expect(all).toContain("  Referrer-Policy: strict-origin-when-cross-origin\n");
    expect(all).toContain("  Strict-Transport-Security: max-age=31536000; includeSubDomains\n");
    expect(assets).toBe("\n  Cache-Control: public, max-age=31536000, immutable\n");
  });
});

describe("request log", () => {
  it("writes one JSON line per request with method, path, status, duration and request id", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await send("/healthz");
    const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
    const requestLines = lines.filter((line) => line.msg === "request");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      method: "GET",
      path: "/healthz",
      status: 200,
      requestId: response.headers.get("X-Request-Id"),
    });
    expect(requestLines[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it("is off in development unless LOG_REQUESTS=1, and LOG_REQUESTS=0 turns it off anywhere", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const requestLines = () => log.mock.calls.filter(([line]) => String(line).includes('"msg":"request"')).length;
    await send("/healthz", { ENVIRONMENT: "development", LOG_REQUESTS: "" });
    await send("/healthz", { LOG_REQUESTS: "0" });
    expect(requestLines()).toBe(0);
    await send("/healthz", { ENVIRONMENT: "development", LOG_REQUESTS: "1" });
    expect(requestLines()).toBe(1);
  });

  it("never logs query strings, cookies or form fields", async () => {
    const output: string[] = [];
    const capture = (...args: unknown[]) => void output.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    await send(new Request(`${origin}/?token=sekrit-query-token`, { headers: { Cookie: "session=sekrit-cookie" } }));
    await send(formPost("/?index", { email: "sekrit-password-field" }, { Cookie: "session=sekrit-cookie" }));
    expect(output.length).toBeGreaterThan(0);
    expect(output.join("\n")).not.toContain("sekrit");
  });
});

describe("not found", () => {
  it("answers 404 with the app's page and the request id", async () => {
    const response = await send("/definitely/not/here");
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain("couldn&#x27;t find that page");
    expect(html).toContain(response.headers.get("X-Request-Id")!);
    expect(html).toContain("Alva"); // the layout (header) is there
  });

  it("answers 404, not 405 or 500, to a form posted to an unknown page", async () => {
    const response = await send(formPost("/nowhere", { email: "x@example.com" }));
    expect(response.status).toBe(404);
  });
});

describe("error log", () => {
  it("keeps a failed query's parameters (addresses, hashes) out of the log", async () => {
    const { logError } = await import("./request-log.ts");
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const failure = new Error(
      "Failed query: select * from users where email = ?\nparams: victim@example.com,multi\nline $argon2id$v=19$secret",
    );
    logError(failure, "req-1");
    const line = String(errors.mock.calls[0]?.[0]);
    expect(line).toContain("Failed query: select * from users where email = ?");
    expect(line).toContain("params: [redacted]");
    expect(line).not.toMatch(/victim@example\\.com|argon2id/);
  });
});
