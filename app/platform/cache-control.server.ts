// Answers that show one person's data must not be kept by any cache: not a shared one (a proxy, a CDN)
// and not the browser's history or back/forward cache on a shared computer.
import type { MiddlewareFunction } from "react-router";

/**
 * Route middleware: `Cache-Control: private, no-store` on every answer of the routes below it, unless
 * the route already said `no-store` itself (nothing is stricter).
 */
export const privateNoStoreMiddleware: MiddlewareFunction<Response> = async (_args, next) => {
  const response = await next();
  if (!/\bno-store\b/.test(response.headers.get("Cache-Control") ?? "")) {
    response.headers.set("Cache-Control", "private, no-store");
  }
  return response;
};
