// POST /theme: stores the picked theme and sends the browser back where it was. Without JavaScript
// this is a plain form post and redirect; with it, the ThemeSwitch fetcher applies the theme at once.
import { redirect } from "react-router";
import { readForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import type { Route } from "./+types/theme-action";
import { themeCookie, themeSchema } from "./theme.server.ts";

export async function action({ request, context }: Route.ActionArgs) {
  const form = await readForm({ request, context });
  const theme = themeSchema.safeParse(form.get("theme"));
  if (!theme.success) {
    httpError(context, 400, "Unknown theme: choose light, dark or system.");
  }
  const secure = new URL(request.url).protocol === "https:";
  return redirect(safeRedirectPath(form.get("redirectTo")), {
    headers: { "Set-Cookie": themeCookie(theme.data, secure) },
  });
}

export function loader() {
  return redirect("/");
}
