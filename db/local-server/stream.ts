// A Hrana stream: executes stream requests (execute, batch, sequence, describe, stored SQL, close)
// on the stream's own connection, taking the server-wide write lock for transactions and writes.
// server.ts adds the HTTP transport, batons and stream expiry.
import { type Classification, runPrepared, type SqliteConnection } from "./connection.ts";
import {
  type BatchResult,
  type Cond,
  type DescribeResult,
  HranaError,
  isBusy,
  isObject,
  optionalSqlId,
  optionalString,
  parseCond,
  parseStmt,
  protocolError,
  type SqlValue,
  type StmtResult,
  type StreamResponse,
  type StreamResult,
  toProtoError,
} from "./protocol.ts";
import { analyzeSingle, bindArguments, type StatementInfo, splitStatements } from "./sql.ts";
import type { WriteLock } from "./write-lock.ts";

/** What a stream needs from the server around it. */
export interface StreamHost {
  readonly lock: WriteLock;
  /** How long a statement may wait for the write lock before failing with SQLITE_BUSY. */
  readonly lockTimeoutMs: number;
  /** Takes back a stream's connection when the stream closes (reusable: it was reset cleanly). */
  releaseConnection(conn: SqliteConnection, reusable: boolean): void;
}

/** Stored SQL texts per stream; the client keeps at most 30, sqld allows 50. */
export const MAX_STORED_SQL = 1000;

type Outcome = "ok" | "error" | "skipped";

/** A Hrana stream: one SQLite connection, its stored SQL texts and its share of the write lock. */
export class HranaStream {
  readonly host: StreamHost;
  #conn: SqliteConnection | null;
  #sqls = new Map<number, string>();
  #holdsLock = false;
  #readOnlyTxn = false;

  constructor(host: StreamHost, conn: SqliteConnection) {
    this.host = host;
    this.#conn = conn;
  }

  get closed(): boolean {
    return this.#conn === null;
  }

  get inTransaction(): boolean {
    return this.#conn?.isOpen === true && this.#conn.inTransaction;
  }

  get holdsLock(): boolean {
    return this.#holdsLock;
  }

