// Applies the SQL migrations in migrations/ (written by `npm run db:generate`) to a libSQL database.
//   npm run db:migrate                      -> the database named in .dev.vars (the local server)
//   TURSO_DATABASE_URL=libsql://… TURSO_AUTH_TOKEN=… npm run db:migrate   -> that database (Turso)

import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { readDevVars } from "../scripts/dev-vars.ts";

export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));

export async function migrateDatabase(target: { url: string; authToken?: string }): Promise<void> {
  const client = createClient({ url: target.url, authToken: target.authToken || undefined });
  try {
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    client.close();
  }
}

if (import.meta.main) {
  const devVars = readDevVars();
  const url = process.env.TURSO_DATABASE_URL ?? devVars.TURSO_DATABASE_URL;
  const authToken = process.env.TURSO_AUTH_TOKEN ?? devVars.TURSO_AUTH_TOKEN;
  if (!url) {
    console.error(
      "No database: set TURSO_DATABASE_URL (and TURSO_AUTH_TOKEN), or run `npm run dev` once to create .dev.vars.",
    );
    process.exit(1);
  }
  try {
    await migrateDatabase({ url, authToken });
    console.log(`Migrations applied to ${new URL(url).host}`);
  } catch (error) {
    console.error(`Migrating ${new URL(url).host} failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
