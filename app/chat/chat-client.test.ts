import { describe, expect, it } from "vitest";
import { backoffDelay } from "./chat-client.ts";

describe("reconnect backoff", () => {
  it("waits a uniformly random time up to an exponentially growing, capped ceiling (full jitter)", () => {
    expect(backoffDelay(0, 500, 30_000, () => 0.999)).toBe(499);
    expect(backoffDelay(3, 500, 30_000, () => 0.5)).toBe(2000);
    expect(backoffDelay(10, 500, 30_000, () => 0.999)).toBe(29_970);
    expect(backoffDelay(10, 500, 30_000, () => 0)).toBe(0);
  });
});
