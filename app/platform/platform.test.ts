import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import * as Sentry from "@sentry/cloudflare";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestUser, ensureInstance, formPost, getAs, origin, send, signIn } from "../../tests/worker-helpers.ts";
import { errorReportingOptions, reportError, scrubEvent, withErrorReporting } from "./error-reporting.ts";
import { logError } from "./request-log.ts";
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

  it("names the matched route pattern (no ids) and the signed-in user by id, never by e-mail", async () => {
    const user = await createTestUser({ label: "logline" });
    const cookie = await signIn(user);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await getAs("/chat/00000000-0000-4000-8000-000000000000", cookie);
    await send("/healthz");
    const [page, anonymous] = log.mock.calls
      .map(([line]) => JSON.parse(String(line)))
      .filter((line) => line.msg === "request");
    expect(page).toMatchObject({ route: "/chat/:room", userId: user.id });
    expect(JSON.stringify(page)).not.toContain(user.email);
    expect(anonymous).toMatchObject({ route: "/healthz" });
    expect(anonymous.userId).toBeUndefined();
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

// Error reporting: off without SENTRY_DSN (the handlers run untouched, nothing is sent), and with it every
// event leaves the Worker scrubbed of cookies, credentials, tokens, passwords and e-mail addresses. The
// SDK runs for real here, with a transport that records the envelopes instead of sending them.

const DSN = "https://public@errors.example/1";
const env = { ENVIRONMENT: "test", SENTRY_DSN: DSN } as Env;

const leakyEvent = (): Sentry.Event => ({
  message: "sign-in failed for rosa@example.com with token=abc123",
  request: {
    url: "https://alva.example/reset?token=reset-secret-token&x=1",
    method: "POST",
    query_string: "token=reset-secret-token",
    cookies: { __Host_alva_session: "cookie-secret" },
    headers: {
      Cookie: "__Host-alva_session=cookie-secret",
      Authorization: "Bearer eyJhbGciOi.access-token-secret",
      "X-Api-Token": "api-token-secret",
      "User-Agent": "Mozilla/5.0",
    },
    data: { password: "hunter2-password", email: "rosa@example.com" },
  },
  user: { id: "user-1", email: "rosa@example.com", ip_address: "203.0.113.9", username: "rosa" },
  extra: { password: "hunter2-password", apiKey: "sk-live-secret", note: "call bob@example.org" },
  exception: {
    values: [{ type: "Error", value: "Failed query: select 1\nparams: rosa@example.com,$argon2id$hash-secret" }],
  },
  breadcrumbs: [{ category: "fetch", data: { url: "https://api.example/v1?api_key=bc-secret" } }],
});

const SECRETS = [
  "cookie-secret",
  "access-token-secret",
  "api-token-secret",
  "hunter2-password",
  "rosa@example.com",
  "bob@example.org",
  "203.0.113.9",
  "reset-secret-token",
  "sk-live-secret",
  "hash-secret",
  "bc-secret",
  "abc123",
];

describe("scrubEvent", () => {
  it("removes cookies, credentials, tokens, passwords and e-mail addresses, keeping what locates the error", () => {
    const scrubbed = scrubEvent(leakyEvent());
    const text = JSON.stringify(scrubbed);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(scrubbed.user).toEqual({ id: "user-1" });
    expect(scrubbed.request?.cookies).toBeUndefined();
    expect(scrubbed.request?.data).toBeUndefined();
    expect(scrubbed.request?.method).toBe("POST");
    expect(scrubbed.request?.url).toBe("https://alva.example/reset?token=[redacted]&x=[redacted]");
    expect(scrubbed.request?.headers?.["User-Agent"]).toBe("Mozilla/5.0");
    expect(scrubbed.exception?.values?.[0]?.value).toBe("Failed query: select 1\nparams: [redacted]");
  });
});

describe("withErrorReporting", () => {
  it("is off without SENTRY_DSN: the handler runs as it is and nothing is reported", async () => {
    expect(errorReportingOptions({ ENVIRONMENT: "production", SENTRY_DSN: "" })).toBeUndefined();
    const handler = withErrorReporting<Env, ExportedHandler<Env>>({
      async fetch() {
        return new Response(Sentry.getClient() ? "client" : "no client");
      },
    });
    const response = await handler.fetch!(
      new Request("https://alva.example/") as Request<unknown, IncomingRequestCfProperties>,
      { ENVIRONMENT: "production", SENTRY_DSN: "" } as Env,
      createExecutionContext(),
    );
    expect(await response.text()).toBe("no client");
  });

  it("with SENTRY_DSN sends what logError reports, scrubbed, tagged with the request id", async () => {
    const sent: string[] = [];
    const transport = (options: Parameters<typeof Sentry.createTransport>[0]) =>
      Sentry.createTransport(options, async (request) => {
        sent.push(typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body));
        return { statusCode: 200 };
      });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const reported = Sentry.withSentry<Env, unknown, unknown, ExportedHandler<Env>>(
      (workerEnv) => ({ ...errorReportingOptions(workerEnv), transport }),
      {
        async fetch() {
          Sentry.setUser({ id: "user-1", email: "rosa@example.com" });
          Sentry.addBreadcrumb({ message: "signed in as rosa@example.com", data: { password: "hunter2-password" } });
          const error = new Error("boom for rosa@example.com, Authorization: Bearer access-token-secret");
          logError(error, "req-42");
          return new Response("ok");
        },
      },
    );
    const ctx = createExecutionContext();
    await reported.fetch!(
      new Request("https://alva.example/reset?token=reset-secret-token", {
        headers: { Cookie: "__Host-alva_session=cookie-secret", Authorization: "Bearer access-token-secret" },
      }) as Request<unknown, IncomingRequestCfProperties>,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    await Sentry.flush(2000);
    const envelope = sent.join("\n");
    expect(envelope).toContain("boom for [email]");
    expect(envelope).toContain('"requestId":"req-42"');
    for (const secret of SECRETS) expect(envelope).not.toContain(secret);
  });

  it("reportError outside a reporting handler does nothing", () => {
    expect(() => reportError(new Error("no client"), { jobId: "job-1" })).not.toThrow();
  });
});
