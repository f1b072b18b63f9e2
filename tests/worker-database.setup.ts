// Vitest global setup for the workerd tests: a local libSQL server on a temporary file, migrated,
// whose URL and token the Worker under test receives as TURSO_DATABASE_URL / TURSO_AUTH_TOKEN.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalDbServer } from "../db/local-server/server.ts";
import { migrateDatabase } from "../db/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseToken: string;
    /** A second, migrated database that no test sets up: for the first-run setup tests. */
    freshDatabaseUrl: string;
    freshDatabaseToken: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "alva-worker-tests-"));
  const authToken = randomBytes(24).toString("base64url");
  const server = await startLocalDbServer({ file: join(dir, "test.db"), port: 0, authToken });
  await migrateDatabase({ url: server.url, authToken });
  project.provide("databaseUrl", server.url);
  project.provide("databaseToken", authToken);

  const fresh = await startLocalDbServer({ file: join(dir, "fresh.db"), port: 0, authToken });
  await migrateDatabase({ url: fresh.url, authToken });
  project.provide("freshDatabaseUrl", fresh.url);
  project.provide("freshDatabaseToken", authToken);
  return async () => {
    await fresh.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
