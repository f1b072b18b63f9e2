// What can be checked here of deploying to Cloudflare: the arguments `npm run deploy` passes on, the
// staging environment's separation from production in wrangler.toml, and check:deploy's measures.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { baseQueueName, consumedQueues } from "../workers/queue-names.ts";
import { activeMilliseconds, gzippedModules } from "./check-deploy.ts";
import { buildEnv, cloudflareEnvFromArgs } from "./deploy.ts";
import { previewOutputs } from "./preview-url.ts";

describe("npm run deploy", () => {
  it("reads the environment from wrangler-style arguments", () => {
    expect(cloudflareEnvFromArgs([])).toBeUndefined();
    expect(cloudflareEnvFromArgs(["--env", "staging"])).toBe("staging");
    expect(cloudflareEnvFromArgs(["--dry-run", "--env=staging", "--outdir", "x"])).toBe("staging");
    expect(cloudflareEnvFromArgs(["-e", "staging"])).toBe("staging");
    expect(cloudflareEnvFromArgs(["--env"])).toBeUndefined();
  });

  it("builds for that environment, and for production without one even if CLOUDFLARE_ENV is set", () => {
    expect(buildEnv("staging", {}).CLOUDFLARE_ENV).toBe("staging");
    expect(buildEnv(undefined, { CLOUDFLARE_ENV: "staging" }).CLOUDFLARE_ENV).toBeUndefined();
  });
});

describe("wrangler.toml [env.staging]", () => {
  type Bucket = { binding: string; bucket_name?: string };
  const production = unstable_readConfig({ config: "wrangler.toml" });
  const staging = unstable_readConfig({ config: "wrangler.toml", env: "staging" });

  it("is its own Worker with its own bucket and queues, and the same bindings by name", () => {
    expect(staging.name).toBe("alva-staging");
    expect(staging.r2_buckets.map((bucket: Bucket) => bucket.binding)).toEqual(
      production.r2_buckets.map((bucket: Bucket) => bucket.binding),
    );
    for (const bucket of staging.r2_buckets as Bucket[]) {
      expect(production.r2_buckets.map((other: Bucket) => other.bucket_name)).not.toContain(bucket.bucket_name);
    }
    expect(staging.durable_objects.bindings).toEqual(production.durable_objects.bindings);
    expect(Object.keys(staging.vars).sort()).toEqual(Object.keys(production.vars).sort());
    expect(staging.vars.ENVIRONMENT).toBe("staging");
    expect(staging.observability?.enabled).toBe(true);
  });

  it("names its queues like production's plus -staging, so the Worker finds their consumers", () => {
    const environment = String(staging.vars.ENVIRONMENT);
    const names = [
      ...(staging.queues.producers ?? []).map((producer: { queue: string }) => producer.queue),
      ...(staging.queues.consumers ?? []).flatMap((consumer: { queue: string; dead_letter_queue?: string }) => [
        consumer.queue,
        consumer.dead_letter_queue ?? [],
      ]),
    ].flat();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(name.endsWith(`-${environment}`), name).toBe(true);
      expect(consumedQueues as readonly string[]).toContain(baseQueueName(name, environment));
    }
    for (const consumer of (production.queues.consumers ?? []) as { queue: string }[]) {
      expect(consumedQueues as readonly string[]).toContain(baseQueueName(consumer.queue, "production"));
    }
  });
});

describe("npm run check:deploy", () => {
  it("sums gzipped modules, leaving out source maps and wrangler's README", () => {
    const dir = mkdtempSync(join(tmpdir(), "check-deploy-"));
    try {
      mkdirSync(join(dir, "assets"));
      writeFileSync(join(dir, "index.js"), "export default {};\n".repeat(100));
      writeFileSync(join(dir, "assets", "chunk.js"), "x");
      writeFileSync(join(dir, "assets", "chunk.js.map"), "{}");
      writeFileSync(join(dir, "README.md"), "dry run");
      const modules = gzippedModules(dir);
      expect(modules.map((module) => module.file)).toEqual(["assets/chunk.js", "index.js"]);
      expect(modules[1]!.gzipped).toBeLessThan(modules[1]!.bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts a CPU profile's samples except the idle ones", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(root)" } },
        { id: 2, callFrame: { functionName: "(idle)" } },
        { id: 3, callFrame: { functionName: "(garbage collector)" } },
      ],
      samples: [1, 2, 3, 1, 2],
      timeDeltas: [1000, 50_000, 2000, 500, 9000],
    };
    expect(activeMilliseconds(profile)).toBe(3.5);
  });
});

describe("the pull request's preview (deploy.yml)", () => {
  const lines = (...entries: object[]) => entries.map((entry) => JSON.stringify(entry)).join("\n");

  it("takes the alias URL from wrangler's output file, else the version's own, else none", () => {
    const start = { type: "wrangler-session", version: 1 };
    const upload = { type: "version-upload", version: 1, version_id: "v-1" };
    expect(
      previewOutputs(
        lines(start, {
          ...upload,
          preview_url: "https://abc-alva-staging.x.workers.dev",
          preview_alias_url: "https://pr-7-alva-staging.x.workers.dev",
        }),
      ),
    ).toEqual({ url: "https://pr-7-alva-staging.x.workers.dev", version_id: "v-1" });
    expect(previewOutputs(lines(start, { ...upload, preview_url: "https://abc-alva-staging.x.workers.dev" })).url).toBe(
      "https://abc-alva-staging.x.workers.dev",
    );
    expect(previewOutputs(lines(start, upload))).toEqual({ url: "", version_id: "v-1" });
  });

  it("fails when wrangler wrote no upload", () => {
    expect(() => previewOutputs(lines({ type: "wrangler-session", version: 1 }))).toThrow(/no version-upload/);
  });
});
