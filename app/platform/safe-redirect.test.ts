import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "./safe-redirect.ts";

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
