// A plan version as a file: Markdown (readable, with the roadmap's ticks) or its JSON document. The
// download route (/plans/:id/download/:format) and the API (GET /api/v1/plans/:id/markdown) both serve it.
import { planToMarkdown } from "./plan-markdown.ts";
import type { LoadedPlan } from "./plans.server.ts";
import { cardTitles } from "./request-outcome.server.ts";

export type PlanFileFormat = "markdown" | "json";

export function planFile(loaded: LoadedPlan, format: PlanFileFormat) {
  const day = loaded.plan.createdAt.toISOString().slice(0, 10);
  const body =
    format === "json"
      ? `${JSON.stringify(loaded.document, null, 2)}\n`
      : planToMarkdown(loaded.document, {
          title: `Marketing plan of ${day}`,
          version: loaded.version.number,
          ticked: loaded.ticked,
          cardTitles,
        });
  return {
    body,
    filename: `alva-marketing-plan-${day}-v${loaded.version.number}.${format === "json" ? "json" : "md"}`,
    contentType: format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
  };
}
