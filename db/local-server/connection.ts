// One SQLite connection (node:sqlite) on the shared database file: prepared-statement cache,
// classification of each statement (writes? inserts? changes connection state?) through the
// authorizer, running a prepared statement into a Hrana StmtResult, and reset for reuse.
import { constants, DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { encodeValue, type SqlValue, type StmtResult } from "./protocol.ts";

export interface Classification {
  /** Writes nothing (as sqlite3_stmt_readonly(): BEGIN/COMMIT count as read-only). */
  readonly: boolean;
  /** An INSERT/UPDATE/DELETE, whose changes() is reported as affected_row_count. */
  iud: boolean;
  /** An INSERT, whose last_insert_rowid() is reported (sqld reports it for inserts only). */
  insert: boolean;
  /** Changes connection state we cannot reset (ATTACH, TEMP objects, most PRAGMA writes). */
  dirty: boolean;
}

export interface Prepared {
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
  const cls: Classification = { readonly: true, iud: false, insert: false, dirty: false };
  for (const [action, arg1, arg2, trigger] of actions) {
    if (READ_ACTIONS.has(action)) continue;
    if (action === constants.SQLITE_PRAGMA) {
      const name = (arg1 ?? "").toLowerCase();
      if (arg2 === null) {
        if (WRITING_PRAGMAS_WITHOUT_ARG.has(name)) cls.readonly = false;
      } else {
        if (!HARMLESS_PRAGMAS.has(name)) cls.dirty = true;
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

/** One SQLite connection (a DatabaseSync on the shared file) with a prepared-statement cache. */
export class SqliteConnection {
  readonly db: DatabaseSync;
  /** Set once a statement changed connection state that a reset cannot undo. */
  dirty = false;
  #cache = new Map<string, Prepared>();
  #internal = new Map<string, StatementSync>();
  #sink: AuthorizerAction[] | null = null;

  constructor(file: string, busyTimeoutMs: number) {
    this.db = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs });
    this.db.exec("PRAGMA synchronous = NORMAL");
    // The authorizer runs while a statement is compiled; recording its actions tells us whether a
    // statement writes, inserts or changes connection state (node:sqlite has no sqlite3_stmt_readonly()).
    this.db.setAuthorizer((action, arg1, arg2, _dbName, trigger) => {
      this.#sink?.push([action, arg1, arg2, trigger]);
      return constants.SQLITE_OK;
    });
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  get isOpen(): boolean {
    return this.db.isOpen;
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

  /** Runs one of our own statements (no classification, separate cache). */
  internal(sql: string): StatementSync {
    let stmt = this.#internal.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      stmt.setReadBigInts(true);
      stmt.setReturnArrays(true);
      this.#internal.set(sql, stmt);
    }
    return stmt;
  }

  /** Brings a connection back to a fresh state for reuse by another stream. False if it cannot be. */
  reset(): boolean {
    if (this.dirty || !this.db.isOpen) return false;
    try {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      this.internal("PRAGMA query_only = 0").run();
      this.internal("PRAGMA foreign_keys = 1").run();
      return !this.db.isTransaction;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#cache.clear();
    this.#internal.clear();
    if (this.db.isOpen) {
      try {
        this.db.close();
      } catch {
        // already closed or busy; nothing else to do
      }
    }
  }
}

export function runPrepared(
  conn: SqliteConnection,
  prepared: Prepared,
  binding: { named: Record<string, SqlValue> | null; anonymous: SqlValue[] },
  wantRows: boolean,
): StmtResult {
  const { stmt, cls } = prepared;
  const params: SQLInputValue[] = binding.anonymous;
  const columns = stmt.columns();
  let rows: unknown[][] = [];
  let changes: number | bigint = 0;
  let lastInsertRowid: number | bigint = 0;
  if (columns.length > 0) {
    const all = (binding.named ? stmt.all(binding.named, ...params) : stmt.all(...params)) as unknown as unknown[][];
    if (wantRows) rows = all;
    if (cls.iud) {
      const row = conn.internal("SELECT changes(), last_insert_rowid()").get() as unknown as [bigint, bigint];
      [changes, lastInsertRowid] = row;
    }
  } else {
    const info = binding.named ? stmt.run(binding.named, ...params) : stmt.run(...params);
    changes = info.changes;
    lastInsertRowid = info.lastInsertRowid;
  }
  return {
    cols: columns.map((c) => ({ name: c.name, decltype: c.type ?? null })),
    rows: rows.map((row) => row.map(encodeValue)),
    affected_row_count: cls.iud ? Number(changes) : 0,
    last_insert_rowid: cls.insert ? String(lastInsertRowid) : null,
  };
}
