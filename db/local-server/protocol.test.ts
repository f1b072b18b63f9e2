// The HTTP surface with plain fetch: pipelines, batons, conditions, malformed input, auth, limits;
// and the SQL analysis (statement splitting, parameters) the server relies on.

import { DatabaseSync } from "node:sqlite";
import { createClient, LibsqlError } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postPipeline, startTestServer, type TestServer } from "./fixtures/harness.ts";
import { startLocalDbServer } from "./server.ts";
import { analyzeSingle, splitStatements } from "./sql.ts";

let server: TestServer;

const exec = (sql: string, extra: Record<string, unknown> = {}) => ({ type: "execute", stmt: { sql, ...extra } });
const int = (n: number | bigint) => ({ type: "integer", value: String(n) });
const text = (value: string) => ({ type: "text", value });

beforeAll(async () => {
  server = await startTestServer();
  const { status } = await postPipeline(server.url, {
    baton: null,
    requests: [
      { type: "sequence", sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER); INSERT INTO kv VALUES ('a', 1);" },
      { type: "close" },
    ],
  });
  expect(status).toBe(200);
});

afterAll(async () => {
  await server?.dispose();
});

describe("pipeline", () => {
  it("runs every request; a failing one yields an error result and later ones still run", async () => {
    const { status, contentType, json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        exec("SELECT v FROM kv WHERE k = ?", { args: [text("a")] }),
        exec("INSERT INTO kv VALUES ('a', 2)"),
        exec("SELECT count(*) FROM kv"),
        { type: "get_autocommit" },
      ],
    });
    expect(status).toBe(200);
    expect(contentType).toBe("application/json");
    expect(json.base_url).toBeNull();
    expect(typeof json.baton).toBe("string");
    expect(json.results).toHaveLength(4);
    expect(json.results[0]).toEqual({
      type: "ok",
      response: {
        type: "execute",
        result: {
          cols: [{ name: "v", decltype: "INTEGER" }],
          rows: [[int(1)]],
          affected_row_count: 0,
          last_insert_rowid: null,
        },
      },
    });
    expect(json.results[1]).toEqual({
      type: "error",
      error: { message: "SQLite error: UNIQUE constraint failed: kv.k", code: "SQLITE_CONSTRAINT" },
    });
    expect(json.results[2].response.result.rows).toEqual([[int(1)]]);
    expect(json.results[3]).toEqual({ type: "ok", response: { type: "get_autocommit", is_autocommit: true } });

    // the baton continues the stream once; close ends it with a null baton
    const next = await postPipeline(server.url, { baton: json.baton, requests: [exec("SELECT 1"), { type: "close" }] });
    expect(next.status).toBe(200);
    expect(next.json.baton).toBeNull();
    expect(next.json.results.map((r: { type: string }) => r.type)).toEqual(["ok", "ok"]);

    // a used baton is stale
    const stale = await postPipeline(server.url, { baton: json.baton, requests: [exec("SELECT 1")] });
    expect(stale.status).toBe(400);
    expect(stale.contentType).toBe("application/json");
    expect(stale.json.code).toBe("STREAM_EXPIRED");
  });

  it("answers unknown batons with 400 STREAM_EXPIRED", async () => {
    const { status, json } = await postPipeline(server.url, { baton: "bm90LWEtYmF0b24", requests: [] });
    expect(status).toBe(400);
    expect(json).toMatchObject({ code: "STREAM_EXPIRED" });
  });

  it("issues a fresh, unguessable baton on every response", async () => {
    const first = await postPipeline(server.url, { baton: null, requests: [] });
    const second = await postPipeline(server.url, { baton: first.json.baton, requests: [] });
    const third = await postPipeline(server.url, { baton: second.json.baton, requests: [{ type: "close" }] });
    expect(first.json.baton).not.toBe(second.json.baton);
    expect(first.json.baton.length).toBeGreaterThanOrEqual(32);
    expect(third.json.baton).toBeNull();
  });

  it("keeps a transaction open across requests through the baton", async () => {
    const open = await postPipeline(server.url, {
      baton: null,
      requests: [exec("BEGIN IMMEDIATE"), exec("INSERT INTO kv VALUES ('tx', 1)"), { type: "get_autocommit" }],
    });
    expect(open.json.results[2].response.is_autocommit).toBe(false);
    const rollback = await postPipeline(server.url, {
      baton: open.json.baton,
      requests: [exec("ROLLBACK"), { type: "get_autocommit" }, { type: "close" }],
    });
    expect(rollback.json.results[1].response.is_autocommit).toBe(true);
    const check = await postPipeline(server.url, {
      baton: null,
      requests: [exec("SELECT count(*) FROM kv WHERE k = 'tx'"), { type: "close" }],
    });
    expect(check.json.results[0].response.result.rows).toEqual([[int(0)]]);
  });

  it("returns null baton and fails later requests after close", async () => {
    const { json } = await postPipeline(server.url, { baton: null, requests: [{ type: "close" }, exec("SELECT 1")] });
    expect(json.baton).toBeNull();
    expect(json.results[0]).toEqual({ type: "ok", response: { type: "close" } });
    expect(json.results[1].type).toBe("error");
    expect(json.results[1].error.code).toBe("STREAM_CLOSED");
  });
});

