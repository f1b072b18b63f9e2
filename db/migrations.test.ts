// Migrations that cannot break a running instance (docs/decisions/0111-expand-deploy-contract.md).
// A deploy applies the new migrations while the previous release still serves requests, and a Worker
// version can keep running for a while afterwards. So this test takes a database at the previous
// release's schema (every migration but the newest), fills every table with representative rows, then
// applies the newest migration exactly as `npm run db:migrate` does and checks that:
//   - every row and every value survived;
//   - no column the previous release reads or writes is gone (a column may be dropped only when it is
//     listed in CONTRACTED below, one release after no code reads it);
//   - the previous release can still insert a row knowing only its own columns (a new NOT NULL column
//     needs a default);
//   - the new code can read every table: drizzle selects every column of every table in db/schema.ts.
// Nothing here names a table: it reads the schema from the database, so it holds for every migration.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type InValue } from "@libsql/client";
import { getTableName, is } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./local-server/fixtures/harness.ts";
import { migrateDatabase, migrationsFolder } from "./migrate.ts";
import * as schema from "./schema.ts";

/** Columns a migration may drop (table → columns): only one release after no code reads them. */
const CONTRACTED: Record<string, string[]> = {};

const ROWS_PER_TABLE = 3;

interface Column {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}
interface ForeignKey {
  id: number;
  table: string;
  from: string;
  to: string | null;
}
type Row = Record<string, InValue>;

const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};
const newest = journal.entries.at(-1)!.tag;

const schemaTables: SQLiteTable[] = (Object.values(schema) as unknown[]).filter((value) =>
  is(value, SQLiteTable),
) as SQLiteTable[];
const schemaColumns = new Map(
  schemaTables.map((table) => {
    const config = getTableConfig(table);
    return [config.name, new Map(config.columns.map((column) => [column.name, column]))];
  }),
);

let server: TestServer;
let client: Client;
let scratch: string;
const before = new Map<string, Row[]>();
const previousColumns = new Map<string, Column[]>();

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url });
  // migrations/ less the newest entry of its journal: the previous release's schema.
  scratch = mkdtempSync(join(tmpdir(), "alva-previous-migrations-"));
  cpSync(migrationsFolder, scratch, { recursive: true });
  writeFileSync(
    join(scratch, "meta/_journal.json"),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }),
  );
  await migrate(drizzle(client), { migrationsFolder: scratch });

  for (const table of await insertionOrder()) {
    const columns = await tableColumns(table);
    previousColumns.set(table, columns);
    await insertRows(table, columns, ROWS_PER_TABLE, 0);
    before.set(table, await allRows(table));
  }

  await migrateDatabase({ url: server.url });
});

