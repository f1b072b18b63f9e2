// Every rate-limit policy of the app, in one place: what an attacker can repeat, enforced by the
// RateLimiter Durable Object before any password hashing, e-mail sending or write. Keys are
// `<policy>:<subject>`; the subject says by whom (client address, typed identifier, user id, address).
import { type LimitOptions, type LimitResult, rateLimit } from "../../workers/rate-limiter.ts";
import { clientIp, clientLimitKey } from "./client-ip.server.ts";

export const limits = {
  /**
   * Guessing a password through one identifier as typed (e-mail or username, trimmed and lowercased):
   * 5 tries, then one more per 2 minutes, whatever the IP. Keyed by what was typed, never by the
   * account it resolves to, so a throttled username says nothing about which e-mail is the same
   * account (docs/decisions/0020-sign-in-rate-limits.md).
   */
  signInIdentifier: { capacity: 5, refillPerSecond: 1 / 120 },
  /** One client trying many accounts. */
  signInIp: { capacity: 20, refillPerSecond: 1 / 30 },
  /** Typing the password again while signed in (settings, admin), per user. */
  passwordConfirmation: { capacity: 5, refillPerSecond: 1 / 120 },
  signUpIp: { capacity: 5, refillPerSecond: 1 / 600 },
  /** The setup wizard's account step (it hashes the password). */
  setupIp: { capacity: 10, refillPerSecond: 1 / 60 },
  resetRequestAccount: { capacity: 3, refillPerSecond: 1 / 1200 },
  resetRequestIp: { capacity: 10, refillPerSecond: 1 / 360 },
  verificationEmail: { capacity: 3, refillPerSecond: 1 / 300 },
  /** Typing the 8-digit code: 5 wrong guesses per 10 minutes per user. */
  verificationCode: { capacity: 5, refillPerSecond: 1 / 120 },
  /** Sign-in links mailed to one address, whoever asks: 3, then one more per 10 minutes. */
  magicLinkEmail: { capacity: 3, refillPerSecond: 1 / 600 },
  /** One client asking for links to many addresses. */
  magicLinkIp: { capacity: 10, refillPerSecond: 1 / 360 },
  /** The landing page's waitlist: a person joins once; a script posting thousands is refused. */
  waitlistIp: { capacity: 10, refillPerSecond: 1 / 60 },
  /**
   * JSON API requests (app/api) without a valid access token, per client address: bursts of 600, then
   * 20 a second. Sign-in through the API is limited further by signInIp/signInIdentifier, as on the web.
   */
  apiIp: { capacity: 600, refillPerSecond: 20 },
  /**
   * API requests with a valid access token, per sign-in (token family), wherever they come from: a
   * runaway script is slowed down without throttling the user's other sign-ins.
   */
  apiToken: { capacity: 600, refillPerSecond: 10 },
} satisfies Record<string, LimitOptions>;

export type LimitName = keyof typeof limits;

export function checkLimit(env: Env, name: LimitName, subject: string): Promise<LimitResult> {
  return rateLimit(env, `${name}:${subject.toLowerCase()}`, limits[name]);
}

/** A per-client limit: keyed by the client's address, an IPv6 one by its /64 (client-ip.server.ts). */
export function checkClientLimit(env: Env, name: LimitName, request: Request): Promise<LimitResult> {
  return checkLimit(env, name, clientLimitKey(clientIp(request)));
}

/** "try again in 4 minutes" */
export function retryPhrase(seconds: number): string {
  if (seconds < 60) return `try again in ${Math.max(1, Math.ceil(seconds))} second${seconds > 1 ? "s" : ""}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `try again in ${minutes} minute${minutes > 1 ? "s" : ""}`;
  const hours = Math.ceil(minutes / 60);
  return `try again in ${hours} hour${hours > 1 ? "s" : ""}`;
}