  /** Executes one stream request. Never throws: failures become `{ type: "error" }` results. */
  async handle(request: unknown): Promise<StreamResult> {
    try {
      return { type: "ok", response: await this.#dispatch(request) };
    } catch (error) {
      return { type: "error", error: toProtoError(error) };
    }
  }

  /** Rolls back any open transaction, gives up the write lock and returns the connection. */
  close(): void {
    const conn = this.#conn;
    if (!conn) return;
    this.#conn = null;
    this.host.lock.cancel(this, new HranaError("The stream was closed", "STREAM_CLOSED"));
    const reusable = conn.reset();
    this.#readOnlyTxn = false;
    if (this.#holdsLock) {
      this.#holdsLock = false;
      this.host.lock.release(this);
    }
    this.host.releaseConnection(conn, reusable);
  }

  async #dispatch(request: unknown): Promise<StreamResponse> {
    if (!isObject(request)) throw protocolError("A stream request must be a JSON object");
    switch (request.type) {
      case "close":
        this.close();
        return { type: "close" };
      case "execute": {
        const stmt = parseStmt(request.stmt, "execute.stmt");
        const sql = this.#resolveSql(stmt.sql, stmt.sqlId);
        const result = await this.#execute(analyzeSingle(sql), stmt.args, stmt.named, stmt.wantRows);
        return { type: "execute", result };
      }
      case "batch":
        return { type: "batch", result: await this.#batch(request.batch) };
      case "sequence": {
        const sql = this.#resolveSql(optionalString(request.sql, "sequence.sql"), optionalSqlId(request.sql_id));
        for (const statement of splitStatements(sql)) {
          await this.#execute(statement, [], null, false);
        }
        return { type: "sequence" };
      }
      case "describe": {
        const sql = this.#resolveSql(optionalString(request.sql, "describe.sql"), optionalSqlId(request.sql_id));
        return { type: "describe", result: this.#describe(sql) };
      }
      case "store_sql": {
        const id = optionalSqlId(request.sql_id);
        if (id === undefined) throw protocolError("store_sql needs an integer `sql_id`");
        if (typeof request.sql !== "string") throw protocolError("store_sql needs a string `sql`");
        this.#requireOpen();
        if (this.#sqls.has(id)) throw new HranaError(`SQL text ${id} is already stored on this stream`, "SQL_EXISTS");
        if (this.#sqls.size >= MAX_STORED_SQL) {
          throw new HranaError(
            `The server already stores ${this.#sqls.size} SQL texts, it cannot store more`,
            "SQL_STORE_TOO_MANY",
          );
        }
        this.#sqls.set(id, request.sql);
        return { type: "store_sql" };
      }
      case "close_sql": {
        const id = optionalSqlId(request.sql_id);
        if (id === undefined) throw protocolError("close_sql needs an integer `sql_id`");
        this.#sqls.delete(id);
        return { type: "close_sql" };
      }
      case "get_autocommit":
        return { type: "get_autocommit", is_autocommit: !this.#requireOpen().inTransaction };
      default:
        throw protocolError(`Unknown stream request type ${JSON.stringify(request.type)}`);
    }
  }

  #requireOpen(): SqliteConnection {
    const conn = this.#conn;
    if (!conn?.isOpen) throw new HranaError("The stream is closed", "STREAM_CLOSED");
    return conn;
  }

  #resolveSql(sql: string | undefined, sqlId: number | undefined): string {
    if (sql !== undefined && sqlId !== undefined) throw protocolError("Give either `sql` or `sql_id`, not both");
    if (sql !== undefined) return sql;
    if (sqlId === undefined) throw protocolError("Give `sql` or `sql_id`");
    const stored = this.#sqls.get(sqlId);
    if (stored === undefined) throw new HranaError(`SQL text ${sqlId} is not stored on this stream`, "SQL_NOT_FOUND");
    return stored;
  }

  async #batch(raw: unknown): Promise<BatchResult> {
    if (!isObject(raw) || !Array.isArray(raw.steps)) throw protocolError("batch needs `batch.steps` (an array)");
    // Like sqld, everything that can be checked before running (shapes, stored SQL, statement
    // counts, argument values) fails the whole batch; what fails while running fails its step.
    const steps = raw.steps.map((step: unknown, index: number) => {
      if (!isObject(step)) throw protocolError(`batch step ${index} must be an object`);
      const stmt = parseStmt(step.stmt, `batch step ${index}`);
      const condition = step.condition == null ? null : parseCond(step.condition, index);
      const info = analyzeSingle(this.#resolveSql(stmt.sql, stmt.sqlId));
      return { stmt, info, condition };
    });
    const outcomes: Outcome[] = [];
    const result: BatchResult = { step_results: [], step_errors: [] };
    for (const step of steps) {
      const autocommit = !this.inTransaction;
      if (step.condition && !evalCond(step.condition, outcomes, autocommit)) {
        outcomes.push("skipped");
        result.step_results.push(null);
        result.step_errors.push(null);
        continue;
      }
      try {
        const stmtResult = await this.#execute(step.info, step.stmt.args, step.stmt.named, step.stmt.wantRows);
        outcomes.push("ok");
        result.step_results.push(stmtResult);
        result.step_errors.push(null);
      } catch (error) {
        outcomes.push("error");
        result.step_results.push(null);
        result.step_errors.push(toProtoError(error));
      }
    }
    return result;
  }

  #describe(sql: string): DescribeResult {
    const info = analyzeSingle(sql);
    const prepared = this.#requireOpen().prepare(info.sql);
    const params: { name: string | null }[] = [];
    for (let index = 1; index <= info.paramCount; index++) params.push({ name: info.paramNames[index] ?? null });
    return {
      params,
      cols: prepared.stmt.columns().map((c) => ({ name: c.name, decltype: c.type ?? null })),
      is_explain: info.isExplain,
      is_readonly: prepared.cls.readonly,
    };
  }

  /** Runs one statement, taking the write lock first when it needs to. */
  async #execute(
    info: StatementInfo,
    args: SqlValue[],
    named: Map<string, SqlValue> | null,
    wantRows: boolean,
  ): Promise<StmtResult> {
    const binding = bindArguments(info, args, named);
    let conn = this.#requireOpen();
    const prepared = conn.prepare(info.sql);
    if (prepared.cls.dirty) conn.dirty = true;
    if (this.#needsLock(conn, info, prepared.cls)) {
      await this.#acquireLock();
      conn = this.#requireOpen();
    }
    let retried = false;
    try {
      for (;;) {
        try {
          const result = runPrepared(conn, prepared, binding, wantRows);
          if (info.txn === "begin_readonly" && conn.inTransaction && !this.#holdsLock) {
            // BEGIN TRANSACTION READONLY is libSQL syntax; SQLite reads it as a deferred BEGIN
            // (READONLY being the transaction's name). query_only enforces the read-only part.
            conn.internal("PRAGMA query_only = 1").run();
            this.#readOnlyTxn = true;
          }
          return result;
        } catch (error) {
          // A write we did not see coming ran into another stream's transaction: wait our turn
          // and run it again (safe: an autocommit statement that failed left nothing behind).
          if (retried || !isBusy(error) || this.#holdsLock || conn.inTransaction) throw error;
          retried = true;
          await this.#acquireLock();
          conn = this.#requireOpen();
        }
      }
    } finally {
      this.#afterStatement();
    }
  }

  #needsLock(conn: SqliteConnection, info: StatementInfo, cls: Classification): boolean {
    if (this.#holdsLock || conn.inTransaction) return false;
    if (info.txn === "begin" || info.txn === "savepoint") return true;
    if (info.txn === "begin_readonly" || cls.readonly) return false;
    // An autocommit write runs in one synchronous call, so it only has to wait if some other
    // stream is inside a write transaction right now.
    return this.host.lock.held;
  }

  async #acquireLock(): Promise<void> {
    await this.host.lock.acquire(this, this.host.lockTimeoutMs);
    if (!this.#conn) {
      this.host.lock.release(this);
      throw new HranaError("The stream was closed", "STREAM_CLOSED");
    }
    this.#holdsLock = true;
  }

