// RateLimiter: token buckets kept in the Durable Object's own SQLite storage. Each call takes `cost`
// tokens from the bucket named `key`; a bucket holds at most `capacity` tokens and regains
// `refillPerSecond` per second. Callers address one object per limited thing (see `rateLimit`), so
// buckets for different keys never contend, and a single object serializes its own calls (no races).
//
// Short buckets live in memory only: an object is evicted only after about 70 s without a call, so a
// bucket that is full again within MEMORY_ONLY_REFILL_SECONDS loses nothing when it goes (it would be
// full anyway). That spares each chat message a storage write and its commit wait, and a user's first
// message the creation of the object's SQLite database (bench:chat's p99 was 3.4× the bare object's
// with every bucket stored). A restart (deploy) forgets them: at most one extra short burst.
import { DurableObject } from "cloudflare:workers";

export interface LimitOptions {
  /** Largest burst: the bucket starts full with this many tokens. */
  capacity: number;
  /** Tokens regained per second (0.5 = one every two seconds). */
  refillPerSecond: number;
  /** Tokens this call takes; defaults to 1. */
  cost?: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** When not allowed: seconds until `cost` tokens are available again; 0 when allowed. */
  retryAfterSeconds: number;
}

interface BucketRow extends Record<string, SqlStorageValue> {
  tokens: number;
  updated_at_ms: number;
}

/** Buckets that refill completely within this many seconds are kept in memory only (see above). */
export const MEMORY_ONLY_REFILL_SECONDS = 60;

const inMemory = ({ capacity, refillPerSecond }: LimitOptions) =>
  refillPerSecond > 0 && capacity / refillPerSecond <= MEMORY_ONLY_REFILL_SECONDS;

export class RateLimiter extends DurableObject<Env> {
  private readonly memory = new Map<string, BucketRow>();
  private tableReady = false;

  async limit(key: string, options: LimitOptions): Promise<LimitResult> {
    const result = this.take(key, options, Date.now());
    if (!inMemory(options)) await this.scheduleCleanup();
    return result;
  }

  /** Created on the first stored bucket, so an object with only short buckets never opens its database. */
  private table(): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (!this.tableReady) {
      // full_at_ms: when the bucket will be full again; a full bucket is the same as no row, so the
      // alarm deletes rows past that time and storage never grows with keys no one uses any more.
      sql.exec(`CREATE TABLE IF NOT EXISTS buckets (
        key TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        full_at_ms INTEGER NOT NULL
      )`);
      this.tableReady = true;
    }
    return sql;
  }

  /** The bucket arithmetic at an explicit time; synchronous, so no other call interleaves. */
  take(key: string, options: LimitOptions, nowMs: number): LimitResult {
    assertValidLimit(options);
    const { capacity, refillPerSecond, cost = 1 } = options;
    const memoryOnly = inMemory(options);
    const row = memoryOnly
      ? this.memory.get(key)
      : this.table().exec<BucketRow>("SELECT tokens, updated_at_ms FROM buckets WHERE key = ?", key).toArray()[0];
    const elapsedSeconds = row ? Math.max(0, nowMs - row.updated_at_ms) / 1000 : 0;
    let tokens = row ? Math.min(capacity, row.tokens + elapsedSeconds * refillPerSecond) : capacity;

    const allowed = tokens >= cost;
    if (allowed) tokens -= cost;
    const retryAfterSeconds = allowed
      ? 0
      : refillPerSecond > 0
        ? Math.ceil((cost - tokens) / refillPerSecond)
        : Number.POSITIVE_INFINITY;
    const fullAtMs =
      refillPerSecond > 0 ? nowMs + Math.ceil(((capacity - tokens) / refillPerSecond) * 1000) : Number.MAX_SAFE_INTEGER;

    if (memoryOnly) {
      // A full bucket is the same as none.
      if (tokens >= capacity) this.memory.delete(key);
      else this.memory.set(key, { tokens, updated_at_ms: nowMs });
      return { allowed, remaining: Math.floor(tokens), retryAfterSeconds };
    }
    this.table().exec(
      `INSERT INTO buckets (key, tokens, updated_at_ms, full_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at_ms = excluded.updated_at_ms,
         full_at_ms = excluded.full_at_ms`,
      key,
      tokens,
      nowMs,
      fullAtMs,
    );
    return { allowed, remaining: Math.floor(tokens), retryAfterSeconds };
  }

  override async alarm(): Promise<void> {
    this.table().exec("DELETE FROM buckets WHERE full_at_ms <= ?", Date.now());
    await this.scheduleCleanup();
  }

  private async scheduleCleanup(): Promise<void> {
    const next = this.table().exec<{ next: number | null }>("SELECT min(full_at_ms) AS next FROM buckets").one().next;
    if (next === null || next === Number.MAX_SAFE_INTEGER) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }
}

/**
 * Takes from the bucket `key` in its own RateLimiter object. `key` names what is limited and by whom,
 * e.g. `sign-in:ip:203.0.113.9`.
 */
export async function rateLimit(env: Env, key: string, options: LimitOptions): Promise<LimitResult> {
  assertValidLimit(options); // fail in the caller, before a round trip to the object
  return env.RATE_LIMITER.getByName(key).limit(key, options);
}

function assertValidLimit({ capacity, refillPerSecond, cost = 1 }: LimitOptions): void {
  if (!(capacity > 0) || !(refillPerSecond >= 0) || !(cost >= 0) || cost > capacity) {
    throw new RangeError(`Invalid rate limit: capacity ${capacity}, refill ${refillPerSecond}/s, cost ${cost}`);
  }
}
