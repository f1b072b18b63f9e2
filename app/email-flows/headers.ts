// Response headers of the pages that handle e-mailed secrets (e-mail flows, sign-in links). React
// Router sends only what a route's `headers` export returns, so a Retry-After set by an action has to
// be passed on here.
interface HeadersArgs {
  actionHeaders: Headers;
  loaderHeaders: Headers;
}

/** Retry-After from a rate-limited action, and no caching: these pages carry tokens and personal data. */
export function pageHeaders({ actionHeaders, loaderHeaders }: HeadersArgs): Headers {
  const headers = new Headers({ "Cache-Control": "no-store" });
  const retryAfter = actionHeaders.get("Retry-After") ?? loaderHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
}
