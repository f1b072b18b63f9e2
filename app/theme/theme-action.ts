// POST /theme: stores the picked theme and sends the browser back where it was. Without JavaScript
// this is a plain form post and redirect; with it, the ThemeSwitch fetcher applies the theme at once.
import { redirect } from "react-router";
import { z } from "zod";
import { parseForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import type { Route } from "./+types/theme-action";
import { themeCookie, themeSchema } from "./theme.server.ts";

const themeForm = z.object({ theme: themeSchema, redirectTo: z.string().max(2048).optional() });

export async function action({ request, context }: Route.ActionArgs) {
  const submission = await parseForm({ request, context }, themeForm);
  if (submission.status !== "success") httpError(context, 400, "Unknown theme: choose light, dark or system.");
  return redirect(safeRedirectPath(submission.value.redirectTo), {
    headers: { "Set-Cookie": themeCookie(request, submission.value.theme) },
  });
}

export function loader() {
  return redirect("/");
}