describe("batch conditions", () => {
  it("evaluates ok, error, not, and, or; skipped steps have null result and error", async () => {
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        {
          type: "batch",
          batch: {
            steps: [
              { stmt: { sql: "SELECT 1" } }, // 0 ok
              { stmt: { sql: "SELECT * FROM nope" } }, // 1 error
              { condition: { type: "ok", step: 1 }, stmt: { sql: "SELECT 2" } }, // 2 skipped
              { condition: { type: "error", step: 1 }, stmt: { sql: "SELECT 3" } }, // 3 ok
              { condition: { type: "not", cond: { type: "ok", step: 2 } }, stmt: { sql: "SELECT 4" } }, // 4 ok (skipped is not ok)
              { condition: { type: "error", step: 2 }, stmt: { sql: "SELECT 5" } }, // 5 skipped (skipped is not error)
              {
                condition: {
                  type: "and",
                  conds: [
                    { type: "ok", step: 0 },
                    { type: "error", step: 1 },
                  ],
                },
                stmt: { sql: "SELECT 6" },
              }, // 6 ok
              {
                condition: {
                  type: "or",
                  conds: [
                    { type: "ok", step: 1 },
                    { type: "ok", step: 5 },
                  ],
                },
                stmt: { sql: "SELECT 7" },
              }, // 7 skipped
              { condition: { type: "is_autocommit" }, stmt: { sql: "SELECT 8", want_rows: false } }, // 8 ok, no rows
            ],
          },
        },
        { type: "close" },
      ],
    });
    const { step_results: results, step_errors: errors } = json.results[0].response.result;
    expect(results.map((r: unknown) => r !== null)).toEqual([true, false, false, true, true, false, true, false, true]);
    expect(errors.map((e: unknown) => e !== null)).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(errors[1].code).toBe("SQLITE_ERROR");
    expect(results[3].rows).toEqual([[int(3)]]);
    expect(results[8].rows).toEqual([]);
  });

  it("rejects a condition on a later step as a whole-batch error", async () => {
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        { type: "batch", batch: { steps: [{ condition: { type: "ok", step: 0 }, stmt: { sql: "SELECT 1" } }] } },
        exec("SELECT 1"),
        { type: "close" },
      ],
    });
    expect(json.results[0].type).toBe("error");
    expect(json.results[1].type).toBe("ok");
  });
});

describe("stored SQL, sequence, describe", () => {
  it("stores at least 50 SQL texts per stream and runs them by id", async () => {
    const store = Array.from({ length: 60 }, (_, i) => ({
      type: "store_sql",
      sql_id: i + 1,
      sql: `SELECT ${i} AS n, ? AS x`,
    }));
    const run = Array.from({ length: 60 }, (_, i) => ({ type: "execute", stmt: { sql_id: i + 1, args: [int(i)] } }));
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        ...store,
        ...run,
        { type: "close_sql", sql_id: 7 },
        { type: "execute", stmt: { sql_id: 7, args: [int(0)] } },
        { type: "close" },
      ],
    });
    const results = json.results as any[];
    expect(results.slice(0, 60).every((r) => r.type === "ok" && r.response.type === "store_sql")).toBe(true);
    for (let i = 0; i < 60; i++) expect(results[60 + i].response.result.rows).toEqual([[int(i), int(i)]]);
    expect(results[120]).toEqual({ type: "ok", response: { type: "close_sql" } });
    expect(results[121].error.code).toBe("SQL_NOT_FOUND");
  });

  it("runs a sequence and stops at its first error", async () => {
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        {
          type: "sequence",
          sql: "INSERT INTO kv VALUES ('s1', 1); INSERT INTO kv VALUES ('s1', 2); INSERT INTO kv VALUES ('s3', 3);",
        },
        exec("SELECT k FROM kv WHERE k LIKE 's%' ORDER BY k"),
        { type: "close" },
      ],
    });
    expect(json.results[0].error.code).toBe("SQLITE_CONSTRAINT");
    expect(json.results[1].response.result.rows).toEqual([[text("s1")]]);
  });

  it("describes a statement", async () => {
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        { type: "describe", sql: "SELECT k, v FROM kv WHERE k = :k AND v > ?" },
        { type: "describe", sql: "EXPLAIN SELECT 1" },
        { type: "describe", sql: "DELETE FROM kv" },
        { type: "close" },
      ],
    });
    expect(json.results[0].response.result).toEqual({
      params: [{ name: ":k" }, { name: null }],
      cols: [
        { name: "k", decltype: "TEXT" },
        { name: "v", decltype: "INTEGER" },
      ],
      is_explain: false,
      is_readonly: true,
    });
    expect(json.results[1].response.result.is_explain).toBe(true);
    expect(json.results[2].response.result.is_readonly).toBe(false);
  });
});

