// The colour theme a visitor picked, kept in a cookie so the server renders the right one first.
import { z } from "zod";
import { readCookie, setCookie } from "../platform/cookies.server.ts";

export const themes = ["light", "dark", "system"] as const;
export type Theme = (typeof themes)[number];
export const themeSchema = z.enum(themes);

const COOKIE = "theme";

export function readTheme(request: Request): Theme {
  const parsed = themeSchema.safeParse(readCookie(request, COOKIE));
  return parsed.success ? parsed.data : "system";
}

export function themeCookie(request: Request, theme: Theme): string {
  return setCookie(request, COOKIE, theme, ["Path=/", "Max-Age=31536000", "SameSite=Lax", "HttpOnly"]);
}
