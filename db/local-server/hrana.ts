// Hrana (the libSQL remote protocol, version 2, JSON encoding) on top of Node's built-in SQLite.
//
// This module knows nothing about HTTP: it defines the protocol's shapes, turns untrusted JSON into
// them, encodes and decodes values, and executes one stream request on a stream's own SQLite
// connection. server.ts adds the HTTP transport, batons and stream expiry.
//
// Only erasable TypeScript is used, so Node runs this file directly.
import { constants, DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

// ---------------------------------------------------------------------------------------------
// Protocol shapes (what goes over the wire, JSON field names as in the Hrana spec)
// ---------------------------------------------------------------------------------------------

export type ProtoValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

export interface ProtoError {
  message: string;
  code: string;
}

export interface ProtoCol {
  name: string | null;
  decltype: string | null;
}

export interface StmtResult {
  cols: ProtoCol[];
  rows: ProtoValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

export interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (ProtoError | null)[];
}

export interface DescribeResult {
  params: { name: string | null }[];
  cols: ProtoCol[];
  is_explain: boolean;
  is_readonly: boolean;
}

export type StreamResponse =
  | { type: "close" }
  | { type: "execute"; result: StmtResult }
  | { type: "batch"; result: BatchResult }
  | { type: "sequence" }
  | { type: "describe"; result: DescribeResult }
  | { type: "store_sql" }
  | { type: "close_sql" }
  | { type: "get_autocommit"; is_autocommit: boolean };

export type StreamResult = { type: "ok"; response: StreamResponse } | { type: "error"; error: ProtoError };

export interface PipelineRequestBody {
  baton?: string | null;
  requests: unknown[];
}

export interface PipelineResponseBody {
  baton: string | null;
  base_url: string | null;
  results: StreamResult[];
}

/** A value as bound to / read from node:sqlite. Integers are always bigint, never a JS number. */
export type SqlValue = null | bigint | number | string | Uint8Array;

/** An error that is reported to the client as `{ message, code }`. */
export class HranaError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = "HranaError";
    this.code = code;
  }
}

const protocolError = (message: string) => new HranaError(message, "PROTOCOL_ERROR");

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a protocol value into what node:sqlite binds. Throws a HranaError on anything malformed. */
export function decodeValue(raw: unknown): SqlValue {
  if (!isObject(raw)) throw protocolError("A value must be a JSON object");
  switch (raw.type) {
    case "null":
      return null;
    case "integer": {
      const value = raw.value;
      let int: bigint;
      if (typeof value === "string" && /^[-+]?\d{1,25}$/.test(value)) int = BigInt(value);
      else if (typeof value === "number" && Number.isSafeInteger(value)) int = BigInt(value);
      else throw new HranaError("An integer value must be a decimal string", "ARGS_INVALID");
      if (int < MIN_I64 || int > MAX_I64)
        throw new HranaError(`Integer ${value} does not fit in 64 bits`, "ARGS_INVALID");
      return int;
    }
    case "float": {
      const value = raw.value;
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new HranaError("A float value must be a finite JSON number", "ARGS_INVALID");
      return value;
    }
    case "text":
      if (typeof raw.value !== "string") throw protocolError("A text value must be a string");
      return raw.value;
    case "blob": {
      const data = raw.base64;
      // Accept both padded and unpadded base64 (sqld decodes either; @libsql/client sends padded).
      if (typeof data !== "string" || !BASE64.test(data) || data.length % 4 === 1) {
        throw protocolError("A blob value must carry base64 data in `base64`");
      }
      return Buffer.from(data, "base64");
    }
    default:
      throw protocolError(`Unknown value type ${JSON.stringify(raw.type)}`);
  }
}

/** Encodes a value read from node:sqlite (with readBigInts on) into its protocol form. */
export function encodeValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { type: "null" };
  if (typeof value === "bigint") return { type: "integer", value: value.toString() };
  if (typeof value === "number") return { type: "float", value };
  if (typeof value === "string") return { type: "text", value };
  if (value instanceof Uint8Array) {
    // Unpadded, like sqld; @libsql/client (js-base64) decodes padded and unpadded alike.
    const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64").replace(/=+$/, "");
    return { type: "blob", base64 };
  }
  throw new HranaError(`Cannot encode a value of type ${typeof value}`, "INTERNAL_ERROR");
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

