import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { httpError } from "../platform/http-error.ts";
import type { Route } from "./+types/plan-download";
import { planFile } from "./plan-files.server.ts";
import { loadPlan } from "./plans.server.ts";

const query = z.object({ version: z.coerce.number().int().min(1).max(1_000_000).optional() });

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const format = args.params.format;
  const parsed = query.safeParse(Object.fromEntries(new URL(args.request.url).searchParams));
  if ((format !== "markdown" && format !== "json") || !parsed.success) {
    httpError(args.context, 404, "There is no such download.");
  }
  const loaded = await withDatabase(args.context, async (db) =>
    loadPlan(db, {
      workspaceId: await requireWorkspace(args.context, db, user.id),
      planId: args.params.id,
      version: parsed.data.version,
    }),
  );
  if (!loaded) httpError(args.context, 404, "There is no such plan.");
  const file = planFile(loaded, format);
  return new Response(file.body, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "Cache-Control": "no-store",
    },
  });
}
