// One-time messages ("Password changed") that survive a redirect and need no JavaScript: the action
// sets a short-lived cookie, the next page shows it and the root middleware clears it.
import { createContext, type MiddlewareFunction, redirect } from "react-router";
import { readCookie, setCookie } from "./cookies.server.ts";

const COOKIE = "toast";

export interface Toast {
  kind: "success" | "error" | "info";
  message: string;
}

export const toastContext = createContext<Toast | null>(null);

export function toastCookie(request: Request, toast: Toast): string {
  const value = encodeURIComponent(JSON.stringify({ kind: toast.kind, message: toast.message.slice(0, 300) }));
  return setCookie(request, COOKIE, value, ["Path=/", "Max-Age=60", "HttpOnly", "SameSite=Lax"]);
}

/** A redirect that shows `toast` on the page it leads to; `headers` may carry other cookies to set. */
export function redirectWithToast(request: Request, url: string, toast: Toast, headers = new Headers()): Response {
  headers.append("Set-Cookie", toastCookie(request, toast));
  return redirect(url, { headers });
}

function readToast(request: Request): Toast | null {
  const raw = readCookie(request, COOKIE);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(decodeURIComponent(raw));
    if (typeof parsed?.message !== "string" || !["success", "error", "info"].includes(parsed.kind)) return null;
    return { kind: parsed.kind, message: parsed.message.slice(0, 300) };
  } catch {
    return null;
  }
}

export const toastMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const toast = readToast(request);
  context.set(toastContext, toast);
  const response = await next();
  const isRedirect = response.status >= 300 && response.status < 400;
  const setsToast = response.headers.getSetCookie().some((value) => value.startsWith(`${COOKIE}=`));
  // Shown on this (non-redirect) response: clear it so a reload does not show it again.
  if (toast && !isRedirect && !setsToast)
    response.headers.append(
      "Set-Cookie",
      setCookie(request, COOKIE, "", ["Path=/", "Max-Age=0", "HttpOnly", "SameSite=Lax"]),
    );
  return response;
};
