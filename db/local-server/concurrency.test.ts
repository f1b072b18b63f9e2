// Streams, the write lock and stream expiry, driven by several real @libsql/client clients.
import { type Client, createClient, LibsqlError } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, startTestServer, type TestServer } from "./fixtures/harness.ts";

let server: TestServer;
const clients: Client[] = [];

function newClient(url = server.url): Client {
  const client = createClient({ url });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestServer({ idleStreamMs: 10_000 });
  await newClient().executeMultiple(`
    CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    INSERT INTO counter VALUES (1, 0), (2, 0);
    CREATE TABLE log (who TEXT, at INTEGER);
  `);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.dispose();
});

/** Resolves to "pending" if `promise` has not settled within `ms`. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([promise, sleep(ms).then(() => "pending" as const)]);
}

describe("concurrent interactive transactions", () => {
  it.each(["write", "deferred"] as const)(
    "serializes %s transactions from several clients; every increment lands",
    async (mode) => {
      const id = mode === "write" ? 1 : 2;
      const workers = 5;
      const rounds = 3;
      const spans: { start: number; end: number }[] = [];
      await Promise.all(
        Array.from({ length: workers }, async () => {
          const client = newClient();
          for (let round = 0; round < rounds; round++) {
            const tx = await client.transaction(mode);
            // read, then write from what was read: lost updates would show in the final count
            const rs = await tx.execute({ sql: "SELECT n FROM counter WHERE id = ?", args: [id] });
            const start = performance.now();
            await sleep(5);
            await tx.execute({
              sql: "UPDATE counter SET n = ? WHERE id = ?",
              args: [(rs.rows[0]!.n as number) + 1, id],
            });
            const end = performance.now();
            await tx.commit();
            spans.push({ start, end });
          }
        }),
      );
      const rs = await newClient().execute({ sql: "SELECT n FROM counter WHERE id = ?", args: [id] });
      expect(rs.rows[0]!.n).toBe(workers * rounds);
      // no two transactions were inside their read-modify-write at the same time
      spans.sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    },
  );

  it("makes an autocommit write wait for another stream's open transaction, while reads go on", async () => {
    const a = newClient();
    const b = newClient();
    const tx = await a.transaction("write");
    await tx.execute("INSERT INTO log VALUES ('tx', 1)");

    const write = b.execute("INSERT INTO log VALUES ('autocommit', 2)");
    expect(await settlesWithin(write, 150)).toBe("pending");

    // reads are not blocked, and do not see the uncommitted row
    const read = await settlesWithin(b.execute("SELECT count(*) AS n FROM log WHERE who = 'tx'"), 1_000);
    expect(read).not.toBe("pending");
    expect((read as Awaited<typeof write>).rows[0]!.n).toBe(0);

    await tx.commit();
    const done = await write;
    expect(done.rowsAffected).toBe(1);
    const rs = await b.execute("SELECT who FROM log ORDER BY at");
    expect(rs.rows.map((r) => r.who)).toEqual(["tx", "autocommit"]);
  });

  it("lets a read transaction keep its snapshot while another stream commits", async () => {
    const reader = newClient();
    const writer = newClient();
    await writer.execute("DELETE FROM log");
    const tx = await reader.transaction("read");
    const before = await tx.execute("SELECT count(*) AS n FROM log");
    await writer.execute("INSERT INTO log VALUES ('w', 3)"); // not blocked by a read transaction
    const during = await tx.execute("SELECT count(*) AS n FROM log");
    expect(during.rows[0]!.n).toBe(before.rows[0]!.n);
    await tx.commit();
    const after = await reader.execute("SELECT count(*) AS n FROM log");
    expect(after.rows[0]!.n).toBe((before.rows[0]!.n as number) + 1);
  });

  it("a batch waits for an open transaction, then runs", async () => {
    const a = newClient();
    const b = newClient();
    const tx = await a.transaction("write");
    await tx.execute("UPDATE counter SET n = 100 WHERE id = 1");
    const batch = b.batch(["UPDATE counter SET n = n + 1 WHERE id = 1", "SELECT n FROM counter WHERE id = 1"], "write");
    expect(await settlesWithin(batch, 150)).toBe("pending");
    await tx.commit();
    const results = await batch;
    expect(results[1]!.rows[0]!.n).toBe(101);
  });
});

describe("abandoned transactions", () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ idleStreamMs: 300 });
    await newClient(short.url).execute("CREATE TABLE t (v TEXT)");
  });
  afterAll(async () => {
    await short?.dispose();
  });

  it("expire after idleStreamMs: their writes roll back, the lock is released, the stale stream errors", async () => {
    const abandoner = newClient(short.url);
    const other = newClient(short.url);
    const tx = await abandoner.transaction("write");
    await tx.execute("INSERT INTO t VALUES ('abandoned')");

    const started = performance.now();
    const write = other.execute("INSERT INTO t VALUES ('waited')");
    expect(await settlesWithin(write, 100)).toBe("pending");
    await write; // goes through once the abandoned stream expires
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(3_000);

    const rs = await other.execute("SELECT v FROM t ORDER BY v");
    expect(rs.rows.map((r) => r.v)).toEqual(["waited"]);

    const error = await tx.execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlError);
    expect((error as LibsqlError).code).toBe("STREAM_EXPIRED");
    expect(tx.closed).toBe(true);
    expect(short.logs.some((line) => line.includes("rolled back"))).toBe(true);

    // and everything still works afterwards
    const again = await abandoner.transaction("write");
    await again.execute("INSERT INTO t VALUES ('later')");
    await again.commit();
    const final = await other.execute("SELECT count(*) AS n FROM t");
    expect(final.rows[0]!.n).toBe(2);
  });

  it("an idle stream without a transaction just expires", async () => {
    const client = newClient(short.url);
    const tx = await client.transaction("read");
    await tx.execute("SELECT 1");
    await sleep(600);
    const error = await tx.execute("SELECT 1").catch((e: unknown) => e);
    expect((error as LibsqlError).code).toBe("STREAM_EXPIRED");
  });
});

describe("closing the server", () => {
  it("rolls back open transactions and fails waiting statements instead of hanging", async () => {
    const doomed = await startTestServer();
    const a = newClient(doomed.url);
    const b = newClient(doomed.url);
    await a.execute("CREATE TABLE t (v TEXT)");
    const tx = await a.transaction("write");
    await tx.execute("INSERT INTO t VALUES ('uncommitted')");
    const waiting = b.execute("INSERT INTO t VALUES ('waiting')").then(
      () => "resolved",
      () => "rejected",
    );
    await sleep(50);
    await doomed.close();
    expect(await waiting).toBe("rejected");

    // reopen the same file: the uncommitted row is gone
    const { startLocalDbServer } = await import("./server.ts");
    const reopened = await startLocalDbServer({ file: doomed.file, port: 0 });
    const c = newClient(reopened.url);
    const rs = await c.execute("SELECT count(*) AS n FROM t");
    expect(rs.rows[0]!.n).toBe(0);
    await reopened.close();
    await doomed.dispose();
  });
});
