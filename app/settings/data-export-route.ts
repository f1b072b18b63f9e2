// GET /settings/account/exports/:id: the signed-in user's own data archive. The id is looked up
// together with the user's id, so another person's archive id answers 404 like a made-up one.
import { requireUser } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/data-export-route";
import { readExport } from "./data-export.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const archive = await withDatabase(args.context, (db) => readExport(env, db, user.id, args.params.id.slice(0, 64)));
  if (!archive) httpError(args.context, 404, "There is no such archive, or it has expired. Prepare a new one.");
  return new Response(archive.body, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="alva-data-${user.username}.json"`,
      "Cache-Control": "private, no-store",
    },
  });
}
