// The colour theme a visitor picked, kept in a cookie so the server renders the right one first.
import { z } from "zod";

export const themes = ["light", "dark", "system"] as const;
export type Theme = (typeof themes)[number];
export const themeSchema = z.enum(themes);

const COOKIE = "theme";

export function readTheme(request: Request): Theme {
  const raw = request.headers.get("Cookie") ?? "";
  const match = /(?:^|;\s*)theme=([^;]*)/.exec(raw);
  const parsed = themeSchema.safeParse(match?.[1]);
  return parsed.success ? parsed.data : "system";
}

export function themeCookie(theme: Theme, secure: boolean): string {
  const attributes = [`${COOKIE}=${theme}`, "Path=/", "Max-Age=31536000", "SameSite=Lax", "HttpOnly"];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}
