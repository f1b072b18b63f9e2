// GET /plans/:id/download/markdown and /plans/:id/download/json (optionally ?version=n) — a plan version
// as a Markdown document or as its PlanDocument JSON (schema: /plans/plan.schema.json). Only for members
// of the plan's workspace; anyone else gets the 404 page.
import { data } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/plan-download";
import { planToMarkdown } from "./plan-markdown.ts";
import { loadPlan } from "./plans.server.ts";
import { cardTitles } from "./request-outcome.server.ts";

const query = z.object({ version: z.coerce.number().int().min(1).max(1_000_000).optional() });

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const format = args.params.format;
  const parsed = query.safeParse(Object.fromEntries(new URL(args.request.url).searchParams));
  if ((format !== "markdown" && format !== "json") || !parsed.success) {
    throw data({ message: "There is no such download." }, { status: 404 });
  }
  const loaded = await withDatabase(args.context, async (db) =>
    loadPlan(db, {
      workspaceId: await requireWorkspace(db, user.id),
      planId: args.params.id,
      version: parsed.data.version,
    }),
  );
  if (!loaded) throw data({ message: "There is no such plan." }, { status: 404 });
  const day = loaded.plan.createdAt.toISOString().slice(0, 10);
  const name = `alva-marketing-plan-${day}-v${loaded.version.number}`;
  const body =
    format === "json"
      ? `${JSON.stringify(loaded.document, null, 2)}\n`
      : planToMarkdown(loaded.document, {
          title: `Marketing plan of ${day}`,
          version: loaded.version.number,
          ticked: loaded.ticked,
          cardTitles,
        });
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}.${format === "json" ? "json" : "md"}"`,
      "Cache-Control": "no-store",
    },
  });
}
