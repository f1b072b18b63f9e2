// Malformed, oversized and deeply nested bodies posted to EVERY route that takes a form post, signed
// out and signed in. The list comes from the server build (every route module exporting `action`), so
// a new form route is covered without touching this file. None may answer 500, crash the runtime, or
// write an error (a stack) to the log: these are client errors, logged as warnings.
import * as build from "virtual:react-router/server-build";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestUser, ensureInstance, origin, send, signIn } from "../../tests/worker-helpers.ts";
import { FORM_LIMITS } from "./forms.server.ts";

beforeAll(ensureInstance);
afterEach(() => vi.restoreAllMocks());

/** Concrete values for route params, so each dynamic form route is posted to (several where it matters). */
const paramValues: Record<string, string[]> = {
  card: ["business-name", "competitors", "logo", "brand-images"],
  provider: ["github"],
};

function formPaths(): string[] {
  const routes = build.routes as Record<string, { path?: string; parentId?: string; module: { action?: unknown } }>;
  const fullPath = (id: string): string => {
    const route = routes[id]!;
    const own = route.path ?? "";
    const parent = route.parentId ? fullPath(route.parentId) : "";
    return [parent, own].filter(Boolean).join("/");
  };
  const paths = new Set<string>();
  for (const [id, route] of Object.entries(routes)) {
    if (typeof route.module.action !== "function") continue;
    let expanded = [`/${fullPath(id)}`.replace(/\/+$/, "") || "/"];
    for (const [param, values] of Object.entries(paramValues)) {
      expanded = expanded.flatMap((path) =>
        path.includes(`:${param}`) ? values.map((value) => path.replace(`:${param}`, value)) : [path],
      );
    }
    for (const path of expanded) paths.add(path === "/" ? "/?index" : path);
  }
  return [...paths].sort();
}

const encoder = new TextEncoder();
/** A body given as bytes, so the runtime adds no Content-Type of its own. */
const bytes = (text: string) => encoder.encode(text);

const deepDots = `a${".a".repeat(3000)}`;
const deepBrackets = `a${"[0]".repeat(3000)}`;
const manyFields = Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join("&");

/** [label, Content-Type (null: none), body] */
const hostileBodies: [string, string | null, Uint8Array<ArrayBuffer>][] = [
  ["JSON", "application/json", bytes('{"email":"a@example.com","intent":"save"}')],
  ["text/plain", "text/plain", bytes("email=a@example.com\r\nintent=save")],
  ["no content type", null, bytes("email=a@example.com&intent=save")],
  ["multipart without a boundary", "multipart/form-data", bytes("--x\r\nnot really\r\n")],
  [
    "broken multipart",
    "multipart/form-data; boundary=XyZ",
    bytes('--XyZ\r\nContent-Disposition: form-data; name="email"\r\n\r\nunterminated'),
  ],
  ["huge array index", "application/x-www-form-urlencoded", bytes("intent=save&zzz[10000000]=1")],
  ["index near 2^32", "application/x-www-form-urlencoded", bytes("intent=save&competitors[4294967294].name=x")],
  ["names nested 3,000 deep (dots)", "application/x-www-form-urlencoded", bytes(`intent=save&${deepDots}=1`)],
  ["names nested 3,000 deep (brackets)", "application/x-www-form-urlencoded", bytes(`intent=save&${deepBrackets}=1`)],
  ["5,000 fields", "application/x-www-form-urlencoded", bytes(`intent=save&${manyFields}`)],
  ["an oversized field", "application/x-www-form-urlencoded", bytes(`intent=save&text=${"x".repeat(400 * 1024)}`)],
  ["conform's reserved __state__", "application/x-www-form-urlencoded", bytes("intent=save&__state__=%7Bnot-json")],
  ["conform's reserved __intent__", "application/x-www-form-urlencoded", bytes("__intent__=%7Bnot-json")],
];

function hostilePost(
  path: string,
  contentType: string | null,
  body: Uint8Array<ArrayBuffer>,
  cookie?: string,
): Request {
  const headers: Record<string, string> = { "Sec-Fetch-Site": "same-origin" };
  if (contentType) headers["Content-Type"] = contentType;
  if (cookie) headers.Cookie = cookie;
  return new Request(new URL(path, origin), { method: "POST", headers, body, redirect: "manual" });
}

describe("hostile form bodies", () => {
  const paths = formPaths();

  it("finds the form routes from the route modules", () => {
    for (const path of ["/?index", "/theme", "/signup", "/login", "/login/link", "/settings/sessions", "/admin"]) {
      expect(paths).toContain(path);
    }
    expect(paths).toContain("/onboarding/brand-images");
  });

  it.each(paths)("POST %s: never a 500, never an error in the log", async (path) => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const user = await createTestUser({ role: "admin", label: "fuzz" });
    for (const signedIn of [false, true]) {
      for (const [label, contentType, body] of hostileBodies) {
        // A fresh session each time: /logout and "sign out of this device" end the one they are sent with.
        const cookie = signedIn ? await signIn(user) : undefined;
        const response = await send(hostilePost(path, contentType, body, cookie));
        await response.body?.cancel();
        expect(response.status, `${label}, ${signedIn ? "signed in" : "signed out"}`).toBeLessThan(500);
      }
    }
    expect(errors.mock.calls.map(([line]) => String(line))).toEqual([]);
  });
});

describe("a refused form", () => {
  it("answers 415 with the app's error page and logs one warning, no stack", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await send(hostilePost("/signup", "application/json", bytes("{}")));
    expect(response.status).toBe(415);
    const html = await response.text();
    expect(html).toContain("That form could not be read");
    expect(html).toContain(response.headers.get("X-Request-Id")!);
    const lines = warnings.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", msg: "form refused", status: 415 }));
    expect(JSON.stringify(lines)).not.toContain("stack");
  });

  it("answers 400 to a name past the limits, before anything is built from it", async () => {
    const tooDeep = Array.from({ length: FORM_LIMITS.maxDepth + 1 }, () => "a").join(".");
    for (const name of ["zzz[100]", tooDeep, "x".repeat(FORM_LIMITS.maxNameLength + 1), "a b"]) {
      const response = await send(hostilePost("/login", "application/x-www-form-urlencoded", bytes(`${name}=1`)));
      expect(response.status, name).toBe(400);
    }
  });

  it("logs a 405 as a refused request, not as an unhandled error", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await send(
      new Request(new URL("/healthz", origin), { method: "POST", headers: { "Sec-Fetch-Site": "same-origin" } }),
    );
    expect(response.status).toBe(405);
    expect(errors).not.toHaveBeenCalled();
    const lines = warnings.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toContainEqual(expect.objectContaining({ msg: "request refused", status: 405 }));
  });
});
