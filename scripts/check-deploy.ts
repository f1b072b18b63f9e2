// npm run check:deploy [-- --env staging]: the Worker exactly as `npm run deploy` would upload it, checked
// here without Cloudflare (.ci/run runs it on every CI run):
//   1. the production build, then `wrangler deploy --dry-run` into .deploy-check/ (the modules in
//      worker/, the upload itself in worker.bundle): the config, bindings and bundling must be valid;
//   2. size: the modules gzipped must stay under SIZE_BUDGET_BYTES (Cloudflare's limits are 3 MB on
//      Workers Free and 10 MB on Paid, and every byte is parsed at each cold start);
//   3. start-up: `wrangler check startup` loads the upload in a local workerd under the CPU profiler;
//      the CPU time of the global scope (module evaluation, top-level code) must stay under
//      STARTUP_BUDGET_MS. Cloudflare refuses a Worker whose start-up takes over 1 s; the budget catches
//      work added at import time long before that. Profiles are noisy on a shared machine, so a run
//      over budget is repeated, up to 3 runs, and the best one counts: noise only ever adds time.
// docs/decisions/0110-checked-production-build.md says why these numbers.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildEnv, buildFor, cloudflareEnvFromArgs, run } from "./deploy.ts";

export const SIZE_BUDGET_BYTES = 1.5 * 1024 * 1024;
export const STARTUP_BUDGET_MS = 400;
const STARTUP_RUNS = 3;
const OUT = ".deploy-check";

/** Each module of the dry run's output (source maps and wrangler's README left out), gzipped. */
export function gzippedModules(dir: string): { file: string; bytes: number; gzipped: number }[] {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => !file.endsWith(".map") && file !== "README.md" && statSync(join(dir, file)).isFile())
    .sort();
  return files.map((file) => {
    const content = readFileSync(join(dir, file));
    return { file, bytes: content.length, gzipped: gzipSync(content, { level: 9 }).length };
  });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of CPU in a V8 CPU profile: every sample but the idle ones (garbage collection counts). */
export function activeMilliseconds(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((node) => node.id));
  let micros = 0;
  profile.samples.forEach((node, i) => {
    if (!idle.has(node)) micros += profile.timeDeltas[i] ?? 0;
  });
  return micros / 1000;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.main) {
  const args = process.argv.slice(2);
  const cloudflareEnv = cloudflareEnvFromArgs(args);
  const env = { ...buildEnv(cloudflareEnv), WRANGLER_SEND_METRICS: "false" };
  rmSync(OUT, { recursive: true, force: true });

  buildFor(cloudflareEnv);
  run(
    "wrangler",
    ["deploy", "--dry-run", "--outdir", `${OUT}/worker`, "--outfile", `${OUT}/worker.bundle`, ...args],
    env,
  );

  let failed = false;
  const modules = gzippedModules(`${OUT}/worker`);
  const gzipped = modules.reduce((sum, module) => sum + module.gzipped, 0);
  console.log("\nModules (gzipped):");
  for (const module of modules) console.log(`  ${module.file.padEnd(44)} ${kib(module.gzipped).padStart(12)}`);
  const sizeOk = gzipped <= SIZE_BUDGET_BYTES;
  console.log(`${sizeOk ? "✓" : "✗"} Worker size: ${kib(gzipped)} gzipped (budget ${kib(SIZE_BUDGET_BYTES)})`);
  failed ||= !sizeOk;

  const runs: number[] = [];
  for (let i = 1; i <= STARTUP_RUNS; i++) {
    const profile = `${OUT}/startup-${i}.cpuprofile`;
    run("wrangler", ["check", "startup", "--worker", `${OUT}/worker.bundle`, "--outfile", profile], {
      ...env,
      // wrangler prints the profile's summary in its own box; ours below is the one that counts.
      WRANGLER_LOG: "warn",
    });
    runs.push(activeMilliseconds(JSON.parse(readFileSync(profile, "utf8")) as CpuProfile));
    if (Math.min(...runs) <= STARTUP_BUDGET_MS) break;
  }
  const startup = Math.min(...runs);
  const startupOk = startup <= STARTUP_BUDGET_MS;
  console.log(
    `${startupOk ? "✓" : "✗"} Start-up: ${startup.toFixed(1)} ms of CPU in workerd (budget ${STARTUP_BUDGET_MS} ms;` +
      ` runs: ${runs.map((ms) => ms.toFixed(1)).join(", ")} ms)`,
  );
  failed ||= !startupOk;
  process.exit(failed ? 1 : 0);
}
