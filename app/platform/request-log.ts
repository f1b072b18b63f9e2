import { reportError } from "./error-reporting.ts";

// One JSON line per request. Only these fields are logged: never the query string (reset and
// sign-in links carry tokens there), headers, cookies or bodies. Users appear by id, never by e-mail.
// Workers Logs (wrangler.toml [observability]) indexes the fields: filter on requestId, userId, route.
export interface RequestLogLine extends RequestLogFields {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
}

/**
 * What only the app learns while it handles a request, for its log line: the matched route pattern
 * (`/chat/:room`, so lines group by page and carry no ids) and the signed-in user's id. Filled by the
 * root middleware and the API's authentication, on the object workers/app.ts puts in requestInfo.
 */
export interface RequestLogFields {
  route?: string;
  userId?: string;
}

/**
 * Whether to write the request lines: LOG_REQUESTS=1 turns them on, 0 off; unset, they are on
 * everywhere but development, where they would bury the console's mail links and Vite's messages.
 * (Tests keep them, for the tests that read them; vitest.config.ts hides them from the output.)
 */
export function requestLogEnabled(env: { ENVIRONMENT: string; LOG_REQUESTS?: string }): boolean {
  if (env.LOG_REQUESTS === "1") return true;
  if (env.LOG_REQUESTS === "0") return false;
  return env.ENVIRONMENT !== "development";
}

export function logRequest(line: RequestLogLine): void {
  console.log(JSON.stringify({ level: "info", msg: "request", ...line }));
}

/**
 * One JSON line for work outside a request: a queue job (with its jobId), a chat room (its roomId), a
 * cron run. Callers pass ids and counts, never message text or e-mail addresses.
 */
export function logEvent(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * Something a client got wrong (a refused form, a method a route does not take): one line, no stack,
 * so nobody can fill the log with stacks by sending junk. Callers pass no request data.
 */
export function logWarning(
  msg: string,
  requestId: string | undefined,
  detail: Record<string, string | number> = {},
): void {
  console.warn(JSON.stringify({ level: "warn", msg, requestId, ...detail }));
}

/**
 * Errors are logged by name, message and stack plus request id; callers pass no request data. Drizzle
 * puts a failed query's parameters into its message ("Failed query: … params: …"): e-mail addresses,
 * password and code hashes. Those are cut off here.
 */
export function logError(error: unknown, requestId: string | undefined): void {
  reportError(error, { requestId });
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled error",
      requestId,
      name,
      message: redactQueryParams(message),
      stack: stack && redactQueryParams(stack),
    }),
  );
}

export function redactQueryParams(text: string): string {
  // Up to the stack frames ("    at …"), since a parameter may itself contain newlines.
  return text.replace(/params:[\s\S]*?(?=\n\s+at |$)/g, "params: [redacted]");
}
