// GET /admin/settings/waitlist/download — the whole waitlist as CSV (formula-safe). Admins only.
import { requireRole } from "../accounts/auth.server.ts";
import { csvResponse, toCsv } from "../platform/csv.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/settings-waitlist-route";
import { listWaitlist } from "./instance-settings.server.ts";

export async function loader(args: Route.LoaderArgs) {
  requireRole(args, "admin");
  const entries = await withDatabase(args.context, (db) => listWaitlist(db));
  return csvResponse(
    `alva-waitlist-${new Date().toISOString().slice(0, 10)}.csv`,
    toCsv(
      ["E-mail", "Joined (UTC)", "Invited (UTC)"],
      entries.map((entry) => [
        entry.email,
        new Date(entry.createdAt).toISOString(),
        entry.invitedAt === null ? null : new Date(entry.invitedAt).toISOString(),
      ]),
    ),
  );
}
