import { isApiPath } from "../api/paths.ts";

// Cross-site request forgery guard for every request that can change something (anything but
// GET/HEAD/OPTIONS). Browsers label each request with Sec-Fetch-Site; a mutation must come from our
// own origin. Older browsers that lack the header send Origin, which must be on the allowlist (the
// configured APP_URL). A request with neither is refused: browsers always send one of them on a POST.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// The one exception: Sign in with Apple returns with response_mode=form_post, a POST from
// appleid.apple.com. Exactly this path is let through; the callback itself refuses any request whose
// `state` does not match the signed state cookie (app/oauth/callback.server.ts), which is the CSRF
// protection OAuth callbacks have. No other page path, suffix or variant is exempt (the JSON API under
// /api/ is not a page: see below).
export const CROSS_SITE_POST_PATHS: ReadonlySet<string> = new Set(["/auth/apple/callback"]);

export function isCrossSiteMutation(request: Request, allowedOrigins: readonly string[]): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return false;
  // The JSON API (app/api) ignores cookies and needs a bearer token a forging site cannot have, so a
  // cross-site request there is not a forgery; and scripts calling it send neither header.
  if (isApiPath(new URL(request.url).pathname)) return false;
  if (request.method.toUpperCase() === "POST" && CROSS_SITE_POST_PATHS.has(new URL(request.url).pathname)) return false;
  const fetchSite = request.headers.get("Sec-Fetch-Site");
  if (fetchSite !== null) return fetchSite !== "same-origin";
  const origin = request.headers.get("Origin");
  return origin === null || !allowedOrigins.includes(origin);
}

export function csrfRefusal(requestId: string): Response {
  return new Response(
    `This form was sent from another site, so Alva refused it. Reload the page and try again. Request id: ${requestId}\n`,
    { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } },
  );
}
