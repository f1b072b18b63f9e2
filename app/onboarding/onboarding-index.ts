// GET /onboarding — resumes the questionnaire at the first card without an answer (a skipped card
// counts as answered), or shows the summary once every card has one.
import { redirect } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/onboarding-index";
import { firstOpenCard, loadUserWorkspaceAndAnswers } from "./onboarding.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const open = await withDatabase(args.context, async (db) =>
    firstOpenCard((await loadUserWorkspaceAndAnswers(args.context, db, user.id)).answers),
  );
  return redirect(open ? `/onboarding/${open}` : "/onboarding/summary");
}

// A component makes this a page route, so a client-side <Link to="/onboarding"> follows the redirect
// instead of falling through to the 404 route. It never renders: the loader always redirects.
export default function OnboardingIndex() {
  return null;
}
