// npm test: every suite, one after the other, then one summary line over all of them:
//   1. the local libSQL server (Node, real @libsql/client and drizzle)
//   2. the Node scripts (the offline demo model server, through the real openai SDK)
//   3. the Worker in workerd (pages, actions, Durable Objects, queue and cron handlers)
//   4. end to end in Chromium against the production build
// Each suite writes a JSON report under test-results/; a suite that crashes before reporting
// counts as one failure, so a broken suite can never look green.
//
// The workerd suite runs one vitest process per test file, two at a time. In one process, once the
// files before it have loaded enough of the app, workerd refuses a message of the pool's own socket
// ("WebSocket protocol error 1009: Message is too large") and every later file dies with "Worker exited
// unexpectedly" (@cloudflare/vitest-plugin 1.5). A file alone always ran; a process per file costs
// about 10 s of start-up each. Go back to one process when the plugin no longer does this.
//
// Every vitest process also runs React Router's typegen as it starts (the Vite plugin does it on
// "serve" and has no switch): it deletes .react-router/types and writes it again. Two processes starting
// together can delete the folder under each other's writes (ENOENT, no report). A file that died of
// exactly that is run once more, and the runner says so; any other missing report stays a failure.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Suite {
  name: string;
  report: string;
  commands: string[][];
  read(report: any): Counts;
}

const vitestCounts = (report: any): Counts => ({
  passed: report.numPassedTests,
  failed: report.numFailedTests + (report.success === false && report.numFailedTests === 0 ? 1 : 0),
  skipped: report.numPendingTests + report.numTodoTests,
});

const suites: Suite[] = [
  {
    name: "database server",
    report: "test-results/db.json",
    commands: [
      [
        "vitest",
        "run",
        "--config",
        "db/local-server/vitest.config.ts",
        "--reporter=default",
        "--reporter=json",
        "--outputFile.json=test-results/db.json",
      ],
    ],
    read: vitestCounts,
  },
  {
    name: "scripts (node)",
    report: "test-results/scripts.json",
    commands: [
      [
        "vitest",
        "run",
        "--config",
        "scripts/vitest.config.ts",
        "--reporter=default",
        "--reporter=json",
        "--outputFile.json=test-results/scripts.json",
      ],
    ],
    read: vitestCounts,
  },
  {
    name: "worker (workerd)",
    report: "test-results/worker.json",
    commands: [],
    read: vitestCounts,
  },
  {
    name: "end to end (chromium)",
    report: "test-results/e2e.json",
    commands: [
      ["react-router", "build"],
      ["playwright", "test"],
    ],
    read: (report) => ({
      passed: report.stats.expected + report.stats.flaky,
      failed: report.stats.unexpected + (report.errors?.length ?? 0),
      skipped: report.stats.skipped,
    }),
  },
];

const only = process.argv.slice(2);
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
rmSync("test-results", { recursive: true, force: true });
mkdirSync("test-results", { recursive: true });

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [];
for (const suite of suites) {
  if (only.length > 0 && !only.some((name) => suite.name.startsWith(name))) continue;
  console.log(`\n━━ ${suite.name} ━━`);
  if (suite.report === "test-results/worker.json") await runWorkerFiles(suite.report);
  for (const [command, ...args] of suite.commands) {
    const run = spawnSync(command!, args, { stdio: "inherit", env });
    if (run.status !== 0 && !existsSync(suite.report)) break;
  }
  let counts: Counts;
  try {
    counts = suite.read(JSON.parse(readFileSync(suite.report, "utf8")));
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0 };
    console.error(`✗ ${suite.name}: no test report (${suite.report}); counted as one failure.`);
  }
  lines.push(`${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}

console.log(`\n${lines.join("\n")}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);

/** The error of two typegen runs deleting each other's files (see the top). */
const typegenRace = /ENOENT[^\n]*\.react-router[\\/]types/;

/** The workerd suite, a vitest process per file (see the top), merged into one report. */
async function runWorkerFiles(report: string): Promise<void> {
  const files = globSync(["app/**/*.test.{ts,tsx}", "workers/**/*.test.ts"]).sort();
  const merged = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, success: true };
  const runOne = (file: string, index: number, attempt = 1): Promise<void> =>
    new Promise<void>((resolve) => {
      const out = `test-results/worker-${index}.json`;
      const child = spawn(
        "vitest",
        [
          "run",
          "--config",
          "vitest.config.ts",
          file,
          "--reporter=default",
          "--reporter=json",
          `--outputFile.json=${out}`,
        ],
        { env, stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on("close", () => {
        process.stdout.write(output);
        try {
          const counts = JSON.parse(readFileSync(out, "utf8"));
          merged.numPassedTests += counts.numPassedTests;
          merged.numFailedTests += counts.numFailedTests;
          merged.numPendingTests += counts.numPendingTests;
          merged.numTodoTests += counts.numTodoTests;
          if (counts.success === false) merged.success = false;
        } catch {
          if (attempt === 1 && typegenRace.test(output)) {
            console.error(`↻ ${file}: React Router's typegen raced with another process; running it again.`);
            resolve(runOne(file, index, 2));
            return;
          }
          console.error(`✗ ${file}: no test report; counted as one failure.`);
          merged.numFailedTests += 1;
        }
        resolve();
      });
    });
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const index = next++;
      await runOne(files[index]!, index);
    }
  };
  await Promise.all([lane(), lane()]);
  writeFileSync(report, JSON.stringify(merged));
}
