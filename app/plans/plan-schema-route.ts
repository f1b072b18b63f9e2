// GET /plans/plan.schema.json — the JSON Schema of a stored plan version (the JSON download), from its
// zod schema. Public, like /onboarding/profile.schema.json: it describes a shape, nothing about anyone.
import { z } from "zod";
import { planDocumentSchema } from "./plan-schema.ts";

let cached: string | undefined;

export function loader() {
  cached ??= `${JSON.stringify(z.toJSONSchema(planDocumentSchema), null, 2)}\n`;
  return new Response(cached, {
    headers: { "Content-Type": "application/schema+json; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
