// The local server driven by the real @libsql/client (HTTP) and drizzle-orm/libsql.

import { existsSync } from "node:fs";
import { type Client, createClient, LibsqlBatchError, type LibsqlError } from "@libsql/client";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectLibsqlError, migrationsFolder, startTestServer, type TestServer } from "./fixtures/harness.ts";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url });
  await client.executeMultiple(`
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER, price REAL, data BLOB);
    CREATE TABLE untyped (v);
    CREATE TABLE parents (id INTEGER PRIMARY KEY);
    CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents(id));
  `);
});

afterAll(async () => {
  client?.close();
  await server?.dispose();
});

describe("server start", () => {
  it("creates the database file's parent directory", () => {
    expect(existsSync(server.file)).toBe(true);
  });
});

describe("execute", () => {
  it("binds positional arguments (? and ?NNN)", async () => {
    const rs = await client.execute({ sql: "SELECT ? AS a, ? AS b, ?2 || ?1 AS c", args: ["x", "y"] });
    expect(rs.columns).toEqual(["a", "b", "c"]);
    expect(rs.rows[0]).toMatchObject({ a: "x", b: "y", c: "yx" });
  });

  it("binds named arguments with :, @ and $, given with or without the prefix", async () => {
    const rs = await client.execute({
      sql: "SELECT :a AS a, @b AS b, $c AS c, :a || @b AS ab",
      args: { a: "A", "@b": "B", $c: 3 },
    });
    expect(rs.rows[0]).toMatchObject({ a: "A", b: "B", c: 3, ab: "AB" });
  });

  it("reports rowsAffected and lastInsertRowid", async () => {
    const insert = await client.execute({
      sql: "INSERT INTO items (name, qty) VALUES (?, ?), (?, ?)",
      args: ["r1", 1, "r2", 2],
    });
    expect(insert.rowsAffected).toBe(2);
    expect(typeof insert.lastInsertRowid).toBe("bigint");
    const last = await client.execute("SELECT max(id) AS id FROM items");
    expect(insert.lastInsertRowid).toBe(BigInt(last.rows[0]!.id as number));

    const update = await client.execute({
      sql: "UPDATE items SET qty = qty + 1 WHERE name IN (?, ?)",
      args: ["r1", "r2"],
    });
    expect(update.rowsAffected).toBe(2);
    expect(update.lastInsertRowid).toBeUndefined();

    const select = await client.execute("SELECT * FROM items");
    expect(select.rowsAffected).toBe(0);

    const ddl = await client.execute("CREATE TABLE IF NOT EXISTS scratch (x)");
    expect(ddl.rowsAffected).toBe(0);

    const del = await client.execute({ sql: "DELETE FROM items WHERE name = ?", args: ["r1"] });
    expect(del.rowsAffected).toBe(1);

    const returning = await client.execute({
      sql: "INSERT INTO items (name) VALUES (?) RETURNING id, name",
      args: ["r3"],
    });
    expect(returning.rows[0]).toMatchObject({ name: "r3" });
    expect(returning.rowsAffected).toBe(1);
    expect(returning.lastInsertRowid).toBe(BigInt(returning.rows[0]!.id as number));
  });

  it("reports column names and declared types", async () => {
    const rs = await client.execute("SELECT id, name, price, 1 + 1 AS two FROM items LIMIT 1");
    expect(rs.columns).toEqual(["id", "name", "price", "two"]);
    expect(rs.columnTypes).toEqual(["INTEGER", "TEXT", "REAL", ""]);
  });

  it("rejects argument count mismatches with ARGS_INVALID", async () => {
    await expectLibsqlError(client.execute({ sql: "SELECT ?, ?", args: [1] }), "ARGS_INVALID");
    await expectLibsqlError(client.execute({ sql: "SELECT ?", args: [1, 2] }), "ARGS_INVALID");
    await expectLibsqlError(client.execute({ sql: "SELECT :a", args: { b: 1 } }), "ARGS_INVALID");
    await expectLibsqlError(client.execute("SELECT ?"), "ARGS_INVALID");
  });

  it("rejects several statements in one execute with SQL_MANY_STATEMENTS", async () => {
    await expectLibsqlError(client.execute("SELECT 1; SELECT 2"), "SQL_MANY_STATEMENTS");
    // …but a trailing semicolon or comment is still one statement
    const rs = await client.execute("SELECT 'a;b' AS s; -- done");
    expect(rs.rows[0]!.s).toBe("a;b");
    await expectLibsqlError(client.execute("  -- nothing\n"), "SQL_NO_STATEMENT");
  });

  it("surfaces SQL errors with SQLite's primary code", async () => {
    const syntax = await expectLibsqlError(client.execute("SELEC 1"), "SQLITE_ERROR");
    expect(syntax.message).toMatch(/syntax error/);
    await expectLibsqlError(client.execute("SELECT * FROM no_such_table"), "SQLITE_ERROR");
  });
});

