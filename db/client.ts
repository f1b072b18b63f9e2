// The Worker's database client: drizzle over @libsql/client's HTTP transport (the /web build, which
// runs in workerd), talking to Turso in production and to db/local-server in development and tests.
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "./schema.ts";

export type Database = ReturnType<typeof createDatabase>;

export interface DatabaseConfig {
  TURSO_DATABASE_URL: string;
  TURSO_AUTH_TOKEN?: string;
  /** Deadline of each database round trip in milliseconds (default 5000); see .dev.vars.example. */
  DATABASE_TIMEOUT_MS?: string;
}

export const DEFAULT_DATABASE_TIMEOUT_MS = 5_000;

/**
 * Raised when the database cannot be reached at all (connection refused, DNS, 5xx from the edge, no
 * answer before the deadline), as opposed to a query that reached it and failed. Pages turn it into a
 * 503, /readyz into its reason.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/**
 * One client. Every HTTP round trip has a deadline, so a database that accepts connections and never
 * answers (a frozen process, a stuck proxy) becomes a 503 instead of a page that hangs. After one
 * outage the same client fails at once: a request that already waited out a deadline does not wait
 * again for each of its remaining queries.
 */
export function createDatabase(config: DatabaseConfig) {
  const client = createClient({
    url: config.TURSO_DATABASE_URL,
    authToken: config.TURSO_AUTH_TOKEN || undefined,
    fetch: fetchWithDeadline(databaseTimeoutMs(config)),
  });
  return drizzle(client, { schema });
}

function databaseTimeoutMs(config: DatabaseConfig): number {
  const configured = Number(config.DATABASE_TIMEOUT_MS);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_DATABASE_TIMEOUT_MS;
}

function fetchWithDeadline(timeoutMs: number) {
  let outage: DatabaseUnavailableError | undefined;
  return async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    if (outage) throw new DatabaseUnavailableError(outage.message, { cause: outage });
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const response = await fetch(input, { ...init, signal });
      if (response.status === 502 || response.status === 503 || response.status === 504) {
        await response.body?.cancel();
        throw new DatabaseUnavailableError(`The database answered HTTP ${response.status}`);
      }
      // The body is read under the same deadline: a server that sends headers and then stalls must
      // not hang the page either. libsql parses the whole JSON body anyway, so nothing streams here.
      const body = await response.arrayBuffer();
      return new Response(body, response);
    } catch (cause) {
      outage =
        cause instanceof DatabaseUnavailableError
          ? cause
          : new DatabaseUnavailableError(
              deadline.aborted ? `The database did not answer within ${timeoutMs} ms` : "The database did not answer",
              { cause },
            );
      throw outage;
    }
  };
}

/** True when `error`, or anything in its `cause` chain (drizzle and libsql wrap errors), is an outage. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
