import { defineConfig } from "drizzle-kit";

// `npm run db:generate` diffs db/schema.ts against migrations/ and writes the next SQL migration.
// Migrations are applied by `npm run db:migrate` (db/migrate.ts), locally and to Turso.
export default defineConfig({
  dialect: "turso",
  schema: "./db/schema.ts",
  out: "./migrations",
});
