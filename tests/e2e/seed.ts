// Marks an e2e database as set up (an organization and the instance row), so pages don't redirect to
// the first-run wizard. The wizard itself is tested against a fresh server (tests/e2e/setup.spec.ts).
import { createClient } from "@libsql/client";
import { hashPassword } from "../../app/accounts/password.server.ts";

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

/** The administrator every e2e server (not the fresh one) starts with, for the admin pages' specs. */
export const E2E_ADMIN = {
  username: "e2e_admin",
  email: "e2e_admin@example.com",
  password: "the e2e administrator's passphrase",
};

/** Creates E2E_ADMIN (verified, with a personal workspace, as sign-up would) in an e2e database. */
export async function seedAdmin(url: string, authToken: string): Promise<void> {
  const client = createClient({ url, authToken });
  const userId = crypto.randomUUID();
  const workspaceId = crypto.randomUUID();
  const now = Date.now();
  try {
    await client.batch(
      [
        {
          sql: `INSERT INTO users (id, username, email, password_hash, role, email_verified_at, must_choose_username, created_at)
                VALUES (?, ?, ?, ?, 'admin', ?, 0, ?)`,
          args: [userId, E2E_ADMIN.username, E2E_ADMIN.email, await hashPassword(E2E_ADMIN.password), now, now],
        },
        {
          sql: "INSERT INTO workspaces (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)",
          args: [workspaceId, "E2E admin's business", userId, now],
        },
        {
          sql: "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
          args: [workspaceId, userId, now],
        },
      ],
      "write",
    );
  } finally {
    client.close();
  }
}
