// What workers/app.ts knows about the request and hands to every loader, action and the SSR entry.
import { createContext } from "react-router";
import type { RequestLogFields } from "./request-log.ts";

export interface RequestInfo {
  env: Env;
  ctx: ExecutionContext;
  /** From `cf-ray` in production, generated locally; shown on error pages and in the log line. */
  requestId: string;
  /** Per-response CSP nonce for the inline scripts React Router renders. */
  nonce: string;
  /** Route and user for the request's log line, filled in while the request is handled. */
  log: RequestLogFields;
}

export const requestInfo = createContext<RequestInfo>();
