// Every cookie the app sets is named, read and given its Secure flag here.
//
// Over https a cookie that guards something (session, magic-link binding, setup wizard) is named with
// the `__Host-` prefix (Secure, Path=/, no Domain: no subdomain can set or shadow it). Browsers refuse
// Secure and __Host- cookies from plain http://localhost in some cases, so local http uses the bare
// name without Secure; every other attribute stays. Values are written as the features wrote them
// before this module existed (docs/decisions/0022-cookies.md says why not React Router's createCookie).

/** True when the request reached us over https, i.e. Secure cookies will be kept by the browser. */
export function isSecureRequest(request: Request): boolean {
  return new URL(request.url).protocol === "https:";
}

/** `__Host-<name>` over https, `<name>` on local http. */
export function hostCookieName(request: Request, name: string): string {
  return isSecureRequest(request) ? `__Host-${name}` : name;
}

/** The raw value of the cookie `name` in the request, or null. */
export function readCookie(request: Request, name: string): string | null {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

/**
 * A Set-Cookie value: `name=value` and the attributes in the order given (falsy ones left out), plus
 * `Secure` at the end when the request is https and `secure` is not already among them.
 */
export function setCookie(
  request: Request,
  name: string,
  value: string,
  attributes: (string | false | null | undefined)[],
): string {
  const list = [`${name}=${value}`, ...attributes.filter((attribute): attribute is string => Boolean(attribute))];
  if (isSecureRequest(request) && !list.includes("Secure")) list.push("Secure");
  return list.join("; ");
}
