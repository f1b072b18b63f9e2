// A Hrana stream: executes stream requests (execute, batch, sequence, describe, stored SQL, close)
// on the stream's own connection, taking the server-wide write lock for transactions and writes,
// within the server's statement time limit and response size budget. server.ts adds the HTTP
// transport, batons and stream expiry.

import type { ExecuteRequest } from "./connection.ts";
import type { InlineRunner } from "./inline-runner.ts";
import {
  type BatchResult,
  type Cond,
  type DescribeResult,
  HranaError,
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
import type { WorkerConnection } from "./worker-connection.ts";
import type { WriteLock } from "./write-lock.ts";

/** What a stream needs from the server around it. */
export interface StreamHost {
  readonly lock: WriteLock;
  /** How long a statement may wait for the write lock before failing with SQLITE_BUSY. */
  readonly lockTimeoutMs: number;
  /** How long a statement may run before it fails with SQLITE_INTERRUPT. */
  readonly statementTimeoutMs: number;
  /** The most row data one pipeline response may carry (RESPONSE_TOO_LARGE beyond). */
  readonly maxResponseBytes: number;
  /** Runs bounded statements on the HTTP thread (inline-runner.ts). */
  readonly inline: InlineRunner;
  /** A connection for a stream (a new stream, or one whose connection was abandoned). */
  openConnection(): WorkerConnection;
  /** Takes back a stream's connection when the stream closes. */
  releaseConnection(conn: WorkerConnection): void;
  log(line: string): void;
}

/** What is left of one pipeline response's size budget, shared by its requests. */
export interface ResponseBudget {
  bytesLeft: number;
}

/** Stored SQL texts per stream; the client keeps at most 30, sqld allows 50. */
export const MAX_STORED_SQL = 1000;

type Outcome = "ok" | "error" | "skipped";

/** A Hrana stream: one SQLite connection, its stored SQL texts and its share of the write lock. */
export class HranaStream {
  readonly host: StreamHost;
  #conn: WorkerConnection | null;
  #sqls = new Map<number, string>();
  #holdsLock = false;
  /**
   * A transaction on this stream ended other than by COMMIT (ROLLBACK, INSERT OR ROLLBACK, an
   * error that rolls back): later statements would silently run in autocommit, so they fail with
   * TRANSACTION_CLOSED until a new transaction begins, as the client does against Turso.
   */
  #transactionClosed = false;
  #budget: ResponseBudget = { bytesLeft: 0 };

  constructor(host: StreamHost, conn: WorkerConnection) {
    this.host = host;
    this.#conn = conn;
  }

  get closed(): boolean {
    return this.#conn === null;
  }

  get inTransaction(): boolean {
    return this.#conn?.inTransaction === true;
  }

  /** Executes one stream request. Never throws: failures become `{ type: "error" }` results. */
  async handle(request: unknown, budget: ResponseBudget): Promise<StreamResult> {
    this.#budget = budget;
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
    this.host.lock.cancel(this, () => new HranaError("The stream was closed", "STREAM_CLOSED"));
    if (conn.status === "open") {
      // The lock is held until the rollback is done, so the next writer finds the file free.
      const reset = conn.needsReset ? conn.reset(this.host.statementTimeoutMs) : Promise.resolve();
      this.#releaseLockWhen(conn, reset);
      this.host.releaseConnection(conn);
    } else {
      // An abandoned statement may still hold SQLite's write lock until its worker ends.
      this.#releaseLockWhen(conn, conn.exited);
    }
  }

  /** Hands the write lock (if this stream holds it) to `conn` until `done` settles, either way. */
  #releaseLockWhen(conn: WorkerConnection, done: Promise<void>): void {
    const holdsLock = this.#holdsLock;
    this.#holdsLock = false;
    const { lock } = this.host;
    if (holdsLock) lock.handOver(this, conn);
    const release = () => {
      if (holdsLock) lock.release(conn);
    };
    done.then(release, release);
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
        return { type: "describe", result: await this.#describe(sql) };
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

  #requireOpen(): WorkerConnection {
    const conn = this.#conn;
    if (conn?.status !== "open") throw new HranaError("The stream is closed", "STREAM_CLOSED");
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

  async #describe(sql: string): Promise<DescribeResult> {
    const info = analyzeSingle(sql);
    const conn = this.#requireOpen();
    const wasInTransaction = conn.inTransaction;
    const described = await conn
      .describe(info.sql, this.host.statementTimeoutMs)
      .finally(() => this.#afterCall(conn, wasInTransaction));
    const params: { name: string | null }[] = [];
    for (let index = 1; index <= info.paramCount; index++) params.push({ name: info.paramNames[index] ?? null });
    return { params, cols: described.cols, is_explain: info.isExplain, is_readonly: described.readonly };
  }

  /** Runs one statement, taking the write lock first when it needs to. */
  async #execute(
    info: StatementInfo,
    args: SqlValue[],
    named: Map<string, SqlValue> | null,
    wantRows: boolean,
  ): Promise<StmtResult> {
    const binding = bindArguments(info, args, named);
    const conn = this.#requireOpen();
    if (this.#transactionClosed && info.txn === null && !info.isPragma) {
      throw new HranaError(
        "The transaction has been rolled back: start a new one before running more statements on this stream",
        "TRANSACTION_CLOSED",
      );
    }
    const request: ExecuteRequest = {
      sql: info.sql,
      named: binding.named,
      anonymous: binding.anonymous,
      wantRows,
      readOnlyBegin: info.txn === "begin_readonly",
      timeoutMs: this.host.statementTimeoutMs,
      bytesLeft: this.#budget.bytesLeft,
      maxResponseBytes: this.host.maxResponseBytes,
    };
    // An autocommit statement on a stream without connection state of its own may run on the
    // HTTP thread if its work is bounded; everything else runs on the stream's connection.
    if (
      info.txn === null &&
      !info.isPragma &&
      !info.isExplain &&
      !this.#holdsLock &&
      !conn.inTransaction &&
      !conn.needsReset
    ) {
      const outcome = this.host.inline.tryExecute(request);
      if (outcome) {
        this.#budget.bytesLeft -= outcome.bytes;
        return outcome.result;
      }
    }
    const wasInTransaction = conn.inTransaction;
    let writes = false;
    try {
      const readonly = await conn.isReadonly(info.sql, request.timeoutMs);
      writes = !readonly;
      if (this.#needsLock(conn, info, readonly)) await this.#acquireLock();
      const outcome = await conn.execute(request);
      this.#budget.bytesLeft -= outcome.bytes;
      return outcome.result;
    } finally {
      // It may have changed the schema, which the HTTP thread's verdicts depend on.
      if (writes) this.host.inline.recheckSchema();
      if (conn.status === "open") {
        if (wasInTransaction && !conn.inTransaction && info.txn !== "commit" && info.txn !== "release") {
          this.#transactionClosed = true;
        } else if (conn.inTransaction) {
          this.#transactionClosed = false;
        }
      }
      this.#afterCall(conn, wasInTransaction);
    }
  }

  #needsLock(conn: WorkerConnection, info: StatementInfo, readonly: boolean): boolean {
    if (this.#holdsLock || conn.inTransaction) return false;
    if (info.txn === "begin" || info.txn === "savepoint") return true;
    // Autocommit writes take the lock too (at once when it is free): connections run in parallel
    // threads, and two writers at the same time would make one of them fail with SQLITE_BUSY.
    return info.txn !== "begin_readonly" && !readonly;
  }

  async #acquireLock(): Promise<void> {
    await this.host.lock.acquire(this, this.host.lockTimeoutMs);
    if (!this.#conn) {
      this.host.lock.release(this);
      throw new HranaError("The stream was closed", "STREAM_CLOSED");
    }
    this.#holdsLock = true;
  }

  /** Keeps the write lock exactly while this stream's connection is inside a writing transaction. */
  #afterCall(conn: WorkerConnection, wasInTransaction: boolean): void {
    if (conn.status === "abandoned" && this.#conn === conn) {
      // Its statement outlived the time limit. The stream goes on with a new connection; the
      // transaction it was in is gone (rolled back when the old worker ends), so later statements
      // fail until a new one begins.
      this.host.log(`a statement ran longer than ${this.host.statementTimeoutMs} ms: abandoned its connection`);
      this.#releaseLockWhen(conn, conn.exited);
      this.#conn = this.host.openConnection();
      this.#transactionClosed = wasInTransaction;
      return;
    }
    if (this.#conn !== conn || conn.status !== "open") return;
    if (!conn.inTransaction) {
      if (this.#holdsLock) {
        this.#holdsLock = false;
        this.host.lock.release(this);
      }
    } else if (!this.#holdsLock && !conn.readOnlyTxn) {
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
