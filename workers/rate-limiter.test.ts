import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type RateLimiter, rateLimit } from "./rate-limiter.ts";

const fresh = (label: string) => `${label}:${crypto.randomUUID()}`;
const options = { capacity: 3, refillPerSecond: 1 };
/** Full again only after 300 s: kept in storage. */
const slowBucket = { capacity: 3, refillPerSecond: 0.01 };

describe("RateLimiter", () => {
  it("allows a burst up to capacity, then refuses with a retry time", async () => {
    const key = fresh("burst");
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await rateLimit(env, key, options));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]!.retryAfterSeconds).toBe(1);
  });

  it("refills over time, never above capacity", async () => {
    const key = fresh("refill");
    const stub = env.RATE_LIMITER.getByName(key);
    await runInDurableObject(stub, (limiter: RateLimiter) => {
      const t0 = 1_000_000;
      for (let i = 0; i < 3; i++) expect(limiter.take(key, options, t0).allowed).toBe(true);
      expect(limiter.take(key, options, t0).allowed).toBe(false);
      expect(limiter.take(key, options, t0 + 500).allowed).toBe(false); // half a token
      expect(limiter.take(key, options, t0 + 1_000).allowed).toBe(true); // one token back
      // A long pause refills to capacity (3), not to 3 + elapsed.
      const later = t0 + 60_000;
      expect([1, 2, 3, 4].map(() => limiter.take(key, options, later).allowed)).toEqual([true, true, true, false]);
    });
  });

  it("charges the given cost and says how long until that many tokens exist", async () => {
    const key = fresh("cost");
    const slow = { capacity: 10, refillPerSecond: 0.5 };
    expect(await rateLimit(env, key, { ...slow, cost: 8 })).toMatchObject({ allowed: true, remaining: 2 });
    expect(await rateLimit(env, key, { ...slow, cost: 5 })).toMatchObject({
      allowed: false,
      remaining: 2,
      retryAfterSeconds: 6,
    });
  });

  it("keeps keys independent, even inside one object", async () => {
    const a = fresh("a");
    const b = fresh("b");
    for (let i = 0; i < 3; i++) await rateLimit(env, a, options);
    expect((await rateLimit(env, a, options)).allowed).toBe(false);
    expect((await rateLimit(env, b, options)).allowed).toBe(true);
    const stub = env.RATE_LIMITER.getByName(a);
    await runInDurableObject(stub, (limiter: RateLimiter) => {
      expect(limiter.take("another-key", options, Date.now()).allowed).toBe(true);
    });
  });

  it("persists slow buckets in SQLite storage", async () => {
    const key = fresh("persist");
    await rateLimit(env, key, slowBucket);
    const stub = env.RATE_LIMITER.getByName(key);
    const rows = await runInDurableObject(stub, (_limiter, state) =>
      state.storage.sql.exec("SELECT key, tokens FROM buckets").toArray(),
    );
    expect(rows).toEqual([{ key, tokens: 2 }]);
  });

  it("keeps buckets that refill within a minute in memory only: nothing is written", async () => {
    const key = fresh("memory");
    for (let i = 0; i < 3; i++) await rateLimit(env, key, options);
    expect((await rateLimit(env, key, options)).allowed).toBe(false);
    const stub = env.RATE_LIMITER.getByName(key);
    const tables = await runInDurableObject(stub, (_limiter, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'buckets'").toArray(),
    );
    expect(tables).toEqual([]);
    expect(await runInDurableObject(stub, (_limiter, state) => state.storage.getAlarm())).toBeNull();
  });

  it("deletes buckets once they are full again (alarm)", async () => {
    const key = fresh("cleanup");
    const stub = env.RATE_LIMITER.getByName(key);
    await runInDurableObject(stub, (limiter: RateLimiter) => {
      limiter.take(key, options, Date.now() - 60_000); // taken a minute ago: full by now
    });
    const busy = fresh("busy");
    await stub.limit(busy, { capacity: 5, refillPerSecond: 0.001 }); // far from full for a long time
    await runDurableObjectAlarm(stub); // the alarm may already have fired on its own; run it if not
    const keys = await runInDurableObject(stub, (_l, state) =>
      state.storage.sql
        .exec<{ key: string }>("SELECT key FROM buckets")
        .toArray()
        .map((row) => row.key),
    );
    // Only take() writes rows and only the alarm deletes them: the full bucket is gone, the busy one kept.
    expect(keys).toEqual([busy]);
  });

  it("rejects nonsensical limits instead of silently allowing everything", async () => {
    const key = fresh("invalid");
    await expect(rateLimit(env, key, { capacity: 0, refillPerSecond: 1 })).rejects.toThrow(/Invalid rate limit/);
    await expect(rateLimit(env, key, { capacity: 2, refillPerSecond: 1, cost: 3 })).rejects.toThrow(
      /Invalid rate limit/,
    );
    await runInDurableObject(env.RATE_LIMITER.getByName(key), (limiter: RateLimiter) => {
      expect(() => limiter.take(key, { capacity: 1, refillPerSecond: -1 }, Date.now())).toThrow(/Invalid rate limit/);
    });
  });
});
