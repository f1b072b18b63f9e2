// Statements run on the server's HTTP thread (inline-runner.ts): only those whose work is bounded
// by their text and the schema, never because they happened to be quick before; the same results
// and errors as on a worker; and never a write while another stream holds the write lock.

import { type Client, createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectLibsqlError, sleep, startTestServer, type TestServer } from "./fixtures/harness.ts";
import { planIsBounded } from "./inline-runner.ts";

describe("planIsBounded", () => {
  const uniqueIndexes: Record<string, number> = { users_email: 1, members_org_user: 2 };
  const bounded = (...plan: string[]) => planIsBounded(plan, (index) => uniqueIndexes[index] ?? null);

  it("accepts lookups by rowid and by every column of a unique index, and constant rows", () => {
    expect(bounded()).toBe(true); // INSERT … VALUES
    expect(bounded("SCAN CONSTANT ROW")).toBe(true);
    expect(bounded("SEARCH users USING INTEGER PRIMARY KEY (rowid=?)")).toBe(true);
    expect(bounded("SEARCH users AS u USING INDEX users_email (email=?)")).toBe(true);
    expect(bounded("SEARCH members USING COVERING INDEX members_org_user (org=? AND user=?)")).toBe(true);
    expect(
      bounded(
        "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)",
        "SEARCH p USING INDEX users_email (email=?)", // a join through unique keys
      ),
    ).toBe(true);
  });

  it("refuses scans, ranges, partial keys, indexes that are not unique and subqueries", () => {
    expect(bounded("SCAN users")).toBe(false);
    expect(bounded("SCAN users USING COVERING INDEX users_email")).toBe(false);
    expect(bounded("SEARCH users USING INTEGER PRIMARY KEY (rowid>?)")).toBe(false);
    expect(bounded("SEARCH users USING INDEX users_email (email>? AND email<?)")).toBe(false);
    expect(bounded("SEARCH members USING INDEX members_org_user (org=?)")).toBe(false);
    expect(bounded("SEARCH users USING INDEX users_org (org=?)")).toBe(false);
    expect(bounded("SEARCH p USING INTEGER PRIMARY KEY (rowid=?)", "SCALAR SUBQUERY 1", "SCAN c")).toBe(false);
    expect(bounded("SEARCH users USING INTEGER PRIMARY KEY (rowid=?)", "USE TEMP B-TREE FOR ORDER BY")).toBe(false);
    expect(bounded("SCAN 2-ROW VALUES CLAUSE")).toBe(false);
  });
});