describe("arguments and values", () => {
  it("checks argument counts and shapes", async () => {
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        exec("SELECT ?, ?", { args: [int(1)] }),
        exec("SELECT ?", { args: [int(1), int(2)] }),
        exec("SELECT :a", { args: [int(1)], named_args: [{ name: "a", value: int(1) }] }),
        exec("SELECT :a", { named_args: [{ name: "a", value: int(1) }] }),
        exec("SELECT :a", { args: [int(1)] }), // like sqld, positional values do not fill named parameters
        exec("SELECT 1; SELECT 2"),
        exec("SELECT ?", { args: [{ type: "integer", value: "9223372036854775808" }] }),
        exec("SELECT ?", { args: [{ type: "integer", value: "12abc" }] }),
        exec("SELECT ?", { args: [{ type: "blob", base64: "not base64!" }] }),
        exec("SELECT ?", { args: [{ type: "wat" }] }),
        exec("SELECT ?", { args: [{ type: "blob", base64: "AAEC" }] }),
        exec("SELECT ?", { args: [{ type: "blob", base64: "AAE" }] }),
        exec("SELECT ?", { args: [{ type: "float", value: 2 }] }),
        { type: "close" },
      ],
    });
    const codes = (json.results as any[]).map((r) => (r.type === "ok" ? "ok" : r.error.code));
    expect(codes).toEqual([
      "ARGS_INVALID",
      "ARGS_INVALID",
      "ARGS_BOTH_POSITIONAL_AND_NAMED",
      "ok",
      "ARGS_INVALID",
      "SQL_MANY_STATEMENTS",
      "ARGS_INVALID",
      "ARGS_INVALID",
      "PROTOCOL_ERROR",
      "PROTOCOL_ERROR",
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
    expect(json.results[10].response.result.rows).toEqual([[{ type: "blob", base64: "AAEC" }]]);
    expect(json.results[11].response.result.rows).toEqual([[{ type: "blob", base64: "AAE" }]]);
    expect(json.results[12].response.result.rows).toEqual([[{ type: "float", value: 2 }]]);
  });
});

