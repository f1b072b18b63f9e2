// npm run db:check (after `drizzle-kit check`, which checks the migrations' snapshots agree with each
// other): db/schema.ts and migrations/ agree, i.e. `npm run db:generate` would write nothing. It runs
// drizzle-kit generate into a scratch copy of migrations/ and fails if that copy gained a migration.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";

// drizzle-kit reads --out relative to the working directory, so the copy stays inside the project.
const scratch = "node_modules/.tmp/schema-check";

rmSync(scratch, { recursive: true, force: true });
cpSync("migrations", scratch, { recursive: true });
const migrationCount = () => readdirSync(scratch).filter((file) => file.endsWith(".sql")).length;
const before = migrationCount();
const generate = spawnSync(
  "drizzle-kit",
  ["generate", "--dialect", "turso", "--schema", "./db/schema.ts", "--out", scratch],
  // No stdin: a question (is this a rename?) means the schema changed, and must fail rather than wait.
  { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 60_000 },
);
const added = migrationCount() - before;
rmSync(scratch, { recursive: true, force: true });
if (generate.status !== 0 || added > 0) {
  console.error(`${generate.stdout ?? ""}${generate.stderr ?? ""}`);
  console.error(
    "✗ db/schema.ts differs from migrations/: run `npm run db:generate` and commit the migration it writes.",
  );
  process.exit(1);
}
console.log("✓ db/schema.ts and migrations/ agree");