const SQLITE_PRIMARY_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
  27: "SQLITE_NOTICE",
  28: "SQLITE_WARNING",
};

function sqliteErrcode(error: unknown): number | undefined {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === "number" ? errcode : undefined;
}

const isBusy = (error: unknown) => ((sqliteErrcode(error) ?? 0) & 0xff) === 5;

/**
 * The `{ message, code }` the client receives for `error`. SQLite errors carry the primary result
 * code's name (`SQLITE_CONSTRAINT`, …) and sqld's message format (`SQLite error: …`); the client
 * turns that into `LibsqlError { code: "SQLITE_CONSTRAINT", message: "SQLITE_CONSTRAINT: SQLite error: …" }`.
 */
export function toProtoError(error: unknown): ProtoError {
  if (error instanceof HranaError) return { message: error.message, code: error.code };
  const errcode = sqliteErrcode(error);
  if (errcode !== undefined) {
    const code = SQLITE_PRIMARY_CODES[errcode & 0xff] ?? "SQLITE_UNKNOWN";
    return { message: `SQLite error: ${(error as Error).message}`, code };
  }
  return { message: error instanceof Error ? error.message : String(error), code: "INTERNAL_ERROR" };
}

// ---------------------------------------------------------------------------------------------
// SQL text analysis: statement splitting and parameters, following SQLite's own tokenizer
// (tokenize.c) and its statement-completeness state machine (complete.c, for CREATE TRIGGER).
// ---------------------------------------------------------------------------------------------

const TOK_WS = 0; // whitespace and comments
const TOK_SEMI = 1;
const TOK_ID = 2; // bare identifier or keyword
const TOK_VAR = 3; // ?, ?NNN, :name, @name, $name, #name
const TOK_OTHER = 4;

