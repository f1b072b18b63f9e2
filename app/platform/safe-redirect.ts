// Where a form may send the user back to. Only paths on this site are allowed: anything that a
// browser could resolve to another origin (`//evil.com`, `/\evil.com`, `https://…`, `javascript:`,
// control characters) falls back to a safe default.
const PLACEHOLDER_ORIGIN = "http://alva.invalid";

export function safeRedirectPath(value: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return fallback;
  // Browsers treat "\" like "/" and drop tabs and newlines, so "/\evil.com" or "/\t/evil.com" escape.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it refuses.
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * The address of the page the browser asked for, to come back to after signing in. With JavaScript on,
 * React Router fetches a page's data from `<path>.data?_routes=…` (the index page from `/_root.data`);
 * that internal URL must never become a redirect target (users landed on `/dashboard.data`).
 */
export function documentPath(request: Request): string {
  const url = new URL(request.url);
  let path = url.pathname;
  if (path === "/_root.data") path = "/";
  else if (path.endsWith(".data")) path = path.slice(0, -".data".length);
  url.searchParams.delete("_routes");
  const search = url.searchParams.toString();
  return `${path}${search ? `?${search}` : ""}`;
}
