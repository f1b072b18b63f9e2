// Marks an e2e database as set up (an organization and the instance row), so pages don't redirect to
// the first-run wizard. The wizard itself is tested against a fresh server (tests/e2e/setup.spec.ts).
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";

/** Where tests/e2e/serve.ts leaves the URL and token of the database of the server on `port`. */
export function e2eDatabaseFile(port: string | number): string {
  return join(tmpdir(), `alva-e2e-database-${port}.json`);
}

export async function markInstanceSetUp(url: string, authToken: string): Promise<void> {
  const client = createClient({ url, authToken });
  const organizationId = crypto.randomUUID();
  const now = Date.now();
  try {
    await client.batch(
      [
        {
          sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
          args: [organizationId, "E2E organization", now],
        },
        {
          sql: "INSERT INTO instance (id, organization_id, setup_completed_at) VALUES (1, ?, ?)",
          args: [organizationId, now],
        },
      ],
      "write",
    );
  } finally {
    client.close();
  }
}
