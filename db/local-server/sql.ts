// SQL text analysis without SQLite: splitting a string into statements, numbering their parameters,
// recognizing transaction statements, and ordering arguments as node:sqlite binds them. It follows
// SQLite's own tokenizer (tokenize.c) and its statement-completeness state machine (complete.c, for
// CREATE TRIGGER).
import { HranaError, type SqlValue } from "./protocol.ts";

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

/** What a statement does to the transaction, from its first keyword (ROLLBACK includes ROLLBACK TO). */
export type TxnKind = "begin" | "begin_readonly" | "savepoint" | "commit" | "rollback" | "release" | null;

const TXN_KEYWORDS: Record<string, TxnKind> = {
  SAVEPOINT: "savepoint",
  COMMIT: "commit",
  END: "commit",
  ROLLBACK: "rollback",
  RELEASE: "release",
};

export interface StatementInfo {
  /** The statement's text (for a single-statement string, the whole original string). */
  sql: string;
  /** Number of parameters, as sqlite3_bind_parameter_count() reports it. */
  paramCount: number;
  /** 1-based parameter index -> its name as written (`:a`, `?3`), or undefined for a bare `?`. */
  paramNames: (string | undefined)[];
  txn: TxnKind;
  isExplain: boolean;
  isPragma: boolean;
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
  const leading = first.type === TOK_ID ? words[0] : undefined;
  let txn: TxnKind = null;
  if (leading === "BEGIN") {
    const at = words.indexOf("TRANSACTION");
    const mode = words[1];
    txn =
      at > 0 && words[at + 1] === "READONLY" && mode !== "IMMEDIATE" && mode !== "EXCLUSIVE"
        ? "begin_readonly"
        : "begin";
  } else if (leading !== undefined) {
    txn = TXN_KEYWORDS[leading] ?? null;
  }

  out.push({
    sql: sql.slice(first.start, last.end),
    paramCount: count,
    paramNames: names,
    txn,
    isExplain: leading === "EXPLAIN",
    isPragma: leading === "PRAGMA",
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
