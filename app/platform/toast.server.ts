// One-time messages ("Password changed") that survive a redirect and need no JavaScript: the action
// sets a short-lived cookie, the next page shows it and the root middleware clears it.
import { createContext, type MiddlewareFunction } from "react-router";

const COOKIE = "toast";

export interface Toast {
  kind: "success" | "error" | "info";
  message: string;
}

export const toastContext = createContext<Toast | null>(null);

export function toastCookie(request: Request, toast: Toast): string {
  const value = encodeURIComponent(JSON.stringify({ kind: toast.kind, message: toast.message.slice(0, 300) }));
  const secure = new URL(request.url).protocol === "https:";
  return `${COOKIE}=${value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

function readToast(request: Request): Toast | null {
  const match = /(?:^|;\s*)toast=([^;]*)/.exec(request.headers.get("Cookie") ?? "");
  if (!match) return null;
  try {
    const parsed = JSON.parse(decodeURIComponent(match[1]!));
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
    response.headers.append("Set-Cookie", `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  return response;
};