describe("errors", () => {
  it("reports a UNIQUE violation as SQLITE_CONSTRAINT", async () => {
    await client.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["unique-1"] });
    const error = await expectLibsqlError(
      client.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["unique-1"] }),
      "SQLITE_CONSTRAINT",
    );
    expect(error.message).toContain("UNIQUE constraint failed: items.name");
  });

  it("enforces foreign keys by default, and PRAGMA foreign_keys applies to the stream's own connection", async () => {
    await expectLibsqlError(
      client.execute("INSERT INTO children (id, parent_id) VALUES (1, 999)"),
      "SQLITE_CONSTRAINT",
    );
    // migrate() sends PRAGMA foreign_keys=off on its stream's own connection: the orphan gets in…
    await client.migrate([{ sql: "INSERT INTO children (id, parent_id) VALUES (2, 999)", args: [] }]);
    const rs = await client.execute("SELECT count(*) AS n FROM children WHERE id = 2");
    expect(rs.rows[0]!.n).toBe(1);
    // …and the next streams (reusing that connection or not) have foreign keys on again.
    for (let i = 0; i < 5; i++) {
      await expectLibsqlError(
        client.execute({ sql: "INSERT INTO children (id, parent_id) VALUES (?, 999)", args: [10 + i] }),
        "SQLITE_CONSTRAINT",
      );
    }
  });

  it("reports NOT NULL violations as SQLITE_CONSTRAINT in batches too", async () => {
    const error = await client
      .batch(["INSERT INTO items (name) VALUES ('nn-ok')", "INSERT INTO items (name) VALUES (NULL)"], "write")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlBatchError);
    expect((error as LibsqlBatchError).code).toBe("SQLITE_CONSTRAINT");
    expect((error as LibsqlBatchError).statementIndex).toBe(1);
  });
});

