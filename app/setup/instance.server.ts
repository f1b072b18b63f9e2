// Whether this instance has been set up (an organization and its admin exist). Once true it stays
// true, so each isolate remembers it per database and stops asking.
import { sql } from "drizzle-orm";
import { type MiddlewareFunction, redirect } from "react-router";
import { type Database, isDatabaseUnavailable } from "../../db/client.ts";
import { instance } from "../../db/schema.ts";
import { getDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";

const setUpDatabases = new Set<string>();

export async function isSetupComplete(db: Database, databaseUrl: string): Promise<boolean> {
  if (setUpDatabases.has(databaseUrl)) return true;
  const [row] = await db.select({ one: sql<number>`1` }).from(instance).limit(1);
  if (row) setUpDatabases.add(databaseUrl);
  return Boolean(row);
}

/** The health checks, under their own names and the aliases many hosts probe by default. */
const healthPaths = new Set(["/healthz", "/readyz", "/health", "/live", "/ready"]);

/**
 * Paths that work before setup: the wizard itself and the health checks. `/setup.data` is how the
 * wizard's own form posts and loads travel once JavaScript runs (React Router's single fetch).
 */
const openBeforeSetup = (path: string) =>
  path === "/setup" || path === "/setup.data" || path.startsWith("/setup/") || healthPaths.has(path);

/** While no admin exists, every page redirects to /setup. */
export const setupGuardMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  if (openBeforeSetup(new URL(request.url).pathname)) return next();
  const { env } = context.get(requestInfo);
  let complete: boolean;
  try {
    complete = await isSetupComplete(getDatabase(context), env.TURSO_DATABASE_URL);
  } catch (error) {
    // Database down: let public pages render; pages that need data answer 503 themselves.
    if (isDatabaseUnavailable(error)) return next();
    throw error;
  }
  if (!complete) throw redirect("/setup");
  return next();
};
