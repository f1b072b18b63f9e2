// What workers/app.ts knows about the request and hands to every loader, action and the SSR entry.
import { createContext } from "react-router";

export interface RequestInfo {
  env: Env;
  ctx: ExecutionContext;
  /** From `cf-ray` in production, generated locally; shown on error pages and in the log line. */
  requestId: string;
  /** Per-response CSP nonce for the inline scripts React Router renders. */
  nonce: string;
}

export const requestInfo = createContext<RequestInfo>();
