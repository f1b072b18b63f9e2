import { describe, expect, it } from "vitest";
import { relativeTime } from "./time.tsx";

const now = Date.UTC(2026, 10, 30, 12, 0, 0);
const MINUTE = 60_000;

describe("relativeTime", () => {
  it("says how long ago, or how soon, in words", () => {
    expect(relativeTime(now - 10_000, now, "en")).toBe("just now");
    expect(relativeTime(now - 5 * MINUTE, now, "en")).toBe("5 minutes ago");
    expect(relativeTime(now - 2 * 60 * MINUTE, now, "en")).toBe("2 hours ago");
    expect(relativeTime(now - 24 * 60 * MINUTE, now, "en")).toBe("yesterday");
    expect(relativeTime(now + 3 * 24 * 60 * MINUTE, now, "en")).toBe("in 3 days");
  });

  it("gives the date beyond a week", () => {
    expect(relativeTime(now - 30 * 24 * 60 * MINUTE, now, "en")).toMatch(/2026/);
  });
});
