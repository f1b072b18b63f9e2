// Rate limits on everything an attacker can repeat, enforced by the RateLimiter Durable Object
// before any password hashing or e-mail sending. Keys name what is limited and by whom.
import { type LimitOptions, type LimitResult, rateLimit } from "../../workers/rate-limiter.ts";

export const limits = {
  /** Guessing one account's password: 5 tries, then one more per 2 minutes, whatever the IP. */
  signInAccount: { capacity: 5, refillPerSecond: 1 / 120 },
  /** One client trying many accounts. */
  signInIp: { capacity: 20, refillPerSecond: 1 / 30 },
  signUpIp: { capacity: 5, refillPerSecond: 1 / 600 },
  /** The setup wizard's account step (it hashes the password). */
  setupIp: { capacity: 10, refillPerSecond: 1 / 60 },
  resetRequestAccount: { capacity: 3, refillPerSecond: 1 / 1200 },
  resetRequestIp: { capacity: 10, refillPerSecond: 1 / 360 },
  verificationEmail: { capacity: 3, refillPerSecond: 1 / 300 },
  /** Typing the 8-digit code: 5 wrong guesses per 10 minutes per user. */
  verificationCode: { capacity: 5, refillPerSecond: 1 / 120 },
} satisfies Record<string, LimitOptions>;

export type LimitName = keyof typeof limits;

export function checkLimit(env: Env, name: LimitName, subject: string): Promise<LimitResult> {
  return rateLimit(env, `${name}:${subject.toLowerCase()}`, limits[name]);
}

/** "try again in 4 minutes" */
export function retryPhrase(seconds: number): string {
  if (seconds < 60) return `try again in ${Math.max(1, Math.ceil(seconds))} second${seconds > 1 ? "s" : ""}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `try again in ${minutes} minute${minutes > 1 ? "s" : ""}`;
  const hours = Math.ceil(minutes / 60);
  return `try again in ${hours} hour${hours > 1 ? "s" : ""}`;
}
