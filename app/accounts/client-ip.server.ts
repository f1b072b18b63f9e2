// Who is on the other end, for per-client rate limits, the session list and the security log.
//
// The address is read from ONE request header, CF-Connecting-IP by default. That header is trusted
// because Cloudflare sets it on every request that reaches the Worker and overwrites any value the
// client sent, so a client cannot choose its own address (X-Forwarded-For, by contrast, is whatever
// the client wrote). Self-hosted behind another proxy, set CLIENT_IP_HEADER to the header that proxy
// overwrites (e.g. X-Real-IP); a header the proxy merely passes through would let anyone pick an IP
// and walk around every per-IP limit. See docs/decisions/0021-client-ip.md.
import { env } from "cloudflare:workers";
import ipaddr from "ipaddr.js";

export const DEFAULT_CLIENT_IP_HEADER = "CF-Connecting-IP";

/** The client's address as the trusted header states it, or null without one. */
export function clientIp(request: Request, header = env.CLIENT_IP_HEADER || DEFAULT_CLIENT_IP_HEADER): string | null {
  return request.headers.get(header)?.trim().slice(0, 64) || null;
}

/**
 * The rate-limit subject for an address. IPv4 counts per address; IPv6 per /64, because one customer
 * line or one cloud VM usually gets a whole /64 (2^64 addresses), so per address would be no limit at
 * all. IPv4-mapped IPv6 (::ffff:192.0.2.1) counts as the IPv4 address it is.
 */
export function clientLimitKey(ip: string | null): string {
  if (!ip) return "unknown";
  if (!ipaddr.isValid(ip)) return ip.toLowerCase();
  const address = ipaddr.process(ip);
  if (address.kind() === "ipv4") return address.toString();
  const network = new ipaddr.IPv6([...(address as ipaddr.IPv6).parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toString()}/64`;
}
