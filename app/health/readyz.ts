// GET /readyz: the Worker can serve real traffic, i.e. the database answers a query in time.
import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "../../db/client.ts";
import { getDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/readyz";

const TIMEOUT_MS = 3_000;

export async function loader({ context }: Route.LoaderArgs) {
  const { requestId } = context.get(requestInfo);
  const headers = { "Cache-Control": "no-store" };
  const started = performance.now();
  try {
    await withTimeout(getDatabase(context).run(sql`select 1`), TIMEOUT_MS);
    return Response.json(
      { status: "ready", database: { latencyMs: Math.round(performance.now() - started) } },
      { headers },
    );
  } catch (error) {
    const reason =
      error instanceof TimeoutError
        ? `database did not answer within ${TIMEOUT_MS} ms`
        : isDatabaseUnavailable(error)
          ? "database unreachable"
          : "database query failed";
    console.error(JSON.stringify({ level: "error", msg: "not ready", reason, requestId }));
    return Response.json({ status: "unavailable", reason, requestId }, { status: 503, headers });
  }
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
