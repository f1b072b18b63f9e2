// The request's database. Loaders and actions that need it run their queries through
// `withDatabase`, so an unreachable database becomes a 503 page that says so (with the request id)
// instead of an anonymous 500.
import type { RouterContextProvider } from "react-router";
import { createDatabase, type Database, isDatabaseUnavailable } from "../../db/client.ts";
import { httpError } from "./http-error.ts";
import { requestInfo } from "./request-info.ts";

const DATABASE_UNAVAILABLE =
  "Alva can't reach its database right now. Nothing you did caused this. Please try again in a minute; what you submitted was not saved.";

/** The 503 page for an unreachable database (also thrown by the session middleware). */
export function databaseUnavailable(context: Readonly<RouterContextProvider>): never {
  return httpError(context, 503, DATABASE_UNAVAILABLE, { headers: { "Retry-After": "30" } });
}

export async function withDatabase<T>(
  context: Readonly<RouterContextProvider>,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const { env } = context.get(requestInfo);
  try {
    return await work(createDatabase(env));
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    return databaseUnavailable(context);
  }
}
