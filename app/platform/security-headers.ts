// Headers every response carries. The CSP allows only our own scripts plus the inline ones rendered
// with this response's nonce; in development Vite needs inline styles and its HMR websocket.
// Static files (build/client: scripts, styles, the favicon) are served by Cloudflare's asset layer
// without running the Worker; they get the same headers from the `_headers` file written at build
// time from staticAssetHeadersFile() (see vite.config.ts).

const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};
const HSTS = "max-age=31536000; includeSubDomains";

export function securityHeaders(options: { nonce: string; https: boolean; development: boolean }): Headers {
  const { nonce, https, development } = options;
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    development ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // blob: is for the upload drop zone's previews (app/ui/drop-zone.tsx): Chromium sometimes reads a
    // preview's object URL as a connection (a CI run logged it blocked). Only this page's own script
    // can mint a blob: URL, so allowing it reaches nothing outside the page.
    development ? "connect-src 'self' blob: ws: wss:" : "connect-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const headers = new Headers({ "Content-Security-Policy": csp, ...COMMON_HEADERS });
  if (https) headers.set("Strict-Transport-Security", HSTS);
  return headers;
}

/**
 * The `_headers` file for static assets (Cloudflare Workers static assets read it from the asset
 * directory). Nothing in there needs to load anything, so the CSP allows nothing; HSTS is included
 * because deployed assets are only reached over https. Vite's hashed files never change.
 */
export function staticAssetHeadersFile(): string {
  const all = { "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", ...COMMON_HEADERS };
  const lines = ["/*", ...Object.entries(all).map(([name, value]) => `  ${name}: ${value}`)];
  lines.push(`  Strict-Transport-Security: ${HSTS}`);
  lines.push("/assets/*", "  Cache-Control: public, max-age=31536000, immutable");
  return `${lines.join("\n")}\n`;
}
