import { describe, expect, it } from "vitest";
import { documentPath, safeRedirectPath } from "./safe-redirect.ts";

describe("safeRedirectPath", () => {
  it.each(["/", "/settings", "/onboarding/website?step=2", "/a#b", "/caf%C3%A9"])("keeps the local path %s", (path) => {
    expect(safeRedirectPath(path)).toBe(path);
  });

  it.each([
    "//evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "https://evil.com",
    "http:evil.com",
    "javascript:alert(1)",
    "evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/foo\r\nSet-Cookie: x=1",
    "%2F%2Fevil.com",
    " //evil.com",
    "",
  ])("falls back for %j", (value) => {
    expect(safeRedirectPath(value, "/home")).toBe("/home");
  });

  it("normalises dot segments instead of letting them climb out", () => {
    expect(safeRedirectPath("/a/../../b")).toBe("/b");
  });

  it("falls back for non-string values", () => {
    expect(safeRedirectPath(null)).toBe("/");
    expect(safeRedirectPath(undefined)).toBe("/");
  });
});

describe("documentPath", () => {
  it("is the page's own address, not React Router's data request for it", () => {
    expect(documentPath(new Request("http://x/dashboard.data?_routes=routes%2Fdashboard"))).toBe("/dashboard");
    expect(documentPath(new Request("http://x/_root.data?_routes=root"))).toBe("/");
    expect(documentPath(new Request("http://x/plans/p1.data?version=2&_routes=x"))).toBe("/plans/p1?version=2");
    expect(documentPath(new Request("http://x/settings/sessions?tab=all"))).toBe("/settings/sessions?tab=all");
  });
});
