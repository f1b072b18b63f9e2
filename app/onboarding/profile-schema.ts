// GET /onboarding/profile.schema.json — the client profile's JSON Schema (from its zod schema). Public:
// it describes the shape of the document, nothing about anyone's business.
import { profileJsonSchema } from "./profile.ts";

let cached: string | undefined;

export function loader() {
  cached ??= `${JSON.stringify(profileJsonSchema(), null, 2)}\n`;
  return new Response(cached, {
    headers: { "Content-Type": "application/schema+json; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
