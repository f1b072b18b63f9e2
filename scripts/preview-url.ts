// node scripts/preview-url.ts <wrangler output file>: reads what `wrangler versions upload` wrote to
// WRANGLER_OUTPUT_FILE_PATH (one JSON object per line) and prints `url=…` and `version_id=…` lines for
// $GITHUB_OUTPUT (.github/workflows/deploy.yml). The URL is the alias's (pr-<n>-alva-staging.…), else the
// version's own; empty when Cloudflare made none (it makes none for Workers with Durable Objects).
import { readFileSync } from "node:fs";

interface VersionUpload {
  type: "version-upload";
  version_id?: string;
  preview_url?: string;
  preview_alias_url?: string;
}

export function previewOutputs(ndjson: string): { url: string; version_id: string } {
  const upload = ndjson
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { type?: string })
    .findLast((entry): entry is VersionUpload => entry.type === "version-upload");
  if (!upload?.version_id) throw new Error("wrangler wrote no version-upload entry: did the upload fail?");
  return { url: upload.preview_alias_url ?? upload.preview_url ?? "", version_id: upload.version_id };
}

if (import.meta.main) {
  const outputs = previewOutputs(readFileSync(process.argv[2]!, "utf8"));
  console.log(`url=${outputs.url}\nversion_id=${outputs.version_id}`);
}