describe("malformed requests", () => {
  it("answers bad JSON, wrong shapes and unknown request types with JSON errors", async () => {
    const badJson = await postPipeline(server.url, "{ not json");
    expect(badJson.status).toBe(400);
    expect(badJson.contentType).toBe("application/json");
    expect(badJson.json.code).toBe("PROTOCOL_ERROR");

    for (const body of [
      "[]",
      "null",
      "42",
      JSON.stringify({ baton: 5, requests: [] }),
      JSON.stringify({ baton: null }),
    ]) {
      const reply = await postPipeline(server.url, body);
      expect(reply.status).toBe(400);
      expect(reply.json.message).toEqual(expect.any(String));
    }

    const { status, json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        { type: "frobnicate" },
        17,
        { type: "execute" },
        { type: "execute", stmt: { sql: 5 } },
        { type: "execute", stmt: { sql: "SELECT 1", args: "x" } },
        exec("SELECT 1"),
        { type: "close" },
      ],
    });
    expect(status).toBe(200);
    expect((json.results as any[]).map((r) => r.type)).toEqual([
      "error",
      "error",
      "error",
      "error",
      "error",
      "ok",
      "ok",
    ]);
    expect(json.results[0].error.code).toBe("PROTOCOL_ERROR");
  });

  it("survives randomly malformed requests (never a 500, always JSON)", async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const junk = (depth: number): unknown => {
      const leaves = [null, 0, -1, 1.5, 2 ** 60, "", "x", "SELECT ?", true, false, [], {}];
      if (depth <= 0 || random() < 0.4) return pick(leaves);
      if (random() < 0.5) return Array.from({ length: Math.floor(random() * 3) }, () => junk(depth - 1));
      const keys = [
        "type",
        "stmt",
        "sql",
        "sql_id",
        "args",
        "named_args",
        "want_rows",
        "batch",
        "steps",
        "condition",
        "cond",
        "conds",
        "step",
        "value",
        "base64",
        "name",
      ];
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 4) }, () => [pick(keys), junk(depth - 1)]),
      );
    };
    const types = [
      "execute",
      "batch",
      "sequence",
      "describe",
      "store_sql",
      "close_sql",
      "get_autocommit",
      "close",
      "nope",
    ];
    for (let round = 0; round < 40; round++) {
      const requests = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
        ...(junk(3) as object),
        type: pick(types),
      }));
      const reply = await postPipeline(server.url, { baton: null, requests });
      expect(reply.status, JSON.stringify(requests)).toBe(200);
      expect(reply.json.results).toHaveLength(requests.length);
      if (reply.json.baton) await postPipeline(server.url, { baton: reply.json.baton, requests: [{ type: "close" }] });
    }
    const ok = await postPipeline(server.url, {
      baton: null,
      requests: [exec("SELECT count(*) FROM kv"), { type: "close" }],
    });
    expect(ok.json.results[0].type).toBe("ok");
  });

  it("answers other paths and methods with JSON", async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const v2 = await fetch(`${server.url}/v2`);
    expect(v2.status).toBe(200);
    const missing = await fetch(`${server.url}/v3-protobuf`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/json");
    expect(((await missing.json()) as { code: string }).code).toBe("NOT_FOUND");
    const wrongMethod = await fetch(`${server.url}/v2/pipeline`);
    expect(wrongMethod.status).toBe(405);
  });

  it("refuses bodies over 10 MB with 413", async () => {
    const huge = JSON.stringify({ baton: null, requests: [exec(`SELECT '${"x".repeat(11 * 1024 * 1024)}'`)] });
    const reply = await postPipeline(server.url, huge);
    expect(reply.status).toBe(413);
    expect(reply.json.code).toBe("PAYLOAD_TOO_LARGE");
    // the server is fine afterwards, and a body just under the limit works
    const ok = await postPipeline(server.url, {
      baton: null,
      requests: [exec(`SELECT length('${"y".repeat(1024 * 1024)}')`), { type: "close" }],
    });
    expect(ok.json.results[0].response.result.rows).toEqual([[int(1024 * 1024)]]);
  });
});

describe("auth", () => {
  let secured: TestServer;
  const token = "s3cret-token-for-tests";
  beforeAll(async () => {
    secured = await startTestServer({ authToken: token });
  });
  afterAll(async () => {
    await secured?.dispose();
  });

  it("requires the bearer token when configured", async () => {
    const none = await postPipeline(secured.url, { baton: null, requests: [{ type: "close" }] });
    expect(none.status).toBe(401);
    expect(none.contentType).toBe("application/json");
    expect(none.json.code).toBe("UNAUTHORIZED");
    const wrong = await postPipeline(
      secured.url,
      { baton: null, requests: [{ type: "close" }] },
      { authorization: "Bearer nope" },
    );
    expect(wrong.status).toBe(401);
    const right = await postPipeline(
      secured.url,
      { baton: null, requests: [{ type: "close" }] },
      { authorization: `Bearer ${token}` },
    );
    expect(right.status).toBe(200);
    expect((await fetch(`${secured.url}/health`)).status).toBe(200);

    const anonymous = createClient({ url: secured.url });
    const error = await anonymous.execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlError);
    expect((error as LibsqlError).code).toBe("UNAUTHORIZED");
    anonymous.close();

    const authed = createClient({ url: secured.url, authToken: token });
    expect((await authed.execute("SELECT 1 AS one")).rows[0]!.one).toBe(1);
    authed.close();
  });
});

