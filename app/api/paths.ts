// Which URLs belong to the JSON API. They are answered by bearer tokens alone: the root middleware
// (setup guard, session cookie, toast cookie) skips them, and so does the CSRF check, because a request
// a browser forges cross-site carries cookies, and cookies authenticate nothing here.
export const API_PREFIX = "/api/";

export function isApiPath(pathname: string): boolean {
  return pathname.startsWith(API_PREFIX) || pathname === "/api" || pathname === "/.well-known/jwks.json";
}