interface Token {
  type: number;
  start: number;
  end: number;
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isIdChar = (c: number) => isAlpha(c) || isDigit(c) || c === 95 /* _ */ || c === 36 /* $ */ || c >= 0x80;
const isIdStart = (c: number) => isAlpha(c) || c === 95 || c >= 0x80;

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const c = sql.charCodeAt(i);
    let type = TOK_OTHER;
    if (isSpace(c)) {
      while (i < n && isSpace(sql.charCodeAt(i))) i++;
      type = TOK_WS;
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      type = TOK_WS;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
      type = TOK_WS;
    } else if (c === 59 /* ; */) {
      i++;
      type = TOK_SEMI;
    } else if (c === 39 || c === 34 || c === 96) {
      // '…' string, "…" or `…` identifier; a doubled quote escapes itself
      i++;
      while (i < n) {
        if (sql.charCodeAt(i) === c) {
          if (sql.charCodeAt(i + 1) === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
    } else if (c === 91 /* [ */) {
      const close = sql.indexOf("]", i + 1);
      i = close < 0 ? n : close + 1;
    } else if (c === 63 /* ? */) {
      i++;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      type = TOK_VAR;
    } else if (c === 58 || c === 64 || c === 35 || c === 36) {
      // : @ # $ followed by identifier characters, with TCL-style `::` and `(…)` suffixes
      let j = i + 1;
      let count = 0;
      for (; j < n; j++) {
        const d = sql.charCodeAt(j);
        if (isIdChar(d)) {
          count++;
        } else if (d === 40 /* ( */ && count > 0) {
          j++;
          while (j < n && !isSpace(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 41) j++;
          if (j < n && sql.charCodeAt(j) === 41 /* ) */) j++;
          break;
        } else if (d === 58 && sql.charCodeAt(j + 1) === 58) {
          j++;
        } else {
          break;
        }
      }
      if (count === 0) {
        i++;
      } else {
        i = j;
        type = TOK_VAR;
      }
    } else if ((c === 120 || c === 88) && sql.charCodeAt(i + 1) === 39) {
      // x'…' blob literal
      const close = sql.indexOf("'", i + 2);
      i = close < 0 ? n : close + 1;
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      i++;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if ((d === 101 || d === 69) && (sql.charCodeAt(i + 1) === 43 || sql.charCodeAt(i + 1) === 45)) i += 2;
        else if (isIdChar(d) || d === 46) i++;
        else break;
      }
    } else if (isIdStart(c)) {
      i++;
      while (i < n && isIdChar(sql.charCodeAt(i))) i++;
      type = TOK_ID;
    } else {
      i++;
    }
    tokens.push({ type, start, end: i });
  }
  return tokens;
}

export type TxnKind = "begin" | "begin_readonly" | "savepoint" | null;

export interface StatementInfo {
  /** The statement's text (for a single-statement string, the whole original string). */
  sql: string;
  /** Number of parameters, as sqlite3_bind_parameter_count() reports it. */
  paramCount: number;
  /** 1-based parameter index -> its name as written (`:a`, `?3`), or undefined for a bare `?`. */
  paramNames: (string | undefined)[];
  txn: TxnKind;
  isExplain: boolean;
}

// complete.c: states 0 INVALID 1 START 2 NORMAL 3 EXPLAIN 4 CREATE 5 TRIGGER 6 SEMI 7 END;
// token classes SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END
const COMPLETE_TRANS = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];
const COMPLETE_KEYWORDS: Record<string, number> = { EXPLAIN: 3, CREATE: 4, TEMP: 5, TEMPORARY: 5, TRIGGER: 6, END: 7 };

/** Splits SQL text into statements (empty ones dropped), with each statement's parameters. */
export function splitStatements(sql: string): StatementInfo[] {
  const tokens = tokenize(sql);
  const statements: StatementInfo[] = [];
  let state = 1;
  let current: Token[] = [];
  for (const token of tokens) {
    let cls = 2;
    if (token.type === TOK_WS) cls = 1;
    else if (token.type === TOK_SEMI) cls = 0;
    else if (token.type === TOK_ID) cls = COMPLETE_KEYWORDS[sql.slice(token.start, token.end).toUpperCase()] ?? 2;
    state = COMPLETE_TRANS[state]![cls]!;
    if (token.type === TOK_SEMI && state === 1) {
      pushStatement(sql, current, statements);
      current = [];
    } else {
      current.push(token);
    }
  }
  pushStatement(sql, current, statements);
  return statements;
}

function pushStatement(sql: string, tokens: Token[], out: StatementInfo[]): void {
  const significant = tokens.filter((t) => t.type !== TOK_WS);
  const first = significant[0];
  const last = significant[significant.length - 1];
  if (!first || !last) return;

  // Parameter numbering as in sqlite3ExprAssignVarNumber().
  let count = 0;
  const names: (string | undefined)[] = [];
  const byName = new Map<string, number>();
  for (const token of significant) {
    if (token.type !== TOK_VAR) continue;
    const text = sql.slice(token.start, token.end);
    if (text === "?") {
      count++;
    } else if (text.startsWith("?")) {
      const index = Number.parseInt(text.slice(1), 10);
      if (!(index >= 1 && index <= 32766)) continue; // SQLite rejects it when preparing
      if (index > count) count = index;
      if (names[index] === undefined) names[index] = text;
    } else {
      let index = byName.get(text);
      if (index === undefined) {
        index = ++count;
        byName.set(text, index);
        names[index] = text;
      }
    }
  }

  const words = significant
    .filter((t) => t.type === TOK_ID)
    .slice(0, 5)
    .map((t) => sql.slice(t.start, t.end).toUpperCase());
  let txn: TxnKind = null;
  if (significant[0]?.type === TOK_ID && words[0] === "BEGIN") {
    const at = words.indexOf("TRANSACTION");
    const mode = words[1];
    txn =
      at > 0 && words[at + 1] === "READONLY" && mode !== "IMMEDIATE" && mode !== "EXCLUSIVE"
        ? "begin_readonly"
        : "begin";
  } else if (significant[0]?.type === TOK_ID && words[0] === "SAVEPOINT") {
    txn = "savepoint";
  }

  out.push({
    sql: sql.slice(first.start, last.end),
    paramCount: count,
    paramNames: names,
    txn,
    isExplain: significant[0]?.type === TOK_ID && words[0] === "EXPLAIN",
  });
}

const analysisCache = new Map<string, StatementInfo>();
const ANALYSIS_CACHE_SIZE = 1000;

/** Analyzes SQL text that must hold exactly one statement (`execute`, `describe`, batch steps). */
export function analyzeSingle(sql: string): StatementInfo {
  const cached = analysisCache.get(sql);
  if (cached) return cached;
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new HranaError("SQL string does not contain any statement", "SQL_NO_STATEMENT");
  if (statements.length > 1) throw new HranaError("SQL string contains more than one statement", "SQL_MANY_STATEMENTS");
  const info = { ...statements[0]!, sql };
  if (analysisCache.size >= ANALYSIS_CACHE_SIZE) analysisCache.delete(analysisCache.keys().next().value!);
  analysisCache.set(sql, info);
  return info;
}

/**
 * Orders the arguments as node:sqlite binds them, following sqld's rules: positional arguments fill
 * `?` and `?NNN`; named arguments fill `:a`/`@a`/`$a` by full name or bare name; both at once is an
 * error; a missing or surplus argument is ARGS_INVALID (node:sqlite would silently bind NULL).
 */
export function bindArguments(
  info: StatementInfo,
  args: SqlValue[],
  named: Map<string, SqlValue> | null,
): { named: Record<string, SqlValue> | null; anonymous: SqlValue[] } {
  const provided = named ? named.size : args.length;
  if (provided > info.paramCount) {
    throw new HranaError(
      `Arguments do not match SQL parameters: the statement has ${info.paramCount} parameter(s), got ${provided} argument(s)`,
      "ARGS_INVALID",
    );
  }
  let namedOut: Record<string, SqlValue> | null = null;
  const anonymous: SqlValue[] = [];
  for (let index = 1; index <= info.paramCount; index++) {
    const name = info.paramNames[index];
    let found = false;
    let value: SqlValue = null;
    if (name === undefined || name.startsWith("?")) {
      const position = name === undefined ? index : Number.parseInt(name.slice(1), 10);
      if (!named && position - 1 < args.length) {
        found = true;
        value = args[position - 1]!;
      }
    } else if (named) {
      const key = named.has(name) ? name : named.has(name.slice(1)) ? name.slice(1) : undefined;
      if (key !== undefined) {
        found = true;
        value = named.get(key)!;
      }
    }
    if (!found && !info.isExplain) {
      throw new HranaError(
        `Arguments do not match SQL parameters: no value for parameter ${name ?? `?${index}`}`,
        "ARGS_INVALID",
      );
    }
    // node:sqlite binds anonymous values to the parameters that are bare or `?NNN`, in index
    // order, and named values by their full name.
    if (name === undefined || name.startsWith("?")) anonymous.push(value);
    else {
      namedOut ??= {};
      namedOut[name] = value;
    }
  }
  return { named: namedOut, anonymous };
}

// ---------------------------------------------------------------------------------------------
// SQLite connections
// ---------------------------------------------------------------------------------------------

interface Classification {
  /** Writes nothing (as sqlite3_stmt_readonly(): BEGIN/COMMIT count as read-only). */
  readonly: boolean;
  /** An INSERT/UPDATE/DELETE, whose changes() is reported as affected_row_count. */
  iud: boolean;
  /** An INSERT, whose last_insert_rowid() is reported (sqld reports it for inserts only). */
  insert: boolean;
  /** Changes connection state we cannot reset (ATTACH, TEMP objects, most PRAGMA writes). */
  dirty: boolean;
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

// ---------------------------------------------------------------------------------------------
// The server-wide write lock
// ---------------------------------------------------------------------------------------------

interface Waiter {
  owner: object;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * One writer at a time across all streams. A stream takes it before it starts a transaction that
 * may write (BEGIN, BEGIN IMMEDIATE, SAVEPOINT) and keeps it until its connection is back in
 * autocommit, across HTTP requests; an autocommit write from another stream waits for it. Waiting
 * is a promise in a FIFO queue, never a busy wait, so the holder keeps being served meanwhile.
 */
export class WriteLock {
  #owner: object | null = null;
  #queue: Waiter[] = [];

