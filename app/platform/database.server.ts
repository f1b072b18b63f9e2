// The request's database: one drizzle client per request, made on first use and kept on the router
// context, so the setup guard, the session middleware and the route share it (and its deadline: after
// one outage the rest of the request fails at once instead of waiting again). Loaders and actions run
// their queries through `withDatabase`, so an unreachable database becomes a 503 page that says so
// (with the request id) instead of an anonymous 500.
import { createContext, type RouterContextProvider } from "react-router";
import { createDatabase, type Database, isDatabaseUnavailable } from "../../db/client.ts";
import { httpError } from "./http-error.ts";
import { requestInfo } from "./request-info.ts";

const DATABASE_UNAVAILABLE =
  "Alva can't reach its database right now. Nothing you did caused this. Please try again in a minute; what you submitted was not saved.";

/** The 503 page for an unreachable database (also thrown by the session middleware). */
export function databaseUnavailable(context: Readonly<RouterContextProvider>): never {
  return httpError(context, 503, DATABASE_UNAVAILABLE, { headers: { "Retry-After": "30" } });
}

const databaseContext = createContext<Database | null>(null);

/** This request's database client (created on first use from the request's env). */
export function getDatabase(context: Readonly<RouterContextProvider>): Database {
  let db = context.get(databaseContext);
  if (!db) {
    db = createDatabase(context.get(requestInfo).env);
    context.set(databaseContext, db);
  }
  return db;
}

export async function withDatabase<T>(
  context: Readonly<RouterContextProvider>,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  try {
    return await work(getDatabase(context));
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    databaseUnavailable(context);
  }
}