describe("values", () => {
  it("round-trips integers beyond 2^53 exactly with intMode bigint", async () => {
    const big = createClient({ url: server.url, intMode: "bigint" });
    try {
      const values = [
        2n ** 53n + 1n,
        2n ** 62n + 12345n,
        9223372036854775807n,
        -9223372036854775808n,
        -(2n ** 60n) - 7n,
      ];
      for (const value of values) {
        const insert = await big.execute({
          sql: "INSERT INTO items (name, qty) VALUES (?, ?)",
          args: [`big-${value}`, value],
        });
        const rs = await big.execute({
          sql: "SELECT qty, typeof(qty) AS t, ? AS echoed FROM items WHERE id = ?",
          args: [value, insert.lastInsertRowid!],
        });
        expect(rs.rows[0]!.qty).toBe(value);
        expect(rs.rows[0]!.echoed).toBe(value);
        expect(rs.rows[0]!.t).toBe("integer");
      }
      const asString = createClient({ url: server.url, intMode: "string" });
      const rs = await asString.execute("SELECT 9007199254740993 AS n");
      expect(rs.rows[0]!.n).toBe("9007199254740993");
      asString.close();
    } finally {
      big.close();
    }
  });

  it("refuses to turn an unsafe integer into a JS number (default intMode)", async () => {
    await expect(client.execute("SELECT 9007199254740993 AS n")).rejects.toThrow(RangeError);
  });

  it("stores JS numbers: integral ones as INTEGER in INTEGER columns, others as REAL", async () => {
    const rs = await client.execute({
      sql: "INSERT INTO items (name, qty, price) VALUES (?, ?, ?) RETURNING qty, typeof(qty) AS tq, price, typeof(price) AS tp",
      args: ["num", 42, 1.5],
    });
    expect(rs.rows[0]).toMatchObject({ qty: 42, tq: "integer", price: 1.5, tp: "real" });
    const untyped = await client.execute({
      sql: "INSERT INTO untyped (v) VALUES (?) RETURNING v, typeof(v) AS t",
      args: [3],
    });
    expect(untyped.rows[0]).toMatchObject({ v: 3, t: "real" });
    const bools = await client.execute({ sql: "SELECT ? AS t, ? AS f, typeof(?) AS ty", args: [true, false, true] });
    expect(bools.rows[0]).toMatchObject({ t: 1, f: 0, ty: "integer" });
    const nulls = await client.execute({ sql: "SELECT ? AS n, typeof(?) AS t", args: [null, null] });
    expect(nulls.rows[0]).toMatchObject({ n: null, t: "null" });
  });

  it("round-trips text, including non-ASCII and quotes", async () => {
    const value = "héllo 'wörld' \"😀\" \n\t ; -- not a comment";
    const rs = await client.execute({ sql: "SELECT ? AS s, length(?) AS n", args: [value, value] });
    expect(rs.rows[0]!.s).toBe(value);
  });

  it("round-trips blobs given as Uint8Array or ArrayBuffer, of every base64 padding length", async () => {
    for (let length = 0; length <= 7; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length * 11) & 0xff);
      for (const arg of [bytes, bytes.slice().buffer]) {
        const rs = await client.execute({
          sql: "SELECT ? AS b, typeof(?) AS t, length(?) AS n",
          args: [arg, arg, arg],
        });
        const row = rs.rows[0]!;
        expect(row.t).toBe("blob");
        expect(row.n).toBe(length);
        expect(row.b).toBeInstanceOf(ArrayBuffer);
        expect(new Uint8Array(row.b as ArrayBuffer)).toEqual(bytes);
      }
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await client.execute({ sql: "INSERT INTO items (name, data) VALUES (?, ?)", args: ["blob-all", all] });
    const rs = await client.execute({ sql: "SELECT data FROM items WHERE name = ?", args: ["blob-all"] });
    expect(new Uint8Array(rs.rows[0]!.data as ArrayBuffer)).toEqual(all);
  });
});

describe("batch", () => {
  it.each(["write", "deferred"] as const)("runs a %s batch atomically and returns every result", async (mode) => {
    const results = await client.batch(
      [
        { sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: [`batch-${mode}-1`, 1] },
        { sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: [`batch-${mode}-2`, 2] },
        { sql: "SELECT count(*) AS n FROM items WHERE name LIKE ?", args: [`batch-${mode}-%`] },
      ],
      mode,
    );
    expect(results).toHaveLength(3);
    expect(results[0]!.rowsAffected).toBe(1);
    expect(results[2]!.rows[0]!.n).toBe(2);
  });

  it.each(["write", "deferred"] as const)("rolls a %s batch back entirely when a statement fails", async (mode) => {
    const error = await client
      .batch(
        [
          { sql: "INSERT INTO items (name) VALUES (?)", args: [`rollback-${mode}`] },
          { sql: "UPDATE items SET qty = 1000 WHERE name = 'r2'", args: [] },
          { sql: "INSERT INTO items (name) VALUES (?)", args: [`rollback-${mode}`] },
        ],
        mode,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlBatchError);
    expect((error as LibsqlBatchError).code).toBe("SQLITE_CONSTRAINT");
    expect((error as LibsqlBatchError).statementIndex).toBe(2);
    const rs = await client.execute({
      sql: "SELECT count(*) AS n FROM items WHERE name = ? OR qty = 1000",
      args: [`rollback-${mode}`],
    });
    expect(rs.rows[0]!.n).toBe(0);
  });

  it("runs a read batch, refuses writes in it, and leaves later streams writable", async () => {
    const results = await client.batch(["SELECT count(*) AS n FROM items", "SELECT 1 AS one"], "read");
    expect(results[1]!.rows[0]!.one).toBe(1);

    const error = await client
      .batch(["SELECT 1", "INSERT INTO items (name) VALUES ('in-read-batch')"], "read")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlBatchError);
    expect((error as LibsqlBatchError).code).toBe("SQLITE_READONLY");
    // query_only must not leak into the next stream that reuses the connection
    for (let i = 0; i < 20; i++)
      await client.execute({ sql: "INSERT INTO untyped (v) VALUES (?)", args: [`after-read-${i}`] });
    const rs = await client.execute("SELECT count(*) AS n FROM items WHERE name = 'in-read-batch'");
    expect(rs.rows[0]!.n).toBe(0);
  });

  it("reuses stored SQL for repeated statements (SQL cache) in a large batch", async () => {
    const stmts = Array.from({ length: 120 }, (_, i) => ({
      sql: `INSERT INTO untyped (v) VALUES (? + ${i % 40})`,
      args: [i],
    }));
    const results = await client.batch(stmts, "write");
    expect(results).toHaveLength(120);
    expect(results.every((r) => r.rowsAffected === 1)).toBe(true);
  });
});

