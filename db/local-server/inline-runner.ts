// Runs statements whose work is bounded by construction on the server's HTTP thread, skipping the
// trip to a connection's worker thread (decision 0002). A statement qualifies when it only reads
// and inserts (no function calls, triggers, recursion, updates or deletes — connection.ts) and its
// query plan finds each row through a unique key: the rows it touches are then bounded by its
// parameters, so it cannot keep the HTTP thread long whatever the arguments. Anything else — a
// scan, a range, a statement inside a transaction, a stream with connection state of its own —
// goes to the stream's worker as before, where the time limit applies.
import { type ExecuteOutcome, type ExecuteRequest, SqliteConnection } from "./connection.ts";
import type { WriteLock } from "./write-lock.ts";

/** Longer texts go to a worker unexamined: compiling one would hold the HTTP thread. */
const MAX_INLINE_SQL_LENGTH = 4096;
/** How often the schema version is read again (see #checkSchema). */
const SCHEMA_CHECK_MS = 100;
/** Verdicts remembered (per SQL text, for the current schema). */
const VERDICT_CACHE_SIZE = 1000;

const ROWID_LOOKUP = /^SEARCH \S+(?: AS \S+)? USING INTEGER PRIMARY KEY \(rowid=\?\)$/;
const INDEX_LOOKUP = /^SEARCH \S+(?: AS \S+)? USING (?:COVERING )?INDEX (\S+) \(([^()]*)\)$/;
const EQUALITY_TERM = /^[^=<>]+=\?$/;

/**
 * Whether every step of a query plan touches at most one row per parameter value: lookups by rowid,
 * or by every column of a unique index with `=`. `uniqueIndexColumns` answers how many key columns
 * a unique index has (null for one that is not unique).
 */
export function planIsBounded(plan: string[], uniqueIndexColumns: (index: string) => number | null): boolean {
  return plan.every((step) => {
    if (step === "SCAN CONSTANT ROW" || ROWID_LOOKUP.test(step)) return true;
    const lookup = INDEX_LOOKUP.exec(step);
    if (!lookup) return false;
    const terms = lookup[2]!.split(" AND ");
    return terms.every((term) => EQUALITY_TERM.test(term)) && uniqueIndexColumns(lookup[1]!) === terms.length;
  });
}

export class InlineRunner {
  readonly #file: string;
  readonly #busyTimeoutMs: number;
  readonly #lock: WriteLock;
  readonly #idleMs: number;
  /** Opened on first use, closed after #idleMs unused so an idle server holds no file descriptor. */
  #conn: SqliteConnection | null = null;
  #lastUsed = 0;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #schemaVersion: bigint | null = null;
  #schemaCheckedAt = Number.NEGATIVE_INFINITY;
  /** Per SQL text, whether it qualifies (for the current schema). */
  #verdicts = new Map<string, boolean>();
  /** Statements run here so far (tests read it through the server's stats()). */
  executed = 0;

  constructor(options: { file: string; busyTimeoutMs: number; lock: WriteLock; idleMs: number }) {
    this.#file = options.file;
    this.#busyTimeoutMs = options.busyTimeoutMs;
    this.#lock = options.lock;
    this.#idleMs = options.idleMs;
  }

  get databaseOpen(): boolean {
    return this.#conn !== null;
  }

  /**
   * Runs the statement here if it qualifies and, for a write, the write lock is free; otherwise
   * returns null and the caller sends it to a worker. SQLite's errors are thrown as from a worker.
   */
  tryExecute(request: ExecuteRequest): ExecuteOutcome | null {
    if (request.sql.length > MAX_INLINE_SQL_LENGTH || request.readOnlyBegin) return null;
    const conn = this.#open();
    const bounded = this.#isBounded(conn, request.sql);
    if (bounded === null) return null;
    if (bounded.readonly) return this.#run(conn, request);
    // An autocommit insert: only while no stream writes, so SQLite never makes it wait.
    if (!this.#lock.tryAcquire(this)) return null;
    try {
      return this.#run(conn, request);
    } finally {
      this.#lock.release(this);
    }
  }

  /** Reads the schema version again before the next statement (a stream's worker wrote something). */
  recheckSchema(): void {
    this.#schemaCheckedAt = Number.NEGATIVE_INFINITY;
  }

  #run(conn: SqliteConnection, request: ExecuteRequest): ExecuteOutcome {
    this.executed++;
    return conn.execute(request);
  }

  close(): void {
    this.#schemaVersion = null;
    this.#schemaCheckedAt = Number.NEGATIVE_INFINITY;
    this.#verdicts.clear();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#conn?.close();
    this.#conn = null;
  }

  /** The statement's classification if it qualifies, else null (also when it does not compile). */
  #isBounded(conn: SqliteConnection, sql: string): { readonly: boolean } | null {
    let prepared: ReturnType<SqliteConnection["prepare"]>;
    try {
      this.#checkSchema(conn);
      // A statement already refused is not compiled here again: it runs on a worker anyway.
      if (this.#verdicts.get(sql) === false) return null;
      prepared = conn.prepare(sql);
    } catch {
      return null; // the worker reports the error, exactly as for any other statement
    }
    let bounded = this.#verdicts.get(sql);
    if (bounded === undefined) {
      try {
        bounded =
          prepared.cls.readsAndInsertsOnly &&
          planIsBounded(conn.queryPlan(sql), (index) => conn.uniqueIndexColumns(index));
      } catch {
        bounded = false;
      }
      if (this.#verdicts.size >= VERDICT_CACHE_SIZE) this.#verdicts.delete(this.#verdicts.keys().next().value!);
      this.#verdicts.set(sql, bounded);
    }
    return bounded ? { readonly: prepared.cls.readonly } : null;
  }

  /**
   * Forgets every verdict and classification when the schema changed (a dropped index turns a
   * lookup into a scan, a new trigger gives an insert more work). PRAGMA schema_version costs as
   * much as a point query, so it is read at most every SCHEMA_CHECK_MS: for that long after a
   * schema change made by another process a verdict may be stale (this server's own writes call
   * recheckSchema()). Results are right regardless (SQLite recompiles the statement); only a
   * statement that lost its lookup could run here once or twice.
   */
  #checkSchema(conn: SqliteConnection): void {
    const now = performance.now();
    if (now - this.#schemaCheckedAt < SCHEMA_CHECK_MS) return;
    this.#schemaCheckedAt = now;
    const version = conn.schemaVersion();
    if (version === this.#schemaVersion) return;
    this.#schemaVersion = version;
    this.#verdicts.clear();
    conn.reloadSchema();
  }

  #open(): SqliteConnection {
    this.#lastUsed = performance.now();
    if (!this.#conn) {
      this.#conn = new SqliteConnection(this.#file, this.#busyTimeoutMs);
      this.#scheduleIdleClose(this.#idleMs);
    }
    return this.#conn;
  }

  #scheduleIdleClose(delayMs: number): void {
    this.#idleTimer = setTimeout(() => {
      const idleFor = performance.now() - this.#lastUsed;
      if (idleFor >= this.#idleMs) this.close();
      else this.#scheduleIdleClose(this.#idleMs - idleFor);
    }, delayMs);
    this.#idleTimer.unref?.();
  }
}