describe("listening", () => {
  it("refuses non-loopback hosts", async () => {
    await expect(startLocalDbServer({ file: `${server.file}-other`, port: 0, host: "0.0.0.0" })).rejects.toThrow(
      /loopback/,
    );
  });

  it("reports a port that is taken", async () => {
    await expect(startLocalDbServer({ file: `${server.file}-other`, port: server.port })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe("SQL analysis", () => {
  it("splits statements like SQLite, keeping CREATE TRIGGER bodies whole", () => {
    const parts = splitStatements(`
      SELECT 'a;b' AS "x;y", [c;d], \`e;f\`; -- comment; here
      /* block; comment */ INSERT INTO t VALUES (1);;
      CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;
      CREATE TABLE "end" (x); SELECT x'00ff'
    `).map((s) => s.sql);
    expect(parts).toEqual([
      "SELECT 'a;b' AS \"x;y\", [c;d], `e;f`",
      "INSERT INTO t VALUES (1)",
      "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END",
      'CREATE TABLE "end" (x)',
      "SELECT x'00ff'",
    ]);
  });

  it("numbers parameters as sqlite3_bind_parameter_count() does", () => {
    const cases: [string, number, (string | undefined)[]][] = [
      ["SELECT ?, ?", 2, [undefined, undefined]],
      ["SELECT ?3, ?", 4, [undefined, undefined, "?3", undefined]],
      ["SELECT :a, @b, :a, $c, ?", 4, [":a", "@b", "$c", undefined]],
      ["SELECT ?, ?1, :x", 2, ["?1", ":x"]],
      ["SELECT '?', \"?\", [?], -- ?\n ?", 1, [undefined]],
      ["SELECT $a::b(c d), :é", 2, ["$a::b(c", ":é"]],
    ];
    for (const [sql, count, names] of cases) {
      const info = analyzeSingle(sql);
      expect(info.paramCount, sql).toBe(count);
      expect(
        Array.from({ length: info.paramCount }, (_, i) => info.paramNames[i + 1]),
        sql,
      ).toEqual(names);
    }
  });

  it("agrees with SQLite's own parameter numbering", () => {
    const db = new DatabaseSync(":memory:");
    const statements = [
      "SELECT ?",
      "SELECT ?, ?2, ?",
      "SELECT ?5",
      "SELECT :a, ?, :a, @b, ?, $c, ?9",
      "SELECT :a, ?1, ?",
      'SELECT \'?\' || ? || "?" /* ? */ || ? FROM (SELECT 1 AS "?")',
      "SELECT x'3f' || ? -- ?",
      "SELECT $a::b, $a::b(c), :é1",
      "SELECT 1e5 + ?, .5 + ?, 0x1f + ?",
      "WITH t(x) AS (SELECT ?) SELECT x, :k FROM t",
    ];
    const isRangeError = (fn: () => unknown) => {
      try {
        fn();
        return false;
      } catch (error) {
        return ((error as { errcode?: number }).errcode ?? 0) === 25;
      }
    };
    for (const sql of statements) {
      const info = analyzeSingle(sql);
      const named: Record<string, null> = {};
      let anonymous = 0;
      for (let i = 1; i <= info.paramCount; i++) {
        const name = info.paramNames[i];
        if (name === undefined || name.startsWith("?")) anonymous++;
        else named[name] = null;
      }
      const stmt = db.prepare(sql);
      stmt.setAllowBareNamedParameters(false);
      // node:sqlite binds anonymous values to the non-named indexes 1..N, so exactly our count fits
      expect(
        isRangeError(() => stmt.all(named, ...new Array(anonymous).fill(null))),
        sql,
      ).toBe(false);
      expect(
        isRangeError(() => stmt.all(named, ...new Array(anonymous + 1).fill(null))),
        sql,
      ).toBe(true);
    }
    db.close();
  });

  it("recognizes transaction statements", () => {
    expect(analyzeSingle("begin").txn).toBe("begin");
    expect(analyzeSingle("BEGIN IMMEDIATE").txn).toBe("begin");
    expect(analyzeSingle("BEGIN TRANSACTION READONLY").txn).toBe("begin_readonly");
    expect(analyzeSingle("savepoint s1").txn).toBe("savepoint");
    expect(analyzeSingle("SELECT 1").txn).toBeNull();
    expect(analyzeSingle("end transaction").txn).toBe("commit");
    expect(analyzeSingle("/* c */ Commit").txn).toBe("commit");
    expect(analyzeSingle("ROLLBACK TO s1").txn).toBe("rollback");
    expect(analyzeSingle("release s1").txn).toBe("release");
    expect(analyzeSingle("INSERT OR ROLLBACK INTO t VALUES (1)").txn).toBeNull();
  });
});
