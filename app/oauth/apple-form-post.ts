// POST /auth/apple/callback: Sign in with Apple answers with response_mode=form_post, a cross-site POST
// from appleid.apple.com. Two guards would refuse it: Alva's CSRF check (app/platform/csrf.ts exempts
// exactly this path) and React Router's own Origin check for page actions (which is why this is a
// resource route, which that check does not cover). Nothing is decided here: the fields are handed to
// GET /auth/apple/finish, a same-site top-level navigation where the usual callback checks the state
// against the signed state cookie, exactly as for GitHub and Google, and where the session cookie
// (SameSite=Lax) is both sent (link mode) and accepted when set.
import { redirect } from "react-router";
import { logRefusedForm, readFormBody } from "../platform/forms.server.ts";
import type { Route } from "./+types/apple-form-post";

const FIELDS = ["code", "state", "user", "error"] as const;

export async function action({ request, context }: Route.ActionArgs) {
  // A form we cannot read goes on empty: the finish page then shows the ordinary "sign-in failed".
  const read = await readFormBody(request);
  if (!read.ok) logRefusedForm(context, read);
  const form = read.ok ? read.form : new FormData();
  const query = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.get(name);
    // Bounded, so a hostile post cannot make an absurd Location header.
    if (typeof value === "string" && value.length <= 4096) query.set(name, value);
  }
  return redirect(`/auth/apple/finish?${query}`, 303);
}

export function loader() {
  // Apple never GETs this URL; someone typing it gets the sign-in page.
  return redirect("/login");
}
