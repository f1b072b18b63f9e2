// The Worker entry: every request, queue batch and cron trigger of Alva starts here.
//   fetch     -> request id, CSRF check, CSP nonce, security headers and a log line around React Router
//                (pages and resource routes: see app/routes.ts)
//   queue     -> background.ts dispatches by queue name (plan jobs)
//   scheduled -> background.ts runs the cleanups
// The Durable Object classes are exported here because the runtime looks for them in the entry.
import { createRequestHandler, RouterContextProvider } from "react-router";
import { csrfRefusal, isCrossSiteMutation } from "../app/platform/csrf.ts";
import { withErrorReporting } from "../app/platform/error-reporting.ts";
import { requestInfo } from "../app/platform/request-info.ts";
import { logError, logRequest, type RequestLogFields, requestLogEnabled } from "../app/platform/request-log.ts";
import { securityHeaders } from "../app/platform/security-headers.ts";
import { handleQueue, handleScheduled } from "./background.ts";

export { ChatRoom } from "./chat-room.ts";
export { RateLimiter } from "./rate-limiter.ts";

const handleWithReactRouter = createRequestHandler(
  () => import("virtual:react-router/server-build"),
  import.meta.env.MODE,
);

const handlers = {
  async fetch(request, env, ctx) {
    const started = performance.now();
    const requestId = request.headers.get("cf-ray") ?? crypto.randomUUID();
    const nonce = randomNonce();
    const url = new URL(request.url);
    const log: RequestLogFields = {};

    let response: Response;
    try {
      if (isCrossSiteMutation(request, [new URL(env.APP_URL).origin])) {
        response = csrfRefusal(requestId);
      } else {
        const context = new RouterContextProvider();
        context.set(requestInfo, { env, ctx, requestId, nonce, log });
        response = await handleWithReactRouter(request, context);
      }
    } catch (error) {
      // React Router renders its own errors; this only catches failures of the handler itself.
      logError(error, requestId);
      response = new Response(`Something went wrong on our side. Request id: ${requestId}\n`, {
        status: 500,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }

    if (response.status !== 101) {
      // Copy so headers are writable even on responses built with immutable headers.
      response = new Response(response.body, response);
      const security = securityHeaders({
        nonce,
        https: url.protocol === "https:",
        development: import.meta.env.DEV,
      });
      for (const [name, value] of security) response.headers.set(name, value);
      response.headers.set("X-Request-Id", requestId);
      // Every 503 here is temporary (the database, mostly): tell browsers and crawlers when to come back.
      // Headers of a thrown data(…) do not reach the HTML error page, so it is set here, once.
      if (response.status === 503 && !response.headers.has("Retry-After")) response.headers.set("Retry-After", "30");
    }

    if (requestLogEnabled(env)) {
      logRequest({
        method: request.method,
        path: url.pathname,
        status: response.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        requestId,
        ...log,
      });
    }
    return response;
  },

  async queue(batch, env) {
    await handleQueue(batch, env);
  },

  async scheduled(controller, env) {
    await handleScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;

// With SENTRY_DSN set, errors are also reported (app/platform/error-reporting.ts); without, these
// handlers run as they are.
export default withErrorReporting<Env, typeof handlers>(handlers);

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
