// Headers every response carries. The CSP allows only our own scripts plus the inline ones rendered
// with this response's nonce; in development Vite needs inline styles and its HMR websocket.
export function securityHeaders(options: { nonce: string; https: boolean; development: boolean }): Headers {
  const { nonce, https, development } = options;
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    development ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    development ? "connect-src 'self' ws: wss:" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const headers = new Headers({
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  });
  if (https) headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  return headers;
}
