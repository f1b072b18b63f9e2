// Answers that show one person's data must not be kept by any cache: not a shared one (a proxy, a CDN)
// and not the browser's history or back/forward cache on a shared computer.
import type { MiddlewareFunction } from "react-router";

/** Route middleware: `Cache-Control: private, no-store` on every answer of the routes below it. */
export const privateNoStoreMiddleware: MiddlewareFunction<Response> = async (_args, next) => {
  const response = await next();
  response.headers.set("Cache-Control", "private, no-store");
  return response;
};