  get held(): boolean {
    return this.#owner !== null;
  }

  isOwner(owner: object): boolean {
    return this.#owner === owner;
  }

  tryAcquire(owner: object): boolean {
    if (this.#owner === owner) return true;
    if (this.#owner !== null) return false;
    this.#owner = owner;
    return true;
  }

  acquire(owner: object, timeoutMs: number): Promise<void> {
    if (this.tryAcquire(owner)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { owner, resolve, reject, timer: null };
      waiter.timer = setTimeout(() => {
        this.#remove(waiter);
        reject(
          new HranaError(
            `database is locked: another stream held a write transaction for more than ${timeoutMs} ms`,
            "SQLITE_BUSY",
          ),
        );
      }, timeoutMs);
      waiter.timer.unref?.();
      this.#queue.push(waiter);
    });
  }

  release(owner: object): void {
    if (this.#owner !== owner) return;
    const next = this.#queue.shift();
    this.#owner = next ? next.owner : null;
    if (next) {
      if (next.timer) clearTimeout(next.timer);
      next.resolve();
    }
  }

  /** Stops `owner` waiting (its acquire() rejects with `error`). */
  cancel(owner: object, error: Error): void {
    for (const waiter of this.#queue.filter((w) => w.owner === owner)) {
      this.#remove(waiter);
      waiter.reject(error);
    }
  }

  rejectAll(error: Error): void {
    for (const waiter of this.#queue.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  #remove(waiter: Waiter): void {
    const at = this.#queue.indexOf(waiter);
    if (at >= 0) this.#queue.splice(at, 1);
    if (waiter.timer) clearTimeout(waiter.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

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

function runPrepared(
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

// ---------------------------------------------------------------------------------------------
// Parsing untrusted request JSON
// ---------------------------------------------------------------------------------------------

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw protocolError(`\`${what}\` must be a string`);
  return value;
}

function optionalSqlId(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw protocolError("`sql_id` must be an integer");
  return value;
}

interface ParsedStmt {
  sql: string | undefined;
  sqlId: number | undefined;
  args: SqlValue[];
  named: Map<string, SqlValue> | null;
  wantRows: boolean;
}

function parseStmt(raw: unknown, where: string): ParsedStmt {
  if (!isObject(raw)) throw protocolError(`${where}: a statement must be a JSON object`);
  const sql = optionalString(raw.sql, "stmt.sql");
  const sqlId = optionalSqlId(raw.sql_id);
  if (raw.args != null && !Array.isArray(raw.args)) throw protocolError(`${where}: \`args\` must be an array`);
  if (raw.named_args != null && !Array.isArray(raw.named_args))
    throw protocolError(`${where}: \`named_args\` must be an array`);
  if (raw.want_rows != null && typeof raw.want_rows !== "boolean")
    throw protocolError(`${where}: \`want_rows\` must be a boolean`);
  const args = ((raw.args ?? []) as unknown[]).map(decodeValue);
  const namedList = (raw.named_args ?? []) as unknown[];
  let named: Map<string, SqlValue> | null = null;
  if (namedList.length > 0) {
    if (args.length > 0) {
      throw new HranaError(
        "Specifying both positional and named arguments is not supported",
        "ARGS_BOTH_POSITIONAL_AND_NAMED",
      );
    }
    named = new Map();
    for (const arg of namedList) {
      if (!isObject(arg) || typeof arg.name !== "string")
        throw protocolError(`${where}: a named argument needs a string \`name\``);
      named.set(arg.name, decodeValue(arg.value));
    }
  }
  return { sql, sqlId, args, named, wantRows: raw.want_rows !== false };
}

type Cond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: Cond }
  | { type: "and" | "or"; conds: Cond[] }
  | { type: "is_autocommit" };

function parseCond(raw: unknown, stepIndex: number): Cond {
  if (!isObject(raw)) throw protocolError(`batch step ${stepIndex}: a condition must be an object`);
  switch (raw.type) {
    case "ok":
    case "error": {
      const step = raw.step;
      if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step >= stepIndex) {
        throw protocolError(`batch step ${stepIndex}: a condition may only refer to an earlier step`);
      }
      return { type: raw.type, step };
    }
    case "not":
      return { type: "not", cond: parseCond(raw.cond, stepIndex) };
    case "and":
    case "or":
      if (!Array.isArray(raw.conds)) throw protocolError(`batch step ${stepIndex}: \`conds\` must be an array`);
      return { type: raw.type, conds: raw.conds.map((c: unknown) => parseCond(c, stepIndex)) };
    case "is_autocommit":
      return { type: "is_autocommit" };
    default:
      throw protocolError(`batch step ${stepIndex}: unknown condition type ${JSON.stringify(raw.type)}`);
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
