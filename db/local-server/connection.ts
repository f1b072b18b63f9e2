// One SQLite connection (node:sqlite) on the shared database file, used inside its own worker
// thread (connection-worker.ts): prepared-statement cache, classification of each statement
// (writes? inserts? changes connection state?) through the authorizer, running a statement into a
// Hrana StmtResult within a time and size budget, and reset for reuse.
import { constants, DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { encodeValue, HranaError, type ProtoValue, type SqlValue, type StmtResult } from "./protocol.ts";

export interface Classification {
  /** Writes nothing (as sqlite3_stmt_readonly(): BEGIN/COMMIT count as read-only). */
  readonly: boolean;
  /** An INSERT/UPDATE/DELETE, whose changes() is reported as affected_row_count. */
  iud: boolean;
  /** An INSERT, whose last_insert_rowid() is reported (sqld reports it for inserts only). */
  insert: boolean;
  /** Changes connection state we cannot reset (ATTACH, TEMP objects, most PRAGMA writes). */
  dirty: boolean;
  /** Sets PRAGMA foreign_keys, which a reset turns back on. */
  setsForeignKeys: boolean;
  /**
   * Only reads and inserts on the database's own tables: no function calls, triggers, recursion,
   * updates or deletes (which can cascade). Whether its work is bounded then depends only on its
   * query plan (inline-runner.ts).
   */
  readsAndInsertsOnly: boolean;
}

interface Prepared {
  stmt: StatementSync;
  cls: Classification;
}

type AuthorizerAction = [action: number, arg1: string | null, arg2: string | null, trigger: string | null];

const READ_ACTIONS = new Set<number>([
  constants.SQLITE_SELECT,
  constants.SQLITE_READ,
  constants.SQLITE_FUNCTION,
  constants.SQLITE_RECURSIVE,
  constants.SQLITE_TRANSACTION,
  constants.SQLITE_SAVEPOINT,
]);
/** What a plain SELECT or INSERT … VALUES asks the authorizer for (a function call is SQLITE_FUNCTION). */
const PLAIN_ACTIONS = new Set<number>([constants.SQLITE_SELECT, constants.SQLITE_READ, constants.SQLITE_INSERT]);
const TEMP_ACTIONS = new Set<number>([
  constants.SQLITE_CREATE_TEMP_INDEX,
  constants.SQLITE_CREATE_TEMP_TABLE,
  constants.SQLITE_CREATE_TEMP_TRIGGER,
  constants.SQLITE_CREATE_TEMP_VIEW,
  constants.SQLITE_ATTACH,
  constants.SQLITE_DETACH,
]);
/** PRAGMAs that take an argument but only read, or whose writes live in the file, not the connection. */
const HARMLESS_PRAGMAS = new Set([
  "foreign_keys", // reset whenever a connection is reused
  "defer_foreign_keys", // reset at the end of each transaction
  "table_info",
  "table_xinfo",
  "table_list",
  "index_list",
  "index_info",
  "index_xinfo",
  "foreign_key_list",
  "foreign_key_check",
  "integrity_check",
  "quick_check",
  "user_version",
  "application_id",
  "journal_mode",
  "wal_checkpoint",
]);
const WRITING_PRAGMAS_WITHOUT_ARG = new Set(["optimize", "wal_checkpoint", "incremental_vacuum"]);

function classify(actions: AuthorizerAction[]): Classification {
  const cls: Classification = {
    readonly: true,
    iud: false,
    insert: false,
    dirty: false,
    setsForeignKeys: false,
    readsAndInsertsOnly: true,
  };
  for (const [action, arg1, arg2, trigger] of actions) {
    if (
      !PLAIN_ACTIONS.has(action) ||
      trigger !== null ||
      (action !== constants.SQLITE_SELECT && (arg1 ?? "sqlite_").toLowerCase().startsWith("sqlite_"))
    ) {
      cls.readsAndInsertsOnly = false;
    }
    if (READ_ACTIONS.has(action)) continue;
    if (action === constants.SQLITE_PRAGMA) {
      const name = (arg1 ?? "").toLowerCase();
      if (arg2 === null) {
        if (WRITING_PRAGMAS_WITHOUT_ARG.has(name)) cls.readonly = false;
      } else {
        if (!HARMLESS_PRAGMAS.has(name)) cls.dirty = true;
        if (name === "foreign_keys") cls.setsForeignKeys = true;
        if (
          !name.endsWith("_info") &&
          !name.endsWith("_list") &&
          !name.endsWith("_check") &&
          name !== "table_xinfo" &&
          name !== "index_xinfo"
        ) {
          cls.readonly = false;
        }
      }
      continue;
    }
    cls.readonly = false;
    if (TEMP_ACTIONS.has(action)) cls.dirty = true;
    const direct = trigger === null && !(arg1 ?? "").toLowerCase().startsWith("sqlite_");
    if (
      direct &&
      (action === constants.SQLITE_INSERT || action === constants.SQLITE_UPDATE || action === constants.SQLITE_DELETE)
    ) {
      cls.iud = true;
      if (action === constants.SQLITE_INSERT) cls.insert = true;
    }
  }
  return cls;
}

const STATEMENT_CACHE_SIZE = 256;

const OTHER_FILES_REFUSED =
  "SQLite error: not authorized: ATTACH, VACUUM INTO and PRAGMAs that choose file locations are refused, as on a hosted database";
const FILE_LOCATION_PRAGMAS = new Set(["temp_store_directory", "data_store_directory"]);

/**
 * Whether an authorizer action would let a client create or write a file other than the database:
 * ATTACH of any file (VACUUM INTO runs an ATTACH of its target while it executes, so it is caught
 * here whatever its spelling, and an ATTACH whose file name is an expression arrives as null),
 * and the PRAGMAs that move temporary files. Plain VACUUM attaches "" (a private temporary
 * database), which stays allowed. load_extension() is already refused by node:sqlite.
 */
function writesOtherFiles(action: number, arg1: string | null, arg2: string | null): boolean {
  if (action === constants.SQLITE_ATTACH) return arg1 !== "";
  return action === constants.SQLITE_PRAGMA && arg2 !== null && FILE_LOCATION_PRAGMAS.has((arg1 ?? "").toLowerCase());
}

/** One statement to run, as the stream sends it to the connection's worker. */
export interface ExecuteRequest {
  sql: string;
  named: Record<string, SqlValue> | null;
  anonymous: SqlValue[];
  wantRows: boolean;
  /** The statement is BEGIN TRANSACTION READONLY: run the transaction under PRAGMA query_only. */
  readOnlyBegin: boolean;
  /** The statement's time limit; rows stop being read once it has passed. */
  timeoutMs: number;
  /** What is left of the pipeline response's size budget, and the budget itself (for the message). */
  bytesLeft: number;
  maxResponseBytes: number;
}

export interface ExecuteOutcome {
  result: StmtResult;
  /** Estimated JSON size of the result's rows. */
  bytes: number;
}

/** The error of a statement that ran past its time limit (the code SQLite gives an interrupted statement). */
export function statementTimedOut(timeoutMs: number): HranaError {
  return new HranaError(
    `SQLite error: interrupted: the statement ran longer than the server's limit of ${timeoutMs} ms`,
    "SQLITE_INTERRUPT",
  );
}

/** One SQLite connection (a DatabaseSync on the shared file) with a prepared-statement cache. */
export class SqliteConnection {
  readonly db: DatabaseSync;
  /** Set once a statement changed connection state that a reset cannot undo. */
  dirty = false;
  /** Inside a BEGIN TRANSACTION READONLY, run under PRAGMA query_only. */
  readOnlyTxn = false;
  #foreignKeysSet = false;
  #cache = new Map<string, Prepared>();
  #internalStatements = new Map<string, StatementSync>();
  #sink: AuthorizerAction[] | null = null;

  constructor(file: string, busyTimeoutMs: number) {
    this.db = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs });
    try {
      this.db.exec("PRAGMA synchronous = NORMAL");
    } catch (error) {
      this.db.close();
      throw error;
    }
    // The authorizer runs while a statement is compiled; recording its actions tells us whether a
    // statement writes, inserts or changes connection state (node:sqlite has no sqlite3_stmt_readonly()).
    this.db.setAuthorizer((action, arg1, arg2, _dbName, trigger) => {
      if (writesOtherFiles(action, arg1, arg2)) throw new HranaError(OTHER_FILES_REFUSED, "SQLITE_AUTH");
      this.#sink?.push([action, arg1, arg2, trigger]);
      return constants.SQLITE_OK;
    });
  }

  get inTransaction(): boolean {
    return this.db.isOpen && this.db.isTransaction;
  }

  prepare(sql: string): Prepared {
    const cached = this.#cache.get(sql);
    if (cached) {
      this.#cache.delete(sql);
      this.#cache.set(sql, cached);
      return cached;
    }
    const actions: AuthorizerAction[] = [];
    this.#sink = actions;
    let stmt: StatementSync;
    try {
      stmt = this.db.prepare(sql);
    } finally {
      this.#sink = null;
    }
    stmt.setReadBigInts(true);
    stmt.setReturnArrays(true);
    const prepared = { stmt, cls: classify(actions) };
    if (this.#cache.size >= STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(sql, prepared);
    return prepared;
  }

  /** Runs one statement; afterwards leaves query_only on exactly while a read-only transaction is open. */
  execute(request: ExecuteRequest): ExecuteOutcome {
    try {
      const prepared = this.prepare(request.sql);
      if (prepared.cls.dirty) this.dirty = true;
      if (prepared.cls.setsForeignKeys) this.#foreignKeysSet = true;
      const outcome = runPrepared(this, prepared, request);
      if (request.readOnlyBegin && this.inTransaction) {
        // BEGIN TRANSACTION READONLY is libSQL syntax; SQLite reads it as a deferred BEGIN
        // (READONLY being the transaction's name). query_only enforces the read-only part.
        this.#internal("PRAGMA query_only = 1").run();
        this.readOnlyTxn = true;
      }
      return outcome;
    } finally {
      if (this.readOnlyTxn && !this.inTransaction) {
        this.readOnlyTxn = false;
        try {
          this.#internal("PRAGMA query_only = 0").run();
        } catch {
          this.dirty = true;
        }
      }
    }
  }

  /** Runs one of our own statements (no classification, separate cache). */
  #internal(sql: string): StatementSync {
    let stmt = this.#internalStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      stmt.setReadBigInts(true);
      stmt.setReturnArrays(true);
      this.#internalStatements.set(sql, stmt);
    }
    return stmt;
  }

  /** changes() and last_insert_rowid() of the statement that just ran. */
  lastChanges(): [changes: bigint, lastInsertRowid: bigint] {
    return this.#internal("SELECT changes(), last_insert_rowid()").get() as unknown as [bigint, bigint];
  }

  /**
   * Drops the prepared statements (and their classifications) after another connection changed
   * the schema, and reloads the schema so statements prepared next see it: preparing uses the
   * schema this connection last loaded, and only running a statement that reads a table notices
   * the change.
   */
  reloadSchema(): void {
    this.#cache.clear();
    this.#internal("SELECT 1 FROM sqlite_schema LIMIT 1").all();
  }

  /** The statement's query plan, one `detail` line per step (EXPLAIN QUERY PLAN; compiles, runs nothing). */
  queryPlan(sql: string): string[] {
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[];
    return rows.map((row) => row.detail);
  }

  /** How many key columns a UNIQUE index has, or null when the index is not unique (or does not exist). */
  uniqueIndexColumns(index: string): number | null {
    const unique = this.#internal(
      "SELECT \"unique\" FROM pragma_index_list((SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND name = ?1)) WHERE name = ?1",
    ).get(index) as unknown as [bigint] | undefined;
    if (!unique || unique[0] !== 1n) return null;
    const [count] = this.#internal("SELECT count(*) FROM pragma_index_info(?)").get(index) as unknown as [bigint];
    return Number(count);
  }

  /** PRAGMA schema_version: changes whenever any connection changes the schema. */
  schemaVersion(): bigint {
    return (this.#internal("PRAGMA schema_version").get() as unknown as [bigint])[0];
  }

  /** Whether the next stream would find state left behind (a transaction, PRAGMAs, TEMP objects). */
  get needsReset(): boolean {
    return this.dirty || this.#foreignKeysSet || this.readOnlyTxn || this.inTransaction;
  }

  /** Brings a connection back to a fresh state for reuse by another stream. False if it cannot be. */
  reset(): boolean {
    if (this.dirty || !this.db.isOpen) return false;
    try {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      this.readOnlyTxn = false;
      this.#foreignKeysSet = false;
      this.#internal("PRAGMA query_only = 0").run();
      this.#internal("PRAGMA foreign_keys = 1").run();
      return !this.db.isTransaction;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#cache.clear();
    this.#internalStatements.clear();
    if (this.db.isOpen) {
      try {
        this.db.close();
      } catch {
        // already closed or busy; nothing else to do
      }
    }
  }
}

/** Approximate JSON size of an encoded value, as it will appear in the response. */
function encodedBytes(value: ProtoValue): number {
  switch (value.type) {
    case "null":
      return 16;
    case "integer":
      return 30 + value.value.length;
    case "float":
      return 50;
    case "text":
      return 27 + value.value.length;
    case "blob":
      return 28 + value.base64.length;
  }
}

function runPrepared(conn: SqliteConnection, prepared: Prepared, request: ExecuteRequest): ExecuteOutcome {
  const { stmt, cls } = prepared;
  const params: SQLInputValue[] = request.anonymous;
  const columns = stmt.columns();
  const rows: ProtoValue[][] = [];
  let bytes = 0;
  let changes: number | bigint = 0;
  let lastInsertRowid: number | bigint = 0;
  if (columns.length > 0) {
    // Row by row, so that neither the time limit nor the size budget waits for the last row.
    const deadline = performance.now() + request.timeoutMs;
    const iterator = request.named ? stmt.iterate(request.named, ...params) : stmt.iterate(...params);
    for (const row of iterator as Iterable<unknown[]>) {
      if (performance.now() > deadline) throw statementTimedOut(request.timeoutMs);
      if (!request.wantRows) continue;
      const encoded = row.map(encodeValue);
      bytes += 2;
      for (const value of encoded) bytes += encodedBytes(value);
      if (bytes > request.bytesLeft) {
        throw new HranaError(
          `The response exceeds the server's limit of ${request.maxResponseBytes} bytes: select fewer rows or columns`,
          "RESPONSE_TOO_LARGE",
        );
      }
      rows.push(encoded);
    }
    if (cls.iud) [changes, lastInsertRowid] = conn.lastChanges();
  } else {
    const info = request.named ? stmt.run(request.named, ...params) : stmt.run(...params);
    changes = info.changes;
    lastInsertRowid = info.lastInsertRowid;
  }
  const result: StmtResult = {
    cols: columns.map((c) => ({ name: c.name, decltype: c.type ?? null })),
    rows,
    affected_row_count: cls.iud ? Number(changes) : 0,
    last_insert_rowid: cls.insert ? String(lastInsertRowid) : null,
  };
  return { result, bytes };
}
