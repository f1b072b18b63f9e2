// Hrana (the libSQL remote protocol, version 2, JSON encoding): the shapes that go over the wire,
// value encoding, error codes, and turning untrusted request JSON into checked values.
// Nothing here touches SQLite or HTTP. Only erasable TypeScript is used, so Node runs it directly.

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

export const protocolError = (message: string) => new HranaError(message, "PROTOCOL_ERROR");

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

export const isBusy = (error: unknown) => ((sqliteErrcode(error) ?? 0) & 0xff) === 5;

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
// Parsing untrusted request JSON
// ---------------------------------------------------------------------------------------------

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw protocolError(`\`${what}\` must be a string`);
  return value;
}

export function optionalSqlId(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw protocolError("`sql_id` must be an integer");
  return value;
}

export interface ParsedStmt {
  sql: string | undefined;
  sqlId: number | undefined;
  args: SqlValue[];
  named: Map<string, SqlValue> | null;
  wantRows: boolean;
}

export function parseStmt(raw: unknown, where: string): ParsedStmt {
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

export type Cond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: Cond }
  | { type: "and" | "or"; conds: Cond[] }
  | { type: "is_autocommit" };

/** Deeper conditions are refused; parsing and evaluating them recurses once per level. */
const MAX_COND_DEPTH = 100;

export function parseCond(raw: unknown, stepIndex: number, depth = 1): Cond {
  if (depth > MAX_COND_DEPTH) {
    throw protocolError(`batch step ${stepIndex}: conditions are nested more than ${MAX_COND_DEPTH} deep`);
  }
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
      return { type: "not", cond: parseCond(raw.cond, stepIndex, depth + 1) };
    case "and":
    case "or":
      if (!Array.isArray(raw.conds)) throw protocolError(`batch step ${stepIndex}: \`conds\` must be an array`);
      return { type: raw.type, conds: raw.conds.map((c: unknown) => parseCond(c, stepIndex, depth + 1)) };
    case "is_autocommit":
      return { type: "is_autocommit" };
    default:
      throw protocolError(`batch step ${stepIndex}: unknown condition type ${JSON.stringify(raw.type)}`);
  }
}