afterAll(async () => {
  client?.close();
  await server?.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe(`the newest migration (${newest}) on a database at the previous release's schema`, () => {
  it("had representative rows in every table to migrate", () => {
    expect(before.size).toBeGreaterThan(0);
    for (const [table, rows] of before) expect(rows.length, table).toBeGreaterThan(0);
  });

  it("keeps every row and every value", async () => {
    for (const [table, rows] of before) {
      const after = await allRows(table);
      const kept = (CONTRACTED[table] ?? []).length ? rows.map((row) => omit(row, CONTRACTED[table]!)) : rows;
      expect(
        after.map((row) => pick(row, Object.keys(kept[0] ?? {}))),
        table,
      ).toEqual(kept);
    }
  });

  it("drops no column the previous release uses (expand now, contract a release later)", async () => {
    for (const [table, columns] of previousColumns) {
      const now = new Set((await tableColumns(table)).map((column) => column.name));
      const dropped = columns.map((column) => column.name).filter((name) => !now.has(name));
      expect(
        dropped.filter((name) => !CONTRACTED[table]?.includes(name)),
        `${table}: dropped columns`,
      ).toEqual([]);
    }
  });

  it("lets the previous release insert rows knowing only its own columns", async () => {
    for (const [table, columns] of previousColumns) {
      const usable = columns.filter((column) => !CONTRACTED[table]?.includes(column.name));
      const inserted = await insertRows(table, usable, 1, ROWS_PER_TABLE);
      // A singleton table (the instance row) refuses a second row by design; every other table takes it.
      if (inserted === 0) expect(before.get(table)?.length, `${table} refused an old-style insert`).toBe(1);
    }
  });

  it("serves the new code: drizzle reads every column of every table in db/schema.ts", async () => {
    const db = drizzle(client, { schema });
    for (const table of schemaTables) {
      const rows = await db.select().from(table);
      const name = getTableName(table);
      expect(rows.length, name).toBeGreaterThanOrEqual(before.get(name)?.length ?? 0);
    }
  });
});

async function tableColumns(table: string): Promise<Column[]> {
  const result = await client.execute(`PRAGMA table_info(\`${table}\`)`);
  return result.rows as unknown as Column[];
}

async function foreignKeys(table: string): Promise<ForeignKey[]> {
  const result = await client.execute(`PRAGMA foreign_key_list(\`${table}\`)`);
  return result.rows as unknown as ForeignKey[];
}

async function allRows(table: string): Promise<Row[]> {
  const result = await client.execute(`SELECT * FROM \`${table}\` ORDER BY rowid`);
  return result.rows.map((row) => ({ ...row }) as Row);
}

/** The app's tables, each after the tables its foreign keys point to. */
async function insertionOrder(): Promise<string[]> {
  const result = await client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'",
  );
  const pending = new Map<string, Set<string>>();
  for (const { name } of result.rows as unknown as { name: string }[]) {
    const targets = (await foreignKeys(name)).map((key) => key.table).filter((target) => target !== name);
    pending.set(name, new Set(targets));
  }
  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, targets]) => [...targets].every((target) => order.includes(target)));
    if (ready.length === 0) throw new Error(`foreign keys form a cycle: ${[...pending.keys()].join(", ")}`);
    for (const [name] of ready.sort()) {
      order.push(name);
      pending.delete(name);
    }
  }
  return order;
}

/** Inserts `count` rows (numbered from `first`) with a value in every given column; returns how many went in. */
async function insertRows(table: string, columns: Column[], count: number, first: number): Promise<number> {
  const keys = await foreignKeys(table);
  let inserted = 0;
  for (let i = first; i < first + count; i++) {
    const row: Row = {};
    for (const column of columns) row[column.name] = await valueFor(table, column, keys, i);
    const names = Object.keys(row);
    try {
      await client.execute({
        sql: `INSERT INTO \`${table}\` (${names.map((name) => `\`${name}\``).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
        args: names.map((name) => row[name]!),
      });
      inserted++;
    } catch (error) {
      // Only a CHECK may refuse a row (the singleton instance table); anything else is a broken fixture.
      if (!String((error as Error).message).includes("CHECK constraint failed")) throw error;
    }
  }
  return inserted;
}

/** A value the app could have written: the schema's type for the column where it knows it, else SQLite's. */
async function valueFor(table: string, column: Column, keys: ForeignKey[], i: number): Promise<InValue> {
  const key = keys.find((candidate) => candidate.from === column.name);
  if (key) {
    if (key.table === table) return null; // a row pointing at its own table: the first has nothing to point at
    const targets = await allRows(key.table);
    const target = targets[i % targets.length];
    if (!target) throw new Error(`${table}.${column.name}: ${key.table} has no rows to point at`);
    return target[key.to ?? "rowid"] ?? null;
  }
  const known = schemaColumns.get(table)?.get(column.name);
  if (known?.enumValues?.length) return known.enumValues[i % known.enumValues.length]!;
  const kind = known?.columnType ?? "";
  if (/Timestamp/.test(kind)) return 1_795_000_000_000 + i * 1000;
  if (/Boolean/.test(kind)) return i % 2;
  if (/Json/.test(kind)) return JSON.stringify({ row: i });
  const type = column.type.toUpperCase();
  if (type.includes("INT")) return i + 1;
  if (type.includes("REAL") || type.includes("FLOA") || type.includes("DOUB")) return i + 0.5;
  if (type.includes("BLOB")) return new Uint8Array([i, 1, 2, 3]);
  return `${table}.${column.name}.${i}`;
}

function pick(row: Row, names: string[]): Row {
  return Object.fromEntries(names.map((name) => [name, row[name] ?? null]));
}

function omit(row: Row, names: string[]): Row {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !names.includes(name)));
}
