import { describe, expect, it } from "vitest";
import { clientIp, clientLimitKey } from "./client-ip.server.ts";

describe("client address", () => {
  const request = (headers: Record<string, string>) => new Request("http://localhost/", { headers });

  it("reads CF-Connecting-IP by default and never a header the client can write", () => {
    expect(clientIp(request({ "CF-Connecting-IP": "203.0.113.9", "X-Forwarded-For": "10.0.0.1" }))).toBe("203.0.113.9");
    expect(clientIp(request({ "X-Forwarded-For": "10.0.0.1", "X-Real-IP": "10.0.0.2" }))).toBeNull();
  });

  it("reads the header named by CLIENT_IP_HEADER when self-hosted behind another proxy", () => {
    const proxied = request({ "X-Real-IP": "198.51.100.4", "CF-Connecting-IP": "203.0.113.9" });
    expect(clientIp(proxied, "X-Real-IP")).toBe("198.51.100.4");
  });

  it("counts IPv4 per address and IPv6 per /64, in any spelling", () => {
    expect(clientLimitKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientLimitKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientLimitKey("2001:DB8:1:2:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(clientLimitKey("2001:0db8:0001:0002::")).toBe("2001:db8:1:2::/64");
    expect(clientLimitKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(clientLimitKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientLimitKey(null)).toBe("unknown");
  });
});
