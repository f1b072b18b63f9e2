// POST /theme: stores the picked theme and sends the browser back where it was. Without JavaScript
// this is a plain form post and redirect; with it, the ThemeSwitch fetcher applies the theme at once.
import { data, redirect } from "react-router";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import type { Route } from "./+types/theme-action";
import { themeCookie, themeSchema } from "./theme.server.ts";

export async function action({ request }: Route.ActionArgs) {
  const form = await request.formData();
  const theme = themeSchema.safeParse(form.get("theme"));
  if (!theme.success) {
    throw data("Unknown theme: choose light, dark or system.", { status: 400 });
  }
  return redirect(safeRedirectPath(form.get("redirectTo")), {
    headers: { "Set-Cookie": themeCookie(request, theme.data) },
  });
}

export function loader() {
  return redirect("/");
}
