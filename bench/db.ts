// Throughput of the local libSQL server (db/local-server) against node:sqlite used directly.
//   node bench/db.ts
// Starts the server as a child process (as in development, where the Worker is another process)
// on a temporary file, talks to it with the real @libsql/client over HTTP — one request at a time,
// then 8 in flight — and runs the same statements on node:sqlite in this process. Each measurement
// is bounded in time, so the whole run takes about 20 s. Everything temporary is removed at the end.

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@libsql/client";

const SERVER_RUN_MS = 2_500;
const DIRECT_RUN_MS = 1_000;
const MAX_OPS = 200_000;
const PRELOAD_ROWS = 10_000;
const CONCURRENCY = 8;

const SCHEMA = [
  "CREATE TABLE bench_kv (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT NOT NULL)",
  "CREATE TABLE bench_ins (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT NOT NULL)",
];
const SELECT_SQL = "SELECT k, v FROM bench_kv WHERE id = ?";
const INSERT_SQL = "INSERT INTO bench_ins (k, v) VALUES (?, ?)";
const value = "x".repeat(64);

interface Measurement {
  ops: number;
  seconds: number;
  latenciesMs: number[];
}

const randomId = () => 1 + Math.floor(Math.random() * PRELOAD_ROWS);

async function measure(runMs: number, workers: number, op: (i: number) => unknown): Promise<Measurement> {
  const latenciesMs: number[] = [];
  let ops = 0;
  const start = performance.now();
  const deadline = start + runMs;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline && ops < MAX_OPS) {
        const i = ops++;
        const t0 = performance.now();
        await op(i);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { ops, seconds: (performance.now() - start) / 1000, latenciesMs };
}

function measureSync(runMs: number, op: (i: number) => unknown): Measurement {
  const latenciesMs: number[] = [];
  let ops = 0;
  const start = performance.now();
  const deadline = start + runMs;
  while (ops < MAX_OPS) {
    const t0 = performance.now();
    op(ops++);
    const t1 = performance.now();
    latenciesMs.push(t1 - t0);
    if (t1 >= deadline) break;
  }
  return { ops, seconds: (performance.now() - start) / 1000, latenciesMs };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const benchToken = randomBytes(24).toString("base64url");

async function startServerProcess(file: string): Promise<{ url: string; child: ChildProcess }> {
  const main = fileURLToPath(new URL("../db/local-server/main.ts", import.meta.url));
  const child = spawn(process.execPath, [main, "--port", "0", "--file", file], {
    stdio: ["ignore", "pipe", "inherit"],
    // A bearer token as in production (Turso), and so .dev.vars' token is not picked up.
    env: { ...process.env, LOCAL_DB_AUTH_TOKEN: benchToken },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`The server did not start: ${output}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited with code ${code}: ${output}`));
    });
  });
  return { url, child };
}

function stopServerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function prepareServer(client: Client): Promise<void> {
  await client.batch(SCHEMA, "write");
  const rows = Array.from({ length: PRELOAD_ROWS }, (_, i) => ({
    sql: "INSERT INTO bench_kv (id, k, v) VALUES (?, ?, ?)",
    args: [i + 1, `key-${i + 1}`, value],
  }));
  for (let i = 0; i < rows.length; i += 1_000) await client.batch(rows.slice(i, i + 1_000), "write");
}

