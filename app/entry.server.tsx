// Server rendering of documents. Differs from React Router's default in two ways: inline scripts get
// this response's CSP nonce, and errors are logged as JSON lines with the request id.
import { isbot } from "isbot";
import { renderToReadableStream } from "react-dom/server";
import type { EntryContext, HandleErrorFunction, RouterContextProvider } from "react-router";
import { isRouteErrorResponse, ServerRouter } from "react-router";
import { NonceContext } from "./platform/nonce.tsx";
import { requestInfo } from "./platform/request-info.ts";
import { logError, logWarning } from "./platform/request-log.ts";

export const streamTimeout = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
) {
  if (request.method.toUpperCase() === "HEAD") {
    return new Response(null, { status: responseStatusCode, headers: responseHeaders });
  }
  const { nonce, requestId } = loadContext.get(requestInfo);
  let shellRendered = false;
  const body = await renderToReadableStream(
    <NonceContext value={nonce}>
      <ServerRouter context={routerContext} url={request.url} nonce={nonce} />
    </NonceContext>,
    {
      nonce,
      signal: AbortSignal.timeout(streamTimeout + 1000),
      onError(error: unknown) {
        responseStatusCode = 500;
        // Errors in the shell reject and are logged by handleError; log only later streaming errors.
        if (shellRendered) logError(error, requestId);
      },
    },
  );
  shellRendered = true;
  // Crawlers get the whole document at once.
  if (isbot(request.headers.get("user-agent") ?? "")) await body.allReady;

  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  return new Response(body, { headers: responseHeaders, status: responseStatusCode });
}

export const handleError: HandleErrorFunction = (error, { request, context }) => {
  // Aborted requests (the browser navigated away) are not errors worth a log line.
  if (request.signal.aborted) return;
  const { requestId } = context.get(requestInfo);
  // React Router's own refusals (405 for a method a route does not take, a client error thrown by a
  // resource route) are what the client sent, not our failures: a warning without a stack.
  if (isRouteErrorResponse(error) && error.status < 500) {
    logWarning("request refused", requestId, { status: error.status, statusText: error.statusText });
    return;
  }
  // React Router wraps its own internal errors in an error response; log the error inside.
  const inner = isRouteErrorResponse(error) ? (error as { error?: unknown }).error : undefined;
  logError(inner ?? error, requestId);
};
