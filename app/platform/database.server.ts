// The request's database. Loaders and actions that need it run their queries through
// `withDatabase`, so an unreachable database becomes a 503 page that says so (with the request id)
// instead of an anonymous 500.
import { data, type RouterContextProvider } from "react-router";
import { createDatabase, type Database, isDatabaseUnavailable } from "../../db/client.ts";
import { requestInfo } from "./request-info.ts";

export interface DatabaseUnavailableData {
  reason: "database_unavailable";
  requestId: string;
}

export async function withDatabase<T>(
  context: Readonly<RouterContextProvider>,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const { env, requestId } = context.get(requestInfo);
  try {
    return await work(createDatabase(env));
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    throw data<DatabaseUnavailableData>(
      { reason: "database_unavailable", requestId },
      { status: 503, headers: { "Retry-After": "30" } },
    );
  }
}