describe("the HTTP thread's statements", () => {
  let server: TestServer;
  let client: Client;
  /** Runs `work` and says how many statements ran on the HTTP thread meanwhile. */
  const inlineDuring = async (work: () => Promise<unknown>): Promise<number> => {
    const before = server.stats().inlineStatements;
    await work();
    return server.stats().inlineStatements - before;
  };

  beforeAll(async () => {
    server = await startTestServer();
    client = createClient({ url: server.url });
    await client.batch(
      [
        "CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id), note TEXT)",
        "CREATE INDEX kids_parent ON kids (parent_id)",
        "INSERT INTO parents (id, name) VALUES (1, 'ada'), (2, 'grace')",
      ],
      "write",
    );
  });
  afterAll(async () => {
    client?.close();
    await server?.dispose();
  });

  it("runs lookups by key and inserts there, with the results a worker gives", async () => {
    expect(
      await inlineDuring(async () => {
        const byId = await client.execute({ sql: "SELECT id, name FROM parents WHERE id = ?", args: [2] });
        expect(byId.rows.map((row) => ({ ...row }))).toEqual([{ id: 2, name: "grace" }]);
        const byName = await client.execute({ sql: "SELECT id FROM parents WHERE name = ?", args: ["ada"] });
        expect(byName.rows[0]!.id).toBe(1);
        const missing = await client.execute({ sql: "SELECT id FROM parents WHERE id = ?", args: [99] });
        expect(missing.rows).toEqual([]);
        const inserted = await client.execute({
          sql: "INSERT INTO kids (parent_id, note) VALUES (?, ?)",
          args: [1, "first"],
        });
        expect(inserted.rowsAffected).toBe(1);
        expect(inserted.lastInsertRowid).toBe(1n);
        const returned = await client.execute({
          sql: "INSERT INTO kids (parent_id, note) VALUES (?, ?) RETURNING id, note",
          args: [2, "second"],
        });
        expect(returned.rows.map((row) => ({ ...row }))).toEqual([{ id: 2, note: "second" }]);
      }),
    ).toBe(5);
  });

  it("fails there with SQLite's error codes, and keeps nothing of a failed insert", async () => {
    expect(
      await inlineDuring(async () => {
        await expectLibsqlError(
          client.execute({ sql: "INSERT INTO kids (parent_id, note) VALUES (?, ?)", args: [42, "orphan"] }),
          "SQLITE_CONSTRAINT",
        );
        await expectLibsqlError(
          client.execute({ sql: "INSERT INTO parents (id, name) VALUES (?, ?)", args: [3, "ada"] }),
          "SQLITE_CONSTRAINT",
        );
      }),
    ).toBe(2);
    const rs = await client.execute("SELECT count(*) AS n FROM kids WHERE note = 'orphan'");
    expect(rs.rows[0]!.n).toBe(0);
  });

  it("leaves to a worker whatever is not bounded by its text and the schema", async () => {
    const notInline = [
      "SELECT count(*) FROM kids", // a function and a scan
      "SELECT id FROM kids WHERE parent_id = 1", // an index that is not unique
      "SELECT id FROM parents WHERE id > 0", // a range
      "SELECT id FROM parents WHERE id = (SELECT parent_id FROM kids WHERE id = 1)", // a subquery
      "SELECT upper(name) FROM parents WHERE id = 1", // a function
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT x FROM c",
      "UPDATE kids SET note = 'changed' WHERE id = 1", // updates and deletes can cascade
      "INSERT INTO kids (parent_id, note) SELECT id, name FROM parents", // a scan
      "PRAGMA table_info(kids)",
    ];
    for (const sql of notInline) {
      expect(await inlineDuring(() => client.execute(sql)), sql).toBe(0);
    }
  });

  it("never lets earlier quick runs decide: a recursive statement stays on a worker whatever its arguments", async () => {
    const sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT max(x) AS m FROM c";
    const patient = await startTestServer({ statementTimeoutMs: 60_000 });
    const slow = createClient({ url: patient.url });
    const other = createClient({ url: patient.url });
    try {
      for (let i = 0; i < 5; i++) expect((await slow.execute({ sql, args: [10] })).rows[0]!.m).toBe(10);
      let settled = false;
      const outcome = slow.execute({ sql, args: [10_000_000] }).finally(() => {
        settled = true;
      });
      await sleep(100);
      const started = performance.now();
      expect((await fetch(`${patient.url}/health`)).status).toBe(200);
      expect((await other.execute("SELECT 7 AS n")).rows[0]!.n).toBe(7);
      expect(performance.now() - started).toBeLessThan(500);
      expect(settled).toBe(false); // answered while the slow run was still going
      expect((await outcome).rows[0]!.m).toBe(10_000_000);
    } finally {
      slow.close();
      other.close();
      await patient.dispose();
    }
  }, 60_000);

  it("notices schema changes: a dropped unique index or a new trigger sends the statement to a worker", async () => {
    const byName = { sql: "SELECT id FROM parents WHERE name = ?", args: ["grace"] };
    expect(await inlineDuring(() => client.execute(byName))).toBe(1);
    await client.batch(
      [
        "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        "CREATE UNIQUE INDEX names_name ON names (name)",
        "INSERT INTO names (name) VALUES ('x')",
      ],
      "write",
    );
    const lookup = { sql: "SELECT id FROM names WHERE name = ?", args: ["x"] };
    expect(await inlineDuring(() => client.execute(lookup))).toBe(1);
    await client.execute("DROP INDEX names_name");
    expect(await inlineDuring(() => client.execute(lookup))).toBe(0);

    const insert = { sql: "INSERT INTO kids (parent_id, note) VALUES (?, ?)", args: [1, "before trigger"] };
    expect(await inlineDuring(() => client.execute(insert))).toBe(1);
    await client.execute(
      "CREATE TRIGGER kids_log AFTER INSERT ON kids BEGIN UPDATE parents SET name = name WHERE id = new.parent_id; END",
    );
    expect(await inlineDuring(() => client.execute({ ...insert, args: [1, "after trigger"] }))).toBe(0);
    await client.execute("DROP TRIGGER kids_log");
  });

  it("does not write there while another stream holds the write lock: the insert waits its turn", async () => {
    const transaction = await client.transaction("write");
    await transaction.execute("INSERT INTO parents (id, name) VALUES (10, 'in transaction')");
    const other = createClient({ url: server.url });
    try {
      let landed = false;
      const before = server.stats().inlineStatements;
      const insert = other
        .execute({ sql: "INSERT INTO parents (id, name) VALUES (?, ?)", args: [11, "waited"] })
        .then(() => {
          landed = true;
        });
      await sleep(200);
      expect(landed).toBe(false);
      await transaction.commit();
      await insert;
      expect(server.stats().inlineStatements).toBe(before);
      const rs = await client.execute("SELECT name FROM parents WHERE id IN (10, 11) ORDER BY id");
      expect(rs.rows.map((row) => row.name)).toEqual(["in transaction", "waited"]);
    } finally {
      transaction.close();
      other.close();
    }
  });

  it("leaves a stream's own connection state alone: statements in a transaction run on its worker", async () => {
    const transaction = await client.transaction("read");
    try {
      expect(
        await inlineDuring(() => transaction.execute({ sql: "SELECT name FROM parents WHERE id = ?", args: [1] })),
      ).toBe(0);
    } finally {
      transaction.close();
    }
  });
});
