// Vitest global setup for the workerd tests: a local libSQL server on a temporary file, migrated,
// whose URL and token the Worker under test receives as TURSO_DATABASE_URL / TURSO_AUTH_TOKEN.
// Also a "stuck database": a TCP port that accepts connections and never answers.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
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
    /** A third, migrated database for tests that change instance-wide settings (app/admin/settings.test.ts). */
    settingsDatabaseUrl: string;
    /** Accepts connections and never answers, like a frozen database process (`kill -STOP`). */
    stuckDatabaseUrl: string;
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

  // Instance settings (the sign-up policy, say) apply to every request: tests that change them get
  // their own database, so other files running at the same time never see a closed sign-up.
  const settings = await startLocalDbServer({ file: join(dir, "settings.db"), port: 0, authToken });
  await migrateDatabase({ url: settings.url, authToken });
  project.provide("settingsDatabaseUrl", settings.url);

  const stuck = await startStuckServer();
  project.provide("stuckDatabaseUrl", stuck.url);
  return async () => {
    await stuck.close();
    await fresh.close();
    await settings.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

async function startStuckServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
