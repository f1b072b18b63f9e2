// The local server under abuse (issue 8 §2): files outside the database, slow statements, huge
// results, too many streams and what expired ones leave behind, deeply nested batch conditions,
// and statements that follow a rollback inside a transaction.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectLibsqlError, postPipeline, sleep, startTestServer, type TestServer } from "./fixtures/harness.ts";

const exec = (sql: string) => ({ type: "execute", stmt: { sql } });

/** A statement that computes for several seconds before its one row (no row to stop between). */
const SLOW_SQL =
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000000) SELECT count(*) FROM c";
/** Twice as long: it must outlast the time limit plus the 1 s grace even on a fast, idle machine. */
const SLOWER_SQL = SLOW_SQL.replace("LIMIT 10000000", "LIMIT 20000000");
/** A statement that yields many rows, one at a time. */
const MANY_ROWS_SQL =
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 600000) SELECT x, 'some text' AS t FROM c";

describe("files other than the database", () => {
  let server: TestServer;
  let client: Client;
  beforeAll(async () => {
    server = await startTestServer();
    client = createClient({ url: server.url });
    await client.execute("CREATE TABLE t (v TEXT)");
  });
  afterAll(async () => {
    client?.close();
    await server?.dispose();
  });

  it("refuses ATTACH and VACUUM INTO, however they are spelled, with SQLITE_AUTH", async () => {
    const dir = dirname(server.file);
    const target = join(dir, "elsewhere.db");
    const attempts = [
      `ATTACH DATABASE '${target}' AS other`,
      `attach '${target}' as other`,
      `/* comment */ AtTaCh\n-- line comment\n'${target}' AS "other"`,
      `ATTACH ('${dir}/' || 'elsewhere.db') AS other`,
      `ATTACH 'file:${target}?mode=rwc' AS other`,
      `VACUUM INTO '${target}'`,
      `vacuum main into '${target}'`,
      `VACUUM /* x */ INTO ('${dir}' || '/elsewhere.db')`,
      `PRAGMA temp_store_directory = '${dir}'`,
    ];
    for (const sql of attempts) {
      const error = await expectLibsqlError(client.execute(sql), "SQLITE_AUTH");
      expect(error.message).toContain("not authorized");
    }
    await expectLibsqlError(client.execute({ sql: "VACUUM INTO ?", args: [target] }), "SQLITE_AUTH");
    await expectLibsqlError(client.batch([`ATTACH '${target}' AS other`], "write"), "SQLITE_AUTH");
    await expect(client.executeMultiple(`SELECT 1; VACUUM INTO '${target}';`)).rejects.toThrow(/not authorized/);
    expect(existsSync(target)).toBe(false);

    // load_extension() is not reachable either
    await expect(client.execute("SELECT load_extension('/tmp/nothing.so')")).rejects.toThrow(/not authorized/);

    // a plain VACUUM (which attaches a private temporary database) still works
    await client.execute("INSERT INTO t VALUES ('kept')");
    await client.execute("VACUUM");
    const rs = await client.execute("SELECT v FROM t");
    expect(rs.rows.map((r) => r.v)).toEqual(["kept"]);
  });
});

describe("statement time limit", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ statementTimeoutMs: 300 });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("answers health and other clients while a slow statement runs", async () => {
    const patient = await startTestServer({ statementTimeoutMs: 60_000 });
    const slow = createClient({ url: patient.url });
    const other = createClient({ url: patient.url });
    // two connections ready in the pool, so nobody waits for a worker thread to start
    await Promise.all([slow.execute("SELECT 1"), other.execute("SELECT 1")]);

    let settled = false;
    const outcome = slow.execute(SLOW_SQL).finally(() => {
      settled = true;
    });
    await sleep(100);
    const healthStart = performance.now();
    const health = await fetch(`${patient.url}/health`);
    expect(health.status).toBe(200);
    expect(performance.now() - healthStart).toBeLessThan(500);
    const rs = await other.execute("SELECT 42 AS n");
    expect(rs.rows[0]!.n).toBe(42);
    expect(settled).toBe(false); // both answered while the slow statement was still running

    expect((await outcome).rows[0]![0]).toBe(10_000_000);
    slow.close();
    other.close();
    await patient.dispose();
  }, 60_000);

  it("fails a statement that runs too long with SQLITE_INTERRUPT, and keeps serving", async () => {
    const client = createClient({ url: server.url });
    const started = performance.now();
    const error = await expectLibsqlError(client.execute(SLOW_SQL), "SQLITE_INTERRUPT");
    expect(error.message).toContain("300 ms");
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await client.execute("SELECT 1 AS one")).rows[0]!.one).toBe(1);
    client.close();
  });

  it("takes its limits from the command line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-db-cli-"));
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const args = [main, "--port", "0", "--file", join(dir, "cli.db"), "--statement-timeout-ms", "250"];
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, LOCAL_DB_AUTH_TOKEN: "cli-test-token", LOCAL_DB_MAX_RESPONSE_BYTES: "50000" },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const client = createClient({ url, authToken: "cli-test-token" });
      const tooLarge = await expectLibsqlError(
        client.execute(MANY_ROWS_SQL.replace("600000", "2000")), // ~140 kB, a few milliseconds
        "RESPONSE_TOO_LARGE",
      );
      expect(tooLarge.message).toContain("50000 bytes");
      const timedOut = await expectLibsqlError(client.execute(SLOW_SQL), "SQLITE_INTERRUPT");
      expect(timedOut.message).toContain("250 ms");
      client.close();
    } finally {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("stops a statement between rows and keeps its stream usable", async () => {
    const client = createClient({ url: server.url });
    const tx = await client.transaction("read");
    await expectLibsqlError(tx.execute(MANY_ROWS_SQL.replace("600000", "100000000")), "SQLITE_INTERRUPT");
    expect((await tx.execute("SELECT 2 AS two")).rows[0]!.two).toBe(2);
    await tx.commit();
    client.close();
  });

  it("rolls back the transaction of a statement that could not be stopped, and releases the write lock", async () => {
    const client = createClient({ url: server.url });
    const other = createClient({ url: server.url });
    await client.execute("CREATE TABLE slow_tx (v TEXT)");
    const tx = await client.transaction("write");
    await tx.execute("INSERT INTO slow_tx VALUES ('uncommitted')");
    await expectLibsqlError(tx.execute(SLOWER_SQL), "SQLITE_INTERRUPT");
    await expectLibsqlError(tx.execute("SELECT 1"), "TRANSACTION_CLOSED");
    tx.close();
    // the write lock comes free once the abandoned statement has stopped
    await other.execute("INSERT INTO slow_tx VALUES ('later')");
    const rs = await other.execute("SELECT v FROM slow_tx");
    expect(rs.rows.map((r) => r.v)).toEqual(["later"]);
    client.close();
    other.close();
  }, 30_000);
});