function prepareDirect(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  for (const sql of SCHEMA) db.exec(sql);
  const insert = db.prepare("INSERT INTO bench_kv (id, k, v) VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let i = 1; i <= PRELOAD_ROWS; i++) insert.run(i, `key-${i}`, value);
  db.exec("COMMIT");
  return db;
}

interface Row {
  operation: string;
  path: string;
  m: Measurement;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(rows: Row[]): void {
  const header = ["operation", "path", "ops", "ops/s", "median ms", "p99 ms"];
  const body = rows.map(({ operation, path, m }) => {
    const sorted = [...m.latenciesMs].sort((a, b) => a - b);
    return [
      operation,
      path,
      fmt(m.ops),
      fmt(m.ops / m.seconds),
      fmt(percentile(sorted, 0.5), 3),
      fmt(percentile(sorted, 0.99), 3),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of body) console.log(line(r));
}

const dir = mkdtempSync(join(tmpdir(), "alva-bench-db-"));
let child: ChildProcess | undefined;
let client: Client | undefined;
let direct: DatabaseSync | undefined;
try {
  const sqliteVersion = (new DatabaseSync(":memory:").prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  console.log(
    `Local libSQL server vs node:sqlite — Node ${process.version}, SQLite ${sqliteVersion}, WAL, synchronous=NORMAL`,
  );
  console.log(
    `${PRELOAD_ROWS} preloaded rows; server runs ${SERVER_RUN_MS} ms each, direct runs ${DIRECT_RUN_MS} ms each\n`,
  );

  const server = await startServerProcess(join(dir, "server.db"));
  child = server.child;
  client = createClient({ url: server.url, authToken: benchToken });
  await prepareServer(client);
  direct = prepareDirect(join(dir, "direct.db"));

  const c = client;
  const d = direct;
  const select = d.prepare(SELECT_SQL);
  const insert = d.prepare(INSERT_SQL);
  // warm up both paths (JIT, statement caches, keep-alive connections)
  await measure(300, CONCURRENCY, () => c.execute({ sql: SELECT_SQL, args: [randomId()] }));
  measureSync(100, () => select.get(randomId()));

  const rows: Row[] = [];
  rows.push({
    operation: "point select",
    path: "node:sqlite direct",
    m: measureSync(DIRECT_RUN_MS, () => select.get(randomId())),
  });
  rows.push({
    operation: "point select",
    path: "server, sequential",
    m: await measure(SERVER_RUN_MS, 1, () => c.execute({ sql: SELECT_SQL, args: [randomId()] })),
  });
  rows.push({
    operation: "point select",
    path: `server, concurrency ${CONCURRENCY}`,
    m: await measure(SERVER_RUN_MS, CONCURRENCY, () => c.execute({ sql: SELECT_SQL, args: [randomId()] })),
  });
  rows.push({
    operation: "insert",
    path: "node:sqlite direct",
    m: measureSync(DIRECT_RUN_MS, (i) => insert.run(`direct-${i}`, value)),
  });
  rows.push({
    operation: "insert",
    path: "server, sequential",
    m: await measure(SERVER_RUN_MS, 1, (i) => c.execute({ sql: INSERT_SQL, args: [`seq-${i}`, value] })),
  });
  rows.push({
    operation: "insert",
    path: `server, concurrency ${CONCURRENCY}`,
    m: await measure(SERVER_RUN_MS, CONCURRENCY, (i) => c.execute({ sql: INSERT_SQL, args: [`conc-${i}`, value] })),
  });

  printTable(rows);

  const rate = (r: Row) => r.m.ops / r.m.seconds;
  console.log("\nRatio (node:sqlite direct ops/s ÷ server ops/s):");
  for (const operation of ["point select", "insert"]) {
    const [base, seq, conc] = rows.filter((r) => r.operation === operation);
    console.log(
      `  ${operation.padEnd(12)}  sequential ${fmt(rate(base!) / rate(seq!), 1)}×   concurrency ${CONCURRENCY} ${fmt(rate(base!) / rate(conc!), 1)}×`,
    );
  }
  const check = await c.execute("SELECT count(*) AS n FROM bench_ins");
  const expected = rows
    .filter((r) => r.operation === "insert" && r.path.startsWith("server"))
    .reduce((n, r) => n + r.m.ops, 0);
  if (Number(check.rows[0]!.n) !== expected)
    throw new Error(`Expected ${expected} inserted rows on the server, found ${check.rows[0]!.n}`);
} finally {
  client?.close();
  direct?.close();
  if (child) await stopServerProcess(child);
  rmSync(dir, { recursive: true, force: true });
}
