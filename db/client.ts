// The Worker's database client: drizzle over @libsql/client's HTTP transport (the /web build, which
// runs in workerd), talking to Turso in production and to db/local-server in development and tests.
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "./schema.ts";

export type Database = ReturnType<typeof createDatabase>;

export interface DatabaseConfig {
  TURSO_DATABASE_URL: string;
  TURSO_AUTH_TOKEN?: string;
}

/**
 * Raised when the database cannot be reached at all (connection refused, DNS, 5xx from the edge),
 * as opposed to a query that reached it and failed. Pages turn it into a 503, /readyz into its reason.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

export function createDatabase(config: DatabaseConfig) {
  const client = createClient({
    url: config.TURSO_DATABASE_URL,
    authToken: config.TURSO_AUTH_TOKEN || undefined,
    fetch: fetchMarkingOutages,
  });
  return drizzle(client, { schema });
}

async function fetchMarkingOutages(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(input, init);
  } catch (cause) {
    throw new DatabaseUnavailableError("The database did not answer", { cause });
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    throw new DatabaseUnavailableError(`The database answered HTTP ${response.status}`);
  }
  return response;
}

/** True when `error`, or anything in its `cause` chain (drizzle and libsql wrap errors), is an outage. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