describe("response size cap", () => {
  let server: TestServer;
  let client: Client;
  beforeAll(async () => {
    server = await startTestServer({ maxResponseBytes: 200_000 });
    client = createClient({ url: server.url });
  });
  afterAll(async () => {
    client?.close();
    await server?.dispose();
  });

  it("answers RESPONSE_TOO_LARGE instead of building a huge response, and stays usable", async () => {
    const error = await expectLibsqlError(client.execute(MANY_ROWS_SQL), "RESPONSE_TOO_LARGE");
    expect(error.message).toContain("200000 bytes");
    const rs = await client.execute(MANY_ROWS_SQL.replace("600000", "1000"));
    expect(rs.rows).toHaveLength(1000);
  });

  it("counts every result of a pipeline toward the cap", async () => {
    const half = MANY_ROWS_SQL.replace("600000", "2000"); // ~ 140 kB of JSON each
    const { status, json } = await postPipeline(server.url, { baton: null, requests: [exec(half), exec(half)] });
    expect(status).toBe(200);
    expect(json.results[0].type).toBe("ok");
    expect(json.results[1]).toMatchObject({ type: "error", error: { code: "RESPONSE_TOO_LARGE" } });
  });
});

/** Descriptors this process has open on files in the server's database directory. */
function databaseDescriptors(file: string): number {
  const dir = dirname(file);
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

describe("streams", () => {
  it("caps open streams with TOO_MANY_STREAMS, and serves again once one closes", async () => {
    const server = await startTestServer({ maxStreams: 3 });
    const batons: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { json } = await postPipeline(server.url, { baton: null, requests: [exec("SELECT 1")] });
      batons.push(json.baton);
    }
    const refused = await postPipeline(server.url, { baton: null, requests: [exec("SELECT 1")] });
    expect(refused.status).toBe(503);
    expect(refused.json.code).toBe("TOO_MANY_STREAMS");
    const client = createClient({ url: server.url });
    await expectLibsqlError(client.execute("SELECT 1"), "TOO_MANY_STREAMS");
    // an existing stream still works
    const going = await postPipeline(server.url, { baton: batons[0], requests: [exec("SELECT 1"), { type: "close" }] });
    expect(going.status).toBe(200);
    expect((await client.execute("SELECT 7 AS n")).rows[0]!.n).toBe(7);
    client.close();
    await server.dispose();
  });

  it("releases every connection and file descriptor that expired streams held", async () => {
    if (!existsSync("/proc/self/fd")) return; // descriptors are only countable like this on Linux
    const server = await startTestServer({ idleStreamMs: 2_000 });
    await postPipeline(server.url, { baton: null, requests: [exec("CREATE TABLE t (v)"), { type: "close" }] });
    const openStreams = () =>
      Promise.all(
        Array.from({ length: 8 }, () => postPipeline(server.url, { baton: null, requests: [exec("SELECT * FROM t")] })),
      );
    // first let the server start its connection threads (slow on a busy machine), and let them idle
    await Promise.all(
      (await openStreams()).map(({ json }) =>
        postPipeline(server.url, { baton: json.baton, requests: [{ type: "close" }] }),
      ),
    );
    await sleep(2_500);
    const baseline = databaseDescriptors(server.file);

    const opened = await openStreams();
    expect(opened.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(databaseDescriptors(server.file)).toBeGreaterThanOrEqual(baseline + 8);
    expect(server.stats().streams).toBe(8);

    // streams expire after 2 s, then their connections, idle in the pool for 2 s, close
    await eventually(() => databaseDescriptors(server.file) === baseline, 20_000);
    expect(server.stats()).toMatchObject({ streams: 0, connections: 0 });
    await server.dispose();
  }, 60_000);
});

/** Waits until `condition` holds, failing after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${condition}`);
    await sleep(50);
  }
}

describe("batch conditions", () => {
  it("answers PROTOCOL_ERROR for conditions nested too deep, instead of overflowing the stack", async () => {
    const server = await startTestServer();
    const depth = 100_000;
    const nested = `${'{"type":"not","cond":'.repeat(depth)}{"type":"ok","step":0}${"}".repeat(depth)}`;
    const body = `{"baton":null,"requests":[{"type":"batch","batch":{"steps":[{"stmt":{"sql":"SELECT 1"}},{"stmt":{"sql":"SELECT 2"},"condition":${nested}}]}}]}`;
    const { status, json } = await postPipeline(server.url, body);
    expect(status).toBe(200);
    expect(json.results[0]).toMatchObject({ type: "error", error: { code: "PROTOCOL_ERROR" } });
    expect(json.results[0].error.message).toMatch(/nested/);

    const arrays = `${'{"type":"and","conds":['.repeat(depth)}{"type":"ok","step":0}${"]}".repeat(depth)}`;
    const viaArrays = await postPipeline(server.url, body.replace(nested, arrays));
    expect(viaArrays.json.results[0]).toMatchObject({ type: "error", error: { code: "PROTOCOL_ERROR" } });

    // a reasonable depth still works
    const fine = `${'{"type":"not","cond":'.repeat(20)}{"type":"ok","step":0}${"}".repeat(20)}`;
    const ok = await postPipeline(server.url, body.replace(nested, fine));
    expect(ok.json.results[0].type).toBe("ok");
    await server.dispose();
  });
});

describe("statements after a rollback inside a transaction", () => {
  let server: TestServer;
  let client: Client;
  beforeAll(async () => {
    server = await startTestServer();
    client = createClient({ url: server.url });
    await client.execute("CREATE TABLE r (v INTEGER PRIMARY KEY)");
  });
  afterAll(async () => {
    client?.close();
    await server?.dispose();
  });

  const count = async () => Number((await client.execute("SELECT count(*) AS n FROM r")).rows[0]!.n);

  it("fail a batch with TRANSACTION_CLOSED after a ROLLBACK step, committing nothing", async () => {
    await expectLibsqlError(
      client.batch(["INSERT INTO r VALUES (1), (2), (3)", "ROLLBACK", "INSERT INTO r VALUES (4), (5)"], "write"),
      "TRANSACTION_CLOSED",
    );
    expect(await count()).toBe(0);
  });

  it("fail in an interactive transaction after ROLLBACK", async () => {
    const tx = await client.transaction("write");
    await tx.execute("INSERT INTO r VALUES (1)");
    await tx.execute("ROLLBACK");
    await expectLibsqlError(tx.execute("INSERT INTO r VALUES (2)"), "TRANSACTION_CLOSED");
    await expectLibsqlError(tx.execute("SELECT count(*) FROM r"), "TRANSACTION_CLOSED");
    tx.close();
    expect(await count()).toBe(0);
  });

  it("fail after INSERT OR ROLLBACK rolled the transaction back", async () => {
    await client.execute("INSERT INTO r VALUES (10)");
    const tx = await client.transaction("write");
    await tx.execute("INSERT INTO r VALUES (11)");
    await expectLibsqlError(tx.execute("INSERT OR ROLLBACK INTO r VALUES (10)"), "SQLITE_CONSTRAINT");
    await expectLibsqlError(tx.execute("INSERT INTO r VALUES (12)"), "TRANSACTION_CLOSED");
    tx.close();
    const rs = await client.execute("SELECT v FROM r ORDER BY v");
    expect(rs.rows.map((r) => r.v)).toEqual([10]);
    await client.execute("DELETE FROM r");
  });

  it("still allow a new transaction on the stream, and leave committed batches alone", async () => {
    const { json } = await postPipeline(server.url, {
      baton: null,
      requests: [
        exec("BEGIN"),
        exec("INSERT INTO r VALUES (20)"),
        exec("ROLLBACK"),
        exec("INSERT INTO r VALUES (21)"),
        exec("BEGIN"),
        exec("INSERT INTO r VALUES (22)"),
        exec("COMMIT"),
        exec("INSERT INTO r VALUES (23)"),
        { type: "close" },
      ],
    });
    expect(json.results.map((r: { type: string }) => r.type)).toEqual([
      "ok",
      "ok",
      "ok",
      "error",
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
    expect(json.results[3].error.code).toBe("TRANSACTION_CLOSED");
    const rs = await client.execute("SELECT v FROM r ORDER BY v");
    expect(rs.rows.map((r) => r.v)).toEqual([22, 23]);
  });
});
