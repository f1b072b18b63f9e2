// GET /onboarding/profile.json — the signed-in user's client profile as a JSON file download.
import { requireUser } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/profile-download";
import { loadProfile, requireWorkspace } from "./onboarding.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const profile = await withDatabase(args.context, async (db) =>
    loadProfile(db, await requireWorkspace(args.context, db, user.id)),
  );
  return new Response(`${JSON.stringify(profile, null, 2)}\n`, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": 'attachment; filename="alva-client-profile.json"',
      "Cache-Control": "no-store",
    },
  });
}