  #afterStatement(): void {
    const conn = this.#conn;
    if (!conn?.isOpen) return;
    if (!conn.inTransaction) {
      if (this.#readOnlyTxn) {
        this.#readOnlyTxn = false;
        try {
          conn.internal("PRAGMA query_only = 0").run();
        } catch {
          conn.dirty = true;
        }
      }
      if (this.#holdsLock) {
        this.#holdsLock = false;
        this.host.lock.release(this);
      }
    } else if (!this.#holdsLock && !this.#readOnlyTxn) {
      // A transaction began that we did not classify as one; claim the lock if it is free.
      if (this.host.lock.tryAcquire(this)) this.#holdsLock = true;
    }
  }
}

/** `ok`/`error` are true only for a step that ran and succeeded/failed; a skipped step is neither. */
function evalCond(cond: Cond, outcomes: Outcome[], autocommit: boolean): boolean {
  switch (cond.type) {
    case "ok":
      return outcomes[cond.step] === "ok";
    case "error":
      return outcomes[cond.step] === "error";
    case "not":
      return !evalCond(cond.cond, outcomes, autocommit);
    case "and":
      return cond.conds.every((c) => evalCond(c, outcomes, autocommit));
    case "or":
      return cond.conds.some((c) => evalCond(c, outcomes, autocommit));
    case "is_autocommit":
      return autocommit;
  }
}