describe("interactive transactions", () => {
  it("commits a write transaction", async () => {
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["tx-commit", 1] });
    const inside = await tx.execute({ sql: "SELECT qty FROM items WHERE name = ?", args: ["tx-commit"] });
    expect(inside.rows[0]!.qty).toBe(1);
    await tx.batch([
      { sql: "UPDATE items SET qty = qty + 1 WHERE name = ?", args: ["tx-commit"] },
      { sql: "UPDATE items SET qty = qty * 10 WHERE name = ?", args: ["tx-commit"] },
    ]);
    await tx.executeMultiple(
      "UPDATE items SET qty = qty + 1 WHERE name = 'tx-commit'; UPDATE items SET qty = qty + 1 WHERE name = 'tx-commit';",
    );
    await tx.commit();
    expect(tx.closed).toBe(true);
    const rs = await client.execute({ sql: "SELECT qty FROM items WHERE name = ?", args: ["tx-commit"] });
    expect(rs.rows[0]!.qty).toBe(22);
  });

  it("rolls back a write transaction", async () => {
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["tx-rollback"] });
    await tx.rollback();
    const rs = await client.execute({ sql: "SELECT count(*) AS n FROM items WHERE name = ?", args: ["tx-rollback"] });
    expect(rs.rows[0]!.n).toBe(0);
  });

  it("keeps a transaction usable after a failing statement, and its error code", async () => {
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["tx-partial"] });
    const error = await tx
      .execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["tx-partial"] })
      .catch((e: unknown) => e);
    expect((error as LibsqlError).code).toBe("SQLITE_CONSTRAINT");
    await tx.commit();
    const rs = await client.execute({ sql: "SELECT count(*) AS n FROM items WHERE name = ?", args: ["tx-partial"] });
    expect(rs.rows[0]!.n).toBe(1);
  });

  it("runs read and deferred transactions", async () => {
    const read = await client.transaction("read");
    const rs = await read.execute("SELECT count(*) AS n FROM items");
    expect(typeof rs.rows[0]!.n).toBe("number");
    await expectLibsqlError(read.execute("INSERT INTO items (name) VALUES ('read-tx')"), "SQLITE_READONLY");
    await read.commit();

    const deferred = await client.transaction("deferred");
    await deferred.execute("SELECT 1");
    await deferred.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["deferred-tx"] });
    await deferred.commit();
    const check = await client.execute("SELECT count(*) AS n FROM items WHERE name IN ('read-tx', 'deferred-tx')");
    expect(check.rows[0]!.n).toBe(1);
  });
});

