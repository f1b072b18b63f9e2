// Response headers of the magic-link pages. React Router sends only what a route's `headers` export
// returns, so a Retry-After set by a throttled action is passed on here.
interface HeadersArgs {
  actionHeaders: Headers;
  loaderHeaders: Headers;
}

/** No caching (the pages carry tokens and addresses), and Retry-After when throttled. */
export function magicLinkHeaders({ actionHeaders, loaderHeaders }: HeadersArgs): Headers {
  const headers = new Headers({ "Cache-Control": "no-store" });
  const retryAfter = actionHeaders.get("Retry-After") ?? loaderHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
}