describe("executeMultiple", () => {
  it("runs a script, including a CREATE TRIGGER with semicolons inside", async () => {
    await client.executeMultiple(`
      CREATE TABLE audit (item TEXT);
      CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN
        INSERT INTO audit (item) VALUES (NEW.name);
        INSERT INTO audit (item) VALUES (NEW.name || '!');
      END;
      INSERT INTO items (name) VALUES ('audited');
    `);
    const rs = await client.execute("SELECT item FROM audit ORDER BY item");
    expect(rs.rows.map((r) => r.item)).toEqual(["audited", "audited!"]);
    // changes() counts only the direct insert, not the trigger's
    const insert = await client.execute("INSERT INTO items (name) VALUES ('audited-2')");
    expect(insert.rowsAffected).toBe(1);
  });

  it("stops at the first failing statement", async () => {
    await expectLibsqlError(
      client.executeMultiple("INSERT INTO untyped VALUES ('seq-1'); SELEC oops; INSERT INTO untyped VALUES ('seq-2');"),
      "SQLITE_ERROR",
    );
    const rs = await client.execute("SELECT v FROM untyped WHERE v LIKE 'seq-%' ORDER BY v");
    expect(rs.rows.map((r) => r.v)).toEqual(["seq-1"]);
  });
});

describe("drizzle-orm", () => {
  const authors = sqliteTable("authors", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull().unique(),
  });
  const books = sqliteTable("books", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    authorId: integer("author_id").notNull(),
    title: text("title").notNull(),
  });

  it("applies migrations with migrate(), idempotently", async () => {
    const db = drizzle(client);
    await migrate(db, { migrationsFolder });
    await migrate(db, { migrationsFolder });
    const applied = await client.execute("SELECT hash, created_at FROM __drizzle_migrations");
    expect(applied.rows).toHaveLength(1);
    const tables = await client.execute(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index') AND name IN ('authors', 'books', 'authors_name_unique', 'books_title_trimmed') ORDER BY name",
    );
    expect(tables.rows.map((r) => r.name)).toEqual(["authors", "authors_name_unique", "books", "books_title_trimmed"]);
    // migrate() turned foreign keys off for its own stream only
    await expectLibsqlError(
      client.execute("INSERT INTO books (author_id, title) VALUES (12345, 'orphan')"),
      "SQLITE_CONSTRAINT",
    );
  });

  it("queries, transacts and rolls back through drizzle", async () => {
    const db = drizzle(client);
    const [ada] = await db.insert(authors).values({ name: "Ada" }).returning();
    expect(ada!.name).toBe("Ada");
    await db.insert(books).values([
      { authorId: ada!.id, title: "Notes" },
      { authorId: ada!.id, title: "Sketches" },
    ]);
    const found = await db.select().from(books).where(eq(books.authorId, ada!.id)).orderBy(books.title);
    expect(found.map((b) => b.title)).toEqual(["Notes", "Sketches"]);

    await db.transaction(async (tx) => {
      await tx.insert(authors).values({ name: "Grace" });
      await tx.update(books).set({ title: "Notes (2nd ed.)" }).where(eq(books.title, "Notes"));
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(authors).values({ name: "Linus" });
        tx.rollback();
      }),
    ).rejects.toThrow();
    const names = await db.select({ name: authors.name }).from(authors).orderBy(authors.name);
    expect(names.map((a) => a.name)).toEqual(["Ada", "Grace"]);

    const [{ count }] = (await db.select({ count: sql<number>`count(*)` }).from(books)) as [{ count: number }];
    expect(count).toBe(2);

    // the migration's trigger (one statement with semicolons inside) is in force
    const error = await db
      .insert(books)
      .values({ authorId: ada!.id, title: " untrimmed " })
      .catch((e: unknown) => e);
    expect(String((error as Error).message) + String((error as { cause?: Error }).cause?.message)).toContain(
      "title must be trimmed",
    );

    // ON DELETE CASCADE works because foreign keys are on
    await db.delete(authors).where(eq(authors.id, ada!.id));
    const left = await db.select().from(books);
    expect(left).toHaveLength(0);
  });

  it("runs drizzle batches", async () => {
    const db = drizzle(client);
    const [inserted, all] = await db.batch([
      db.insert(authors).values({ name: "Barbara" }).returning(),
      db.select().from(authors),
    ]);
    expect(inserted[0]!.name).toBe("Barbara");
    expect(all.map((a) => a.name)).toContain("Barbara");
  });
});
